#include "kernels/cuda/check.h"

#include <cstring>

#include "base/error.h"

namespace tg::cuda {

void fail_call(const char* library, const char* error, const char* call, const char* file, int line) {
  const char* base = std::strrchr(file, '/');
  throw Error(cat(library, " error '", error, "' in ", call, " (", base ? base + 1 : file, ":", line,
                  ")"));
}

}  // namespace tg::cuda
