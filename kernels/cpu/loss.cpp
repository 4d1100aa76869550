// CPU kernels of the loss family: numerically stable cross-entropies.
#include <cmath>

#include "kernels/cpu/common.h"
#include "kernels/cpu/dnnl_util.h"

namespace tg::cpu {

namespace {

template <class T>
void sigmoid_ce(const KernelContext& c) {
  const T *z = c.in(0).data<T>(), *x = c.in(1).data<T>();
  T* out = c.out().data<T>();
  int64_t n = c.out().num_elements();
  if constexpr (std::is_same_v<T, float>) {
    // log(1 + exp(-|x|)) through oneDNN's vectorized soft_relu, in the output buffer.
    for (int64_t i = 0; i < n; ++i) out[i] = -std::abs(x[i]);
    eltwise_f32(dnnl::algorithm::eltwise_soft_relu, 0.f, out, out, n);
    for (int64_t i = 0; i < n; ++i) out[i] += std::max(x[i], 0.f) - x[i] * z[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = std::max(x[i], T(0)) - x[i] * z[i] + std::log1p(std::exp(-std::abs(x[i])));
  }
}

// -sum_j label_j * log_softmax(x)_j per row; labels dense or given as class ids.
template <class T, bool Sparse>
void softmax_ce(const KernelContext& c) {
  const Shape& xs = c.in(1).shape();
  int64_t rows = xs.dim(0), cols = xs.dim(1);
  const T* x = c.in(1).data<T>();
  T* out = c.out().data<T>();
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T mx = xr[0];
    for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, xr[j]);
    T sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += std::exp(xr[j] - mx);
    T lse = mx + std::log(sum), loss = 0;
    if constexpr (Sparse) {
      const Tensor& l = c.in(0);
      int64_t k = l.dtype() == DType::Int32 ? l.data<int32_t>()[r] : l.data<int64_t>()[r];
      TG_CHECK(k >= 0 && k < cols, "label ", k, " in row ", r, " is out of range [0, ", cols, ")");
      loss = lse - xr[k];
    } else {
      const T* z = c.in(0).data<T>() + r * cols;
      for (int64_t j = 0; j < cols; ++j) loss += z[j] * (lse - xr[j]);
    }
    out[r] = loss;
  }
}

}  // namespace

void register_loss_kernels() {
  reg<float, double>("SigmoidCrossEntropyWithLogits",
                     [](auto z) -> KernelFn { return &sigmoid_ce<decltype(z)>; });
  reg<float, double>("SoftmaxCrossEntropyWithLogits",
                     [](auto z) -> KernelFn { return &softmax_ce<decltype(z), false>; });
  // Selected by the labels' dtype (input 0); the logits' dtype picks the arithmetic.
  for (DType lt : {DType::Int32, DType::Int64})
    register_kernel("SparseSoftmaxCrossEntropyWithLogits", DeviceType::CPU, lt,
                    [](const KernelContext& c) {
                      if (c.in(1).dtype() == DType::Float32) softmax_ce<float, true>(c);
                      else softmax_ce<double, true>(c);
                    });
}

}  // namespace tg::cpu
