// CPU kernels of the optimizers' update rules, after TensorFlow's Apply* ops. Output 0 is the
// variable's buffer; slots (inputs 1..) are updated in place too.
#include <cmath>

#include "kernels/cpu/common.h"

namespace tg::cpu {

namespace {

template <class T>
T scalar_in(const KernelContext& c, size_t i) {
  return static_cast<T>(c.in(i).scalar_as_double());
}

// Runs f(i) over the variable's elements in parallel chunks.
template <class F>
void each(const KernelContext& c, F f) {
  parallel_for(c.out().num_elements(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

template <class T>
void gradient_descent(const KernelContext& c) {
  T* v = c.out().data<T>();
  T lr = scalar_in<T>(c, 1);
  const T* g = c.in(2).data<T>();
  each(c, [&](int64_t i) { v[i] -= lr * g[i]; });
}

template <class T>
void momentum(const KernelContext& c) {
  T* v = c.out().data<T>();
  T* acc = c.in(1).data<T>();
  T lr = scalar_in<T>(c, 2);
  const T* g = c.in(3).data<T>();
  T mu = static_cast<T>(c.attrs.get<double>("momentum"));
  bool nesterov = c.attrs.get<bool>("use_nesterov");
  each(c, [&](int64_t i) {
    acc[i] = acc[i] * mu + g[i];
    v[i] -= nesterov ? lr * g[i] + lr * mu * acc[i] : lr * acc[i];
  });
}

template <class T>
void adagrad(const KernelContext& c) {
  T* v = c.out().data<T>();
  T* acc = c.in(1).data<T>();
  T lr = scalar_in<T>(c, 2);
  const T* g = c.in(3).data<T>();
  each(c, [&](int64_t i) {
    acc[i] += g[i] * g[i];
    v[i] -= lr * g[i] / std::sqrt(acc[i]);
  });
}

template <class T>
void rmsprop(const KernelContext& c) {
  T* v = c.out().data<T>();
  T *ms = c.in(1).data<T>(), *mom = c.in(2).data<T>();
  T lr = scalar_in<T>(c, 3);
  const T* g = c.in(4).data<T>();
  T rho = static_cast<T>(c.attrs.get<double>("decay"));
  T mu = static_cast<T>(c.attrs.get<double>("momentum"));
  T eps = static_cast<T>(c.attrs.get<double>("epsilon"));
  each(c, [&](int64_t i) {
    ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
    mom[i] = mu * mom[i] + lr * g[i] / std::sqrt(ms[i] + eps);
    v[i] -= mom[i];
  });
}

// Step t = global step + 1; the bias corrections fold into the step size as in TensorFlow.
template <class T>
void adam(const KernelContext& c) {
  T* v = c.out().data<T>();
  T *m = c.in(1).data<T>(), *s = c.in(2).data<T>();
  double lr = c.in(3).scalar_as_double();
  double t = c.in(4).scalar_as_double() + 1;
  const T* g = c.in(5).data<T>();
  double b1 = c.attrs.get<double>("beta1"), b2 = c.attrs.get<double>("beta2");
  T eps = static_cast<T>(c.attrs.get<double>("epsilon"));
  T lr_t = static_cast<T>(lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t)));
  T tb1 = static_cast<T>(b1), tb2 = static_cast<T>(b2);
  each(c, [&](int64_t i) {
    m[i] = tb1 * m[i] + (1 - tb1) * g[i];
    s[i] = tb2 * s[i] + (1 - tb2) * g[i] * g[i];
    v[i] -= lr_t * m[i] / (std::sqrt(s[i]) + eps);
  });
}

template <class T>
void ftrl(const KernelContext& c) {
  T* v = c.out().data<T>();
  T *acc = c.in(1).data<T>(), *lin = c.in(2).data<T>();
  T lr = scalar_in<T>(c, 3);
  const T* g = c.in(4).data<T>();
  T l1 = static_cast<T>(c.attrs.get<double>("l1")), l2 = static_cast<T>(c.attrs.get<double>("l2"));
  T p = static_cast<T>(-c.attrs.get<double>("lr_power"));
  each(c, [&](int64_t i) {
    T acc_new = acc[i] + g[i] * g[i];
    T sigma = (std::pow(acc_new, p) - std::pow(acc[i], p)) / lr;
    lin[i] += g[i] - sigma * v[i];
    T quad = std::pow(acc_new, p) / lr + 2 * l2;
    v[i] = std::abs(lin[i]) > l1 ? ((lin[i] > 0 ? l1 : -l1) - lin[i]) / quad : T(0);
    acc[i] = acc_new;
  });
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

}  // namespace tg::cpu
