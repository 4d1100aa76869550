// CPU kernels of the elementwise math family: plain loops, vectorized by the compiler and
// split across threads above kGrain elements.
#include <cmath>

#include "kernels/cpu/common.h"
#include "kernels/cpu/dnnl_util.h"

namespace tg::cpu {

namespace {

template <class T, class F>
void binary(const KernelContext& c, F f) {
  map_binary<T, T>(c.in(0), c.in(1), c.out(), f);
}
template <class T, class F>
void compare(const KernelContext& c, F f) {
  map_binary<T, bool>(c.in(0), c.in(1), c.out(), f);
}
template <class T, class F>
void unary(const KernelContext& c, F f) {
  map_unary(c.in(0).data<T>(), c.out().data<T>(), c.in(0).num_elements(), f);
}

template <class T> void add(const KernelContext& c) { binary<T>(c, [](T a, T b) { return a + b; }); }
template <class T> void sub(const KernelContext& c) { binary<T>(c, [](T a, T b) { return a - b; }); }
template <class T> void mul(const KernelContext& c) { binary<T>(c, [](T a, T b) { return a * b; }); }
template <class T> void div(const KernelContext& c) {
  if constexpr (std::is_integral_v<T>) {
    // Integer division by zero would trap; report it (before any parallel region, which an
    // exception must not cross).
    const T* b = c.in(1).data<T>();
    for (int64_t i = 0, n_ = c.in(1).num_elements(); i < n_; ++i)
      TG_CHECK(b[i] != 0, "integer division by zero");
  }
  binary<T>(c, [](T a, T b) { return static_cast<T>(a / b); });
}
template <class T> void pow(const KernelContext& c) {
  binary<T>(c, [](T a, T b) { return static_cast<T>(std::pow(a, b)); });
}
template <class T> void maximum(const KernelContext& c) {
  binary<T>(c, [](T a, T b) { return a > b ? a : b; });
}
template <class T> void minimum(const KernelContext& c) {
  binary<T>(c, [](T a, T b) { return a < b ? a : b; });
}
template <class T> void equal(const KernelContext& c) { compare<T>(c, [](T a, T b) { return a == b; }); }
template <class T> void less(const KernelContext& c) { compare<T>(c, [](T a, T b) { return a < b; }); }
template <class T> void greater(const KernelContext& c) { compare<T>(c, [](T a, T b) { return a > b; }); }

template <class T> void neg(const KernelContext& c) { unary<T>(c, [](T x) { return static_cast<T>(-x); }); }
template <class T> void square(const KernelContext& c) { unary<T>(c, [](T x) { return static_cast<T>(x * x); }); }
template <class T> void abs(const KernelContext& c) { unary<T>(c, [](T x) { return x < 0 ? static_cast<T>(-x) : x; }); }
// Float32 exp, log and sqrt run on oneDNN's vectorized eltwise; libm's scalar calls otherwise.
template <class T, class F>
void transcendental(const KernelContext& c, dnnl::algorithm alg, F f) {
  if constexpr (std::is_same_v<T, float>) {
    eltwise_f32(alg, 0.f, c.in(0).data<float>(), c.out().data<float>(), c.in(0).num_elements());
  } else {
    unary<T>(c, f);
  }
}
template <class T> void sqrt(const KernelContext& c) {
  transcendental<T>(c, dnnl::algorithm::eltwise_sqrt, [](T x) { return std::sqrt(x); });
}
template <class T> void exp(const KernelContext& c) {
  transcendental<T>(c, dnnl::algorithm::eltwise_exp, [](T x) { return std::exp(x); });
}
template <class T> void log(const KernelContext& c) {
  transcendental<T>(c, dnnl::algorithm::eltwise_log, [](T x) { return std::log(x); });
}
template <class T> void floor(const KernelContext& c) { unary<T>(c, [](T x) { return std::floor(x); }); }

template <class From>
void cast(const KernelContext& c) {
  const From* in = c.in(0).data<From>();
  int64_t n = c.in(0).num_elements();
  visit_dtype(c.out().dtype(), [&](auto z) {
    using To = decltype(z);
    To* out = c.out().data<To>();
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if constexpr (std::is_same_v<To, bool>) out[i] = in[i] != From{};
        else out[i] = static_cast<To>(in[i]);
      }
    });
  });
}

void select(const KernelContext& c) {
  const bool* cond = c.in(0).data<bool>();
  visit_dtype(c.in(1).dtype(), [&](auto z) {
    using T = decltype(z);
    const T *a = c.in(1).data<T>(), *b = c.in(2).data<T>();
    T* out = c.out().data<T>();
    int64_t n = c.out().num_elements();
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      // The condition picks the source array: no branch on an unpredictable mask.
      const T* src[2] = {b, a};
      for (int64_t i = s; i < e; ++i) out[i] = src[cond[i] ? 1 : 0][i];
    });
  });
}

}  // namespace

void register_math_kernels() {
#define TG_REG(op, fn, ...) reg<__VA_ARGS__>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("Add", add, float, double, int32_t, int64_t);
  TG_REG("Sub", sub, float, double, int32_t, int64_t);
  TG_REG("Mul", mul, float, double, int32_t, int64_t);
  TG_REG("Div", div, float, double, int32_t, int64_t);
  TG_REG("Pow", pow, float, double);
  TG_REG("Maximum", maximum, float, double, int32_t, int64_t);
  TG_REG("Minimum", minimum, float, double, int32_t, int64_t);
  TG_REG("Equal", equal, float, double, int32_t, int64_t, bool);
  TG_REG("Less", less, float, double, int32_t, int64_t);
  TG_REG("Greater", greater, float, double, int32_t, int64_t);
  TG_REG("Neg", neg, float, double, int32_t, int64_t);
  TG_REG("Square", square, float, double, int32_t, int64_t);
  TG_REG("Abs", abs, float, double, int32_t, int64_t);
  TG_REG("Sqrt", sqrt, float, double);
  TG_REG("Exp", exp, float, double);
  TG_REG("Log", log, float, double);
  TG_REG("Floor", floor, float, double);
  TG_REG("Cast", cast, float, double, int32_t, int64_t, bool);
#undef TG_REG
  register_kernel("Select", DeviceType::CPU, DType::Bool, &select);
}

}  // namespace tg::cpu
