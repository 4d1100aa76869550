// CUDA kernels of the optimizers' update rules, the same formulas as kernels/cpu/training.cpp.
// Output 0 is the variable's buffer; slots (inputs 1..) are updated in place too. Learning
// rates and steps are read on the device, so a captured training step replays with the
// values of each run.
#include "kernels/cuda/common.cuh"

namespace tg::cuda {

namespace {

template <class T>
__global__ void gradient_descent_kernel(T* v, DeviceScalar lr, const T* g, int64_t n) {
  T a = static_cast<T>(lr.get());
  TG_GRID_STRIDE(i, n) v[i] -= a * g[i];
}

template <class T>
__global__ void momentum_kernel(T* v, T* acc, DeviceScalar lr_s, const T* g, int64_t n, T mu, bool nesterov) {
  T lr = static_cast<T>(lr_s.get());
  TG_GRID_STRIDE(i, n) {
    acc[i] = acc[i] * mu + g[i];
    v[i] -= nesterov ? lr * g[i] + lr * mu * acc[i] : lr * acc[i];
  }
}

template <class T>
__global__ void adagrad_kernel(T* v, T* acc, DeviceScalar lr_s, const T* g, int64_t n) {
  T lr = static_cast<T>(lr_s.get());
  TG_GRID_STRIDE(i, n) {
    acc[i] += g[i] * g[i];
    v[i] -= lr * g[i] / ::sqrt(acc[i]);
  }
}

template <class T>
__global__ void rmsprop_kernel(T* v, T* ms, T* mom, DeviceScalar lr_s, const T* g, int64_t n, T rho, T mu, T eps) {
  T lr = static_cast<T>(lr_s.get());
  TG_GRID_STRIDE(i, n) {
    ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
    mom[i] = mu * mom[i] + lr * g[i] / ::sqrt(ms[i] + eps);
    v[i] -= mom[i];
  }
}

// Step t = global step + 1; the bias corrections fold into the step size as in TensorFlow.
template <class T>
__global__ void adam_kernel(T* v, T* m, T* s, DeviceScalar lr_s, DeviceScalar step, const T* g, int64_t n, double b1,
                            double b2, T eps) {
  double t = step.get() + 1;
  T lr_t = static_cast<T>(lr_s.get() * ::sqrt(1 - ::pow(b2, t)) / (1 - ::pow(b1, t)));
  T tb1 = static_cast<T>(b1), tb2 = static_cast<T>(b2);
  TG_GRID_STRIDE(i, n) {
    m[i] = tb1 * m[i] + (1 - tb1) * g[i];
    s[i] = tb2 * s[i] + (1 - tb2) * g[i] * g[i];
    v[i] -= lr_t * m[i] / (::sqrt(s[i]) + eps);
  }
}

template <class T>
__global__ void ftrl_kernel(T* v, T* acc, T* lin, DeviceScalar lr_s, const T* g, int64_t n, T l1, T l2, T p) {
  T lr = static_cast<T>(lr_s.get());
  TG_GRID_STRIDE(i, n) {
    T acc_new = acc[i] + g[i] * g[i];
    T sigma = (::pow(acc_new, p) - ::pow(acc[i], p)) / lr;
    lin[i] += g[i] - sigma * v[i];
    T quad = ::pow(acc_new, p) / lr + 2 * l2;
    v[i] = ::fabs(lin[i]) > l1 ? ((lin[i] > 0 ? l1 : -l1) - lin[i]) / quad : T(0);
    acc[i] = acc_new;
  }
}

// Launches kernel over the variable's elements.
template <class K, class... Args>
void launch(const KernelContext& c, K kernel, Args... args) {
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(args...);
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
T attr(const KernelContext& c, const char* name) { return static_cast<T>(c.attrs.get<double>(name)); }

template <class T>
void gradient_descent(const KernelContext& c) {
  launch(c, gradient_descent_kernel<T>, c.out().data<T>(), scalar_of(c.in(1)), c.in(2).data<T>(), c.out().num_elements());
}
template <class T>
void momentum(const KernelContext& c) {
  launch(c, momentum_kernel<T>, c.out().data<T>(), c.in(1).data<T>(), scalar_of(c.in(2)), c.in(3).data<T>(),
         c.out().num_elements(), attr<T>(c, "momentum"), c.attrs.get<bool>("use_nesterov"));
}
template <class T>
void adagrad(const KernelContext& c) {
  launch(c, adagrad_kernel<T>, c.out().data<T>(), c.in(1).data<T>(), scalar_of(c.in(2)), c.in(3).data<T>(),
         c.out().num_elements());
}
template <class T>
void rmsprop(const KernelContext& c) {
  launch(c, rmsprop_kernel<T>, c.out().data<T>(), c.in(1).data<T>(), c.in(2).data<T>(), scalar_of(c.in(3)),
         c.in(4).data<T>(), c.out().num_elements(), attr<T>(c, "decay"), attr<T>(c, "momentum"), attr<T>(c, "epsilon"));
}
template <class T>
void adam(const KernelContext& c) {
  launch(c, adam_kernel<T>, c.out().data<T>(), c.in(1).data<T>(), c.in(2).data<T>(), scalar_of(c.in(3)),
         scalar_of(c.in(4)), c.in(5).data<T>(), c.out().num_elements(), c.attrs.get<double>("beta1"),
         c.attrs.get<double>("beta2"), attr<T>(c, "epsilon"));
}
template <class T>
void ftrl(const KernelContext& c) {
  launch(c, ftrl_kernel<T>, c.out().data<T>(), c.in(1).data<T>(), c.in(2).data<T>(), scalar_of(c.in(3)),
         c.in(4).data<T>(), c.out().num_elements(), attr<T>(c, "l1"), attr<T>(c, "l2"),
         static_cast<T>(-c.attrs.get<double>("lr_power")));
}

}  // namespace

void register_training_kernels() {
#define TG_REG(op, fn) reg<float, double>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("ApplyGradientDescent", gradient_descent);
  TG_REG("ApplyMomentum", momentum);
  TG_REG("ApplyAdagrad", adagrad);
  TG_REG("ApplyRMSProp", rmsprop);
  TG_REG("ApplyAdam", adam);
  TG_REG("ApplyFtrl", ftrl);
#undef TG_REG
}

}  // namespace tg::cuda
