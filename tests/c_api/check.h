/* What the C API's test files share: check macros that count passes and failures, a scratch
 * directory, and small builders. */
#ifndef TG_C_API_TEST_CHECK_H_
#define TG_C_API_TEST_CHECK_H_

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensorgraph/c_api.h"

extern int g_passed, g_failed;
extern char g_dir[256]; /* this run's scratch directory */

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      ++g_passed;                                                          \
    } else {                                                               \
      ++g_failed;                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

/* The status is OK; otherwise prints its message. */
#define CHECK_OK(s)                                                                       \
  do {                                                                                    \
    if (tg_GetCode(s) == TG_OK) {                                                         \
      ++g_passed;                                                                         \
    } else {                                                                              \
      ++g_failed;                                                                         \
      fprintf(stderr, "%s:%d: status %s: %s\n", __FILE__, __LINE__, tg_CodeName(tg_GetCode(s)), \
              tg_Message(s));                                                             \
    }                                                                                     \
  } while (0)

#define CHECK_CODE(s, code)                                                                    \
  do {                                                                                         \
    if (tg_GetCode(s) == (code)) {                                                             \
      ++g_passed;                                                                              \
    } else {                                                                                   \
      ++g_failed;                                                                              \
      fprintf(stderr, "%s:%d: expected %s, got %s: %s\n", __FILE__, __LINE__, tg_CodeName(code), \
              tg_CodeName(tg_GetCode(s)), tg_Message(s));                                      \
    }                                                                                          \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                   \
  do {                                                                                          \
    double a_ = (a), b_ = (b);                                                                  \
    if (fabs(a_ - b_) <= (tol)) {                                                               \
      ++g_passed;                                                                               \
    } else {                                                                                    \
      ++g_failed;                                                                               \
      fprintf(stderr, "%s:%d: %s = %g, expected %g (within %g)\n", __FILE__, __LINE__, #a, a_, b_, \
              (double)(tol));                                                                   \
    }                                                                                           \
  } while (0)

#define CHECK_CONTAINS(text, part)                                                       \
  do {                                                                                   \
    const char* t_ = (text);                                                             \
    if (t_ && strstr(t_, (part))) {                                                      \
      ++g_passed;                                                                        \
    } else {                                                                             \
      ++g_failed;                                                                        \
      fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__,          \
              t_ ? t_ : "(null)", (part));                                               \
    }                                                                                    \
  } while (0)

/* The path of `name` in the scratch directory. */
void path_in(char* out, size_t n, const char* name);
/* A float tensor of the given shape holding a copy of `values`. */
tg_Tensor* float_tensor(const int64_t* dims, int rank, const float* values, tg_Status* s);

void test_estimator_and_predictor(void);

#endif /* TG_C_API_TEST_CHECK_H_ */
