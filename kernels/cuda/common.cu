#include <array>
#include <mutex>

#include "kernels/cuda/blas.h"
#include "kernels/cuda/common.cuh"

namespace tg::cuda {

namespace {

// One set of handles per device, created when a kernel first needs them: the first run of a
// plan runs outside any CUDA graph capture, so creation never happens inside one.
struct Handles {
  std::mutex mu;  // guards creation
  cublasHandle_t blas = nullptr;
  cublasLtHandle_t lt = nullptr;
  cudnnHandle_t dnn = nullptr;
  void* workspace = nullptr;
};
constexpr size_t kWorkspaceBytes = size_t{32} << 20;

// Handles are shared by the sessions on a device, which all enqueue on its one stream.
Handles& handles_of_current_device() {
  static std::array<Handles, 64> all;
  int dev = 0;
  TG_CUDA_CHECK(cudaGetDevice(&dev));
  TG_CHECK(dev >= 0 && dev < static_cast<int>(all.size()), "CUDA device ", dev, " is beyond the ", all.size(), " supported");
  return all[static_cast<size_t>(dev)];
}

// The device's workspace, allocated at first use (h.mu held).
void* workspace_locked(Handles& h) {
  if (!h.workspace) TG_CUDA_CHECK(cudaMalloc(&h.workspace, kWorkspaceBytes));
  return h.workspace;
}

}  // namespace

cublasHandle_t blas_handle(const KernelContext& c) {
  Handles& h = handles_of_current_device();
  std::lock_guard<std::mutex> lock(h.mu);
  if (!h.blas) {
    TG_CUDA_CHECK(blas().create(&h.blas));
    // Full float32 products, as on the CPU; no TF32.
    TG_CUDA_CHECK(blas().set_math_mode(h.blas, CUBLAS_DEFAULT_MATH));
  }
  TG_CUDA_CHECK(blas().set_stream(h.blas, stream_of(c)));
  // A workspace of cuBLAS's own making would be allocated inside a capture (an allocation
  // node in the graph); cuBLAS and cuBLASLt share this one, ordered on the device's one
  // stream. Set after the stream, since setting a stream resets the workspace.
  TG_CUDA_CHECK(blas().set_workspace(h.blas, workspace_locked(h), kWorkspaceBytes));
  return h.blas;
}

cublasLtHandle_t lt_handle() {
  Handles& h = handles_of_current_device();
  std::lock_guard<std::mutex> lock(h.mu);
  if (!h.lt) TG_CUDA_CHECK(blas().lt_create(&h.lt));
  return h.lt;
}

void* lt_workspace(size_t* bytes) {
  Handles& h = handles_of_current_device();
  std::lock_guard<std::mutex> lock(h.mu);
  *bytes = kWorkspaceBytes;
  return workspace_locked(h);
}

cudnnHandle_t dnn_handle(const KernelContext& c) {
  Handles& h = handles_of_current_device();
  std::lock_guard<std::mutex> lock(h.mu);
  if (!h.dnn) TG_CUDA_CHECK(dnn().create(&h.dnn));
  TG_CUDA_CHECK(dnn().set_stream(h.dnn, stream_of(c)));
  return h.dnn;
}

}  // namespace tg::cuda
