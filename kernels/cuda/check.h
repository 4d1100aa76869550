// Status checks for CUDA, cuBLAS and cuDNN calls: every call's status is checked and a failure
// becomes a tg::Error saying which call failed, with what error, where. The session adds the
// node and op that was running.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "kernels/cuda/blas.h"

namespace tg::cuda {

[[noreturn]] void fail_call(const char* library, const char* error, const char* call,
                            const char* file, int line);

inline void check_call(cudaError_t s, const char* call, const char* file, int line) {
  if (s == cudaSuccess) return;
  // Reported here, so cleared: otherwise the next launch check would report it again. (A
  // sticky error, which leaves the context unusable, stays whatever is done.)
  cudaGetLastError();
  fail_call("CUDA", cudaGetErrorString(s), call, file, line);
}
void fail_blas_call(cublasStatus_t s, const char* call, const char* file, int line);
inline void check_call(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS) fail_blas_call(s, call, file, line);
}
inline void check_call(cudnnStatus_t s, const char* call, const char* file, int line) {
  if (s != CUDNN_STATUS_SUCCESS) fail_call("cuDNN", dnn().error_string(s), call, file, line);
}

}  // namespace tg::cuda

#define TG_CUDA_CHECK(call) ::tg::cuda::check_call((call), #call, __FILE__, __LINE__)
// After a kernel launch: a bad launch configuration shows up here, at the op that made it.
#define TG_CUDA_CHECK_LAUNCH() TG_CUDA_CHECK(cudaGetLastError())
