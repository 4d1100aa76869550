// Helpers shared by the CUDA kernel families: registration, launch shapes, the broadcasting
// indexer, elementwise launchers, and the per-device cuBLAS, cuBLASLt and cuDNN handles.
// Every launcher enqueues on the kernel context's stream and never synchronizes, so that a
// whole step can be captured as a CUDA graph.
#pragma once

#include <cuda_runtime.h>

#include <array>
#include <vector>

#include "base/tensor.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/indexer.h"
#include "kernels/registry.h"
#include "kernels/strides.h"

namespace tg::cuda {

inline cudaStream_t stream_of(const KernelContext& c) { return static_cast<cudaStream_t>(c.stream); }

// Registers make(T{}) as the CUDA kernel of `op` for each listed type.
template <class... Ts, class F>
void reg(const char* op, F make) {
  (register_kernel(op, DeviceType::CUDA, dtype_of<Ts>(), make(Ts{})), ...);
}

constexpr int kThreads = 256;
// Grid-stride loops: enough blocks to fill the GPU, never more than the work needs.
inline unsigned blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 16384 ? 16384 : b));
}
#define TG_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

template <class T, class R, class F>
__global__ void unary_kernel(const T* a, R* out, int64_t n, F f) {
  TG_GRID_STRIDE(i, n) out[i] = f(a[i]);
}

template <class T, class R, class F>
__global__ void binary_kernel(const T* a, const T* b, R* out, int64_t n, F f) {
  TG_GRID_STRIDE(i, n) out[i] = f(a[i], b[i]);
}

template <class T, class R, class F>
__global__ void binary_broadcast_kernel(const T* a, const T* b, R* out, int64_t n, Indexer<2> ix, F f) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[2];
    ix.offsets(i, off);
    out[i] = f(a[off[0]], b[off[1]]);
  }
}

// out[i] = f(in[i]) over n elements.
template <class T, class R, class F>
void map_unary(const T* in, R* out, int64_t n, cudaStream_t s, F f) {
  if (n == 0) return;
  unary_kernel<<<blocks_for(n), kThreads, 0, s>>>(in, out, n, f);
  TG_CUDA_CHECK_LAUNCH();
}

// out = f(a, b) with numpy broadcasting.
template <class T, class R, class F>
void map_binary(const Tensor& a, const Tensor& b, Tensor& out, cudaStream_t s, F f) {
  int64_t n = out.num_elements();
  if (n == 0) return;
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    binary_kernel<<<blocks_for(n), kThreads, 0, s>>>(a.data<T>(), b.data<T>(), out.data<R>(), n, f);
  } else {
    auto ix = make_indexer<2>(out.shape(), {broadcast_strides(a.shape(), out.shape()),
                                            broadcast_strides(b.shape(), out.shape())});
    binary_broadcast_kernel<<<blocks_for(n), kThreads, 0, s>>>(a.data<T>(), b.data<T>(), out.data<R>(), n, ix, f);
  }
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
__global__ void fill_kernel(T* out, int64_t n, T v) {
  TG_GRID_STRIDE(i, n) out[i] = v;
}

// Sets every element of c's output 0 to v.
template <class T>
void fill_value(const KernelContext& c, T v) {
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(c.out().data<T>(), n, v);
  TG_CUDA_CHECK_LAUNCH();
}

// Reads a one-element tensor of any numeric dtype on the device (learning rates, steps).
struct DeviceScalar {
  const void* p;
  DType dtype;
  __device__ double get() const {
    switch (dtype) {
      case DType::Float32: return *static_cast<const float*>(p);
      case DType::Float64: return *static_cast<const double*>(p);
      case DType::Int32: return *static_cast<const int32_t*>(p);
      case DType::Int64: return static_cast<double>(*static_cast<const int64_t*>(p));
      default: return *static_cast<const bool*>(p) ? 1.0 : 0.0;
    }
  }
};
inline DeviceScalar scalar_of(const Tensor& t) {
  TG_CHECK(t.num_elements() == 1, "expected one element, tensor has shape ", t.shape().to_string());
  return {t.raw(), t.dtype()};
}

// Handles of the current device, created on first use and bound to the context's stream.
cublasHandle_t blas_handle(const KernelContext& c);
cublasLtHandle_t lt_handle();
cudnnHandle_t dnn_handle(const KernelContext& c);
// cuBLASLt's workspace on the current device (allocated once, never inside a capture).
void* lt_workspace(size_t* bytes);

}  // namespace tg::cuda
