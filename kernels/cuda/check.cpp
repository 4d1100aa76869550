#include "kernels/cuda/check.h"

#include <cstring>

#include "base/error.h"
#include "kernels/cuda/blas.h"

namespace tg::cuda {

void fail_call(const char* library, const char* error, const char* call, const char* file, int line) {
  const char* base = std::strrchr(file, '/');
  throw Error(cat(library, " error '", error, "' in ", call, " (", base ? base + 1 : file, ":", line,
                  ")"),
              ErrorCode::Internal);
}

void fail_blas_call(cublasStatus_t s, const char* call, const char* file, int line) {
  fail_call("cuBLAS", blas().status_string(s), call, file, line);
}

}  // namespace tg::cuda
