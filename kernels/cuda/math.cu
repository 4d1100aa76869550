// CUDA kernels of the elementwise math family: one grid-stride kernel per arity, broadcasting
// through the indexer, with the operation as a device lambda.
#include <cmath>

#include "kernels/cuda/common.cuh"

namespace tg::cuda {

namespace {

template <class T, class F>
void binary(const KernelContext& c, F f) {
  map_binary<T, T>(c.in(0), c.in(1), c.out(), stream_of(c), f);
}
template <class T, class F>
void compare(const KernelContext& c, F f) {
  map_binary<T, bool>(c.in(0), c.in(1), c.out(), stream_of(c), f);
}
template <class T, class F>
void unary(const KernelContext& c, F f) {
  map_unary(c.in(0).data<T>(), c.out().data<T>(), c.in(0).num_elements(), stream_of(c), f);
}

template <class T> void add(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return static_cast<T>(a + b); }); }
template <class T> void sub(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return static_cast<T>(a - b); }); }
template <class T> void mul(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return static_cast<T>(a * b); }); }
// Floating point only: an integer division by zero cannot be reported from a kernel, so
// integer Div stays on the CPU, which checks it.
template <class T> void div(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return a / b; }); }
template <class T> void pow(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return static_cast<T>(::pow(a, b)); }); }
template <class T> void maximum(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return a > b ? a : b; }); }
template <class T> void minimum(const KernelContext& c) { binary<T>(c, [] __device__(T a, T b) { return a < b ? a : b; }); }
template <class T> void equal(const KernelContext& c) { compare<T>(c, [] __device__(T a, T b) { return a == b; }); }
template <class T> void less(const KernelContext& c) { compare<T>(c, [] __device__(T a, T b) { return a < b; }); }
template <class T> void greater(const KernelContext& c) { compare<T>(c, [] __device__(T a, T b) { return a > b; }); }

template <class T> void neg(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return static_cast<T>(-x); }); }
template <class T> void square(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return static_cast<T>(x * x); }); }
template <class T> void abs(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return x < 0 ? static_cast<T>(-x) : x; }); }
template <class T> void sqrt(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return ::sqrt(x); }); }
template <class T> void exp(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return ::exp(x); }); }
template <class T> void log(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return ::log(x); }); }
template <class T> void floor(const KernelContext& c) { unary<T>(c, [] __device__(T x) { return ::floor(x); }); }

template <class From, class To>
struct CastTo {
  __device__ To operator()(From x) const {
    if constexpr (std::is_same_v<To, bool>) return x != From{};
    else return static_cast<To>(x);
  }
};

template <class From>
void cast(const KernelContext& c) {
  const From* in = c.in(0).data<From>();
  int64_t n = c.in(0).num_elements();
  visit_dtype(c.out().dtype(), [&](auto z) {
    using To = decltype(z);
    if constexpr (std::is_same_v<To, std::string>) fail("Cast to string has no CUDA kernel");
    else map_unary(in, c.out().data<To>(), n, stream_of(c), CastTo<From, To>{});
  });
}

template <class T>
__global__ void select_kernel(const bool* cond, const T* a, const T* b, T* out, int64_t n) {
  TG_GRID_STRIDE(i, n) out[i] = cond[i] ? a[i] : b[i];
}

void select(const KernelContext& c) {
  visit_dtype(c.in(1).dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_same_v<T, std::string>) {
      fail("Select of strings has no CUDA kernel");
    } else {
      int64_t n = c.out().num_elements();
      if (n == 0) return;
      select_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(
          c.in(0).data<bool>(), c.in(1).data<T>(), c.in(2).data<T>(), c.out().data<T>(), n);
      TG_CUDA_CHECK_LAUNCH();
    }
  });
}

}  // namespace

void register_math_kernels() {
#define TG_REG(op, fn, ...) reg<__VA_ARGS__>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("Add", add, float, double, int32_t, int64_t);
  TG_REG("Sub", sub, float, double, int32_t, int64_t);
  TG_REG("Mul", mul, float, double, int32_t, int64_t);
  TG_REG("Div", div, float, double);
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
  register_kernel("Select", DeviceType::CUDA, DType::Bool, &select);
}

}  // namespace tg::cuda
