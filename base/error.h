// Errors: one exception type for every user-facing failure, and an internal-invariant check.
//
// tg::Error carries a message that names what failed and where (node, op, shapes, file and
// line). TG_ASSERT guards invariants of the engine itself; it throws std::logic_error rather
// than aborting, so that a bug never takes the embedding program down with it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tg {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Concatenates the arguments with operator<< into one string.
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(cat(args...));
}

}  // namespace tg

// User-facing check: throws tg::Error with the streamed message.
#define TG_CHECK(cond, ...)                 \
  do {                                      \
    if (!(cond)) ::tg::fail(__VA_ARGS__);   \
  } while (0)

// Internal invariant: a failure is a bug in tensorgraph, reported with file and line.
#define TG_ASSERT(cond)                                                                  \
  do {                                                                                   \
    if (!(cond))                                                                         \
      throw std::logic_error(::tg::cat("tensorgraph internal error: ", #cond, " at ",   \
                                       __FILE__, ":", __LINE__));                        \
  } while (0)
