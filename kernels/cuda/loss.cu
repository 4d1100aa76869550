// CUDA kernels of the loss family: the numerically stable cross-entropies of
// kernels/cpu/loss.cpp. The sparse (class id) form stays on the CPU, which checks every label.
#include "kernels/cuda/common.cuh"

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

// One thread per row: the rows of a classifier's logits are short (the number of classes).
template <class T>
__global__ void softmax_ce_kernel(const T* z, const T* x, T* out, int64_t rows, int64_t cols) {
  TG_GRID_STRIDE(r, rows) {
    const T* xr = x + r * cols;
    const T* zr = z + r * cols;
    T mx = xr[0];
    for (int64_t j = 1; j < cols; ++j) mx = xr[j] > mx ? xr[j] : mx;
    T sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += ::exp(xr[j] - mx);
    T lse = mx + ::log(sum), loss = 0;
    for (int64_t j = 0; j < cols; ++j) loss += zr[j] * (lse - xr[j]);
    out[r] = loss;
  }
}

template <class T>
void softmax_ce(const KernelContext& c) {
  const Shape& xs = c.in(1).shape();
  int64_t rows = xs.dim(0), cols = xs.dim(1);
  if (rows == 0) return;
  TG_CHECK(cols > 0, "softmax cross-entropy over zero classes");
  softmax_ce_kernel<<<blocks_for(rows), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.in(1).data<T>(),
                                                                     c.out().data<T>(), rows, cols);
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void register_loss_kernels() {
  reg<float, double>("SigmoidCrossEntropyWithLogits", [](auto z) -> KernelFn { return &sigmoid_ce<decltype(z)>; });
  reg<float, double>("SoftmaxCrossEntropyWithLogits", [](auto z) -> KernelFn { return &softmax_ce<decltype(z)>; });
}

}  // namespace tg::cuda
