// Helpers shared by the CPU kernel families: registration over dtypes, broadcasting strides
// and the strided loop that elementwise, reduction and layout kernels share.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/parallel.h"
#include "kernels/registry.h"
#include "kernels/strides.h"

namespace tg::cpu {

// Registers make(T{}) as the CPU kernel of `op` for each listed type.
template <class... Ts, class F>
void reg(const char* op, F make) {
  (register_kernel(op, DeviceType::CPU, dtype_of<Ts>(), make(Ts{})), ...);
}

// Elementwise loops parallelize above this many elements: below it a fork costs more than
// the work.
constexpr int64_t kGrain = 32768;


// Visits every index of `dims` (row-major) and calls f(offsets) with, for each operand k,
// the sum over axes of index * strides[k][axis].
template <size_t N, class F>
void strided_loop(const std::vector<int64_t>& dims, const std::array<const int64_t*, N>& strides,
                  F&& f) {
  int rank = static_cast<int>(dims.size());
  std::array<int64_t, N> off{};
  if (rank == 0) {
    f(off);
    return;
  }
  int64_t inner = dims[static_cast<size_t>(rank - 1)];
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total == 0) return;
  std::array<int64_t, N> step{};
  for (size_t k = 0; k < N; ++k) step[k] = strides[k][rank - 1];
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t outer = 0; outer < total / inner; ++outer) {
    std::array<int64_t, N> o = off;
    for (int64_t j = 0; j < inner; ++j) {
      f(o);
      for (size_t k = 0; k < N; ++k) o[k] += step[k];
    }
    for (int d = rank - 2; d >= 0; --d) {
      size_t ud = static_cast<size_t>(d);
      ++idx[ud];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (idx[ud] < dims[ud]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * dims[ud];
      idx[ud] = 0;
    }
  }
}

// Applies out[i] = f(a[i]) in parallel chunks.
template <class T, class R, class F>
void map_unary(const T* a, R* out, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = f(a[i]);
  });
}

// out = f(a, b) with numpy broadcasting; fast paths for equal shapes, a scalar side and a
// trailing-row broadcast (bias-like), a strided loop otherwise.
template <class T, class R, class F>
void map_binary(const Tensor& ta, const Tensor& tb, Tensor& tout, F f) {
  const T* a = ta.data<T>();
  const T* b = tb.data<T>();
  R* out = tout.data<R>();
  int64_t n = tout.num_elements(), na = ta.num_elements(), nb = tb.num_elements();
  if (na == n && nb == n && ta.shape().rank() == tb.shape().rank()) {
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = f(a[i], b[i]);
    });
  } else if (nb == 1 && na == n) {
    T bv = b[0];
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = f(a[i], bv);
    });
  } else if (na == 1 && nb == n) {
    T av = a[0];
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = f(av, b[i]);
    });
  } else {
    auto sa = broadcast_strides(ta.shape(), tout.shape());
    auto sb = broadcast_strides(tb.shape(), tout.shape());
    auto so = contiguous_strides(tout.shape());
    strided_loop<3>(tout.shape().dims(), {sa.data(), sb.data(), so.data()},
                    [&](const std::array<int64_t, 3>& o) { out[o[2]] = f(a[o[0]], b[o[1]]); });
  }
}

}  // namespace tg::cpu
