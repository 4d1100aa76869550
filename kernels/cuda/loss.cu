// CUDA kernels of the loss family: the numerically stable cross-entropies of
// kernels/cpu/loss.cpp. The softmax cross-entropies take one warp per row: the lanes read the
// row coalesced, and fixed butterflies of shuffles combine them (the same order every run).
// The sparse form checks each label on the device (kernels/cuda/scratch.h): a bad label is
// recorded, read as class 0, and raised as an error at the device's next synchronization.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/scratch.h"

namespace tg::cuda {

namespace {

template <class T>
__global__ void sigmoid_ce_kernel(const T* z, const T* x, T* out, int64_t n) {
  TG_GRID_STRIDE(i, n) out[i] = (x[i] > 0 ? x[i] : T(0)) - x[i] * z[i] + ::log1p(::exp(-::fabs(x[i])));
}

template <class T>
void sigmoid_ce(const KernelContext& c) {
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  sigmoid_ce_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.in(1).data<T>(),
                                                                  c.out().data<T>(), n);
  TG_CUDA_CHECK_LAUNCH();
}

template <class T, class F>
__device__ T warp_fold(T v, F f) {
  for (int step = 16; step > 0; step /= 2) v = f(v, __shfl_xor_sync(0xffffffffu, v, step));
  return v;
}

// loss[r] = sum_j z[r, j] * (lse_r - x[r, j]) (dense labels z), or lse_r - x[r, label_r].
template <class T, class I, bool Sparse>
__global__ void softmax_ce_kernel(const T* z, const I* labels, const T* x, T* out, int64_t rows, int64_t cols,
                                  DeviceErrorRecord* rec) {
  constexpr int kWarps = kThreads / 32;
  int lane = static_cast<int>(threadIdx.x) % 32;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const T* xr = x + r * cols;
    T mx = xr[0];
    for (int64_t j = lane; j < cols; j += 32) mx = xr[j] > mx ? xr[j] : mx;
    mx = warp_fold(mx, [](T a, T b) { return b > a ? b : a; });
    T sum = 0;
    for (int64_t j = lane; j < cols; j += 32) sum += ::exp(xr[j] - mx);
    sum = warp_fold(sum, [](T a, T b) { return a + b; });
    T lse = mx + ::log(sum), loss = 0;
    if constexpr (Sparse) {
      if (lane == 0) {
        int64_t k = checked_id(labels, r, cols, rec, DeviceErrorCode::SparseLabel);
        loss = lse - xr[k];
      }
    } else {
      const T* zr = z + r * cols;
      for (int64_t j = lane; j < cols; j += 32) loss += zr[j] * (lse - xr[j]);
      loss = warp_fold(loss, [](T a, T b) { return a + b; });
    }
    if (lane == 0) out[r] = loss;
  }
}

template <class T, class I, bool Sparse>
void launch_softmax_ce(const KernelContext& c, const I* labels, DeviceErrorRecord* rec) {
  const Shape& xs = c.in(1).shape();
  int64_t rows = xs.dim(0), cols = xs.dim(1);
  if (rows == 0) return;
  TG_CHECK(cols > 0, "softmax cross-entropy over zero classes");
  const T* z = Sparse ? nullptr : c.in(0).data<T>();
  unsigned blocks = static_cast<unsigned>(std::min<int64_t>((rows + kThreads / 32 - 1) / (kThreads / 32), 65535));
  softmax_ce_kernel<T, I, Sparse><<<blocks, kThreads, 0, stream_of(c)>>>(z, labels, c.in(1).data<T>(),
                                                                         c.out().data<T>(), rows, cols, rec);
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
void softmax_ce(const KernelContext& c) {
  launch_softmax_ce<T, int32_t, false>(c, nullptr, nullptr);
}

// Selected by the labels' dtype (input 0), as on the CPU; the logits' dtype picks the arithmetic.
template <class I>
void sparse_softmax_ce(const KernelContext& c) {
  if (c.in(1).shape().dim(0) == 0) return;
  DeviceErrorRecord* rec = device_error_record(stream_of(c));
  const I* labels = c.in(0).data<I>();
  if (c.in(1).dtype() == DType::Float32) launch_softmax_ce<float, I, true>(c, labels, rec);
  else launch_softmax_ce<double, I, true>(c, labels, rec);
}

}  // namespace

void register_loss_kernels() {
  reg<float, double>("SigmoidCrossEntropyWithLogits", [](auto z) -> KernelFn { return &sigmoid_ce<decltype(z)>; });
  reg<float, double>("SoftmaxCrossEntropyWithLogits", [](auto z) -> KernelFn { return &softmax_ce<decltype(z)>; });
  reg<int32_t, int64_t>("SparseSoftmaxCrossEntropyWithLogits",
                        [](auto z) -> KernelFn { return &sparse_softmax_ce<decltype(z)>; });
}

}  // namespace tg::cuda
