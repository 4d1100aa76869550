// The CUDA kernel of the collective family: AllReduce over the job's processes. With a GPU per
// rank the backend reduces device memory with NCCL on the kernel's stream; ranks that share a
// GPU (or run without NCCL) stage the data through page-locked host memory and reduce it with
// MPI. AllReduce steps are never captured into CUDA graphs (OpDef::communicates): they
// communicate, and the staged path waits for the stream.
#include <mutex>

#include "kernels/collective.h"
#include "kernels/cuda/common.cuh"

namespace tg::cuda {

namespace {

template <class T>
__global__ void scale_kernel(T* p, int64_t n, T s) {
  TG_GRID_STRIDE(i, n) p[i] *= s;
}

// Page-locked staging memory, grown to the largest all-reduce and kept: steady-state steps
// allocate nothing. Kernels of one process run one at a time per stream; the mutex covers
// sessions on several threads.
std::mutex& staging_mutex() {
  static std::mutex mu;
  return mu;
}
void* staging(size_t bytes) {
  static void* p = nullptr;
  static size_t size = 0;
  if (bytes > size) {
    if (p) TG_CUDA_CHECK(cudaFreeHost(p));
    p = nullptr;
    size = 0;
    TG_CUDA_CHECK(cudaMallocHost(&p, bytes));
    size = bytes;
  }
  return p;
}

template <class T>
void all_reduce(const KernelContext& c) {
  const Tensor& x = c.in(0);
  Tensor& y = c.out();
  int64_t n = x.num_elements();
  size_t bytes = static_cast<size_t>(n) * sizeof(T);
  cudaStream_t s = stream_of(c);
  CollectiveBackend* b = collective_backend();
  if (!b || b->size() == 1) {
    if (y.data<T>() != x.data<T>() && n > 0)
      TG_CUDA_CHECK(cudaMemcpyAsync(y.data<T>(), x.data<T>(), bytes, cudaMemcpyDeviceToDevice, s));
    return;
  }
  if (!b->allreduce_device(x.data<T>(), y.data<T>(), n, dtype_of<T>(), s)) {
    std::lock_guard<std::mutex> lock(staging_mutex());
    void* h = staging(bytes);
    TG_CUDA_CHECK(cudaMemcpyAsync(h, x.data<T>(), bytes, cudaMemcpyDeviceToHost, s));
    TG_CUDA_CHECK(cudaStreamSynchronize(s));
    b->allreduce_host(h, h, n, dtype_of<T>());
    TG_CUDA_CHECK(cudaMemcpyAsync(y.data<T>(), h, bytes, cudaMemcpyHostToDevice, s));
    TG_CUDA_CHECK(cudaStreamSynchronize(s));  // the staging memory is reused by the next call
  }
  if (c.attrs.get<std::string>("reduction") == "mean" && n > 0) {
    scale_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(y.data<T>(), n, static_cast<T>(1.0 / b->size()));
    TG_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace

void register_collective_kernels() {
  reg<float, double>("AllReduce", [](auto z) -> KernelFn { return &all_reduce<decltype(z)>; });
}

}  // namespace tg::cuda
