// CPU kernels of the reduction family. The reduced axes of most graphs form one contiguous
// block (all axes, the last, the first), which collapses to [outer, mid, inner] loops that
// vectorize; other axis sets go through the strided loop.
#include <algorithm>
#include <limits>

#include "kernels/cpu/common.h"

namespace tg::cpu {

namespace {

struct Geometry {
  bool contiguous = false;
  int64_t outer = 1, mid = 1, inner = 1;
  std::vector<int64_t> in_strides, out_strides;  // for the general case
};

Geometry geometry(const Shape& s, const std::vector<bool>& red) {
  Geometry g;
  int first = -1, last = -1;
  for (int i = 0; i < s.rank(); ++i)
    if (red[static_cast<size_t>(i)] && s.dim(i) != 1) {
      if (first < 0) first = i;
      last = i;
    }
  g.contiguous = true;
  for (int i = first; i >= 0 && i <= last; ++i)
    if (!red[static_cast<size_t>(i)] && s.dim(i) != 1) g.contiguous = false;
  for (int i = 0; i < s.rank(); ++i) {
    int64_t d = s.dim(i);
    if (first < 0 || i < first) g.outer *= d;
    else if (i <= last) g.mid *= d;
    else g.inner *= d;
  }
  if (first < 0) {  // nothing reduced: a copy
    g.inner = g.outer;
    g.outer = 1;
  }
  if (!g.contiguous) {
    g.in_strides = contiguous_strides(s);
    std::vector<int64_t> kept(static_cast<size_t>(s.rank()));
    for (int i = 0; i < s.rank(); ++i)
      kept[static_cast<size_t>(i)] = red[static_cast<size_t>(i)] ? 1 : s.dim(i);
    g.out_strides = contiguous_strides(Shape(kept));
    for (int i = 0; i < s.rank(); ++i)
      if (red[static_cast<size_t>(i)]) g.out_strides[static_cast<size_t>(i)] = 0;
  }
  return g;
}

// out[j] = fold of in over the reduced axes, starting from init.
template <class T, class F>
void reduce_into(const Tensor& in, T* out, const std::vector<bool>& red, T init, F f) {
  const T* x = in.data<T>();
  Geometry g = geometry(in.shape(), red);
  if (!g.contiguous) {
    int64_t n_out = 1;
    for (int i = 0; i < in.shape().rank(); ++i)
      if (!red[static_cast<size_t>(i)]) n_out *= in.shape().dim(i);
    std::fill(out, out + n_out, init);
    strided_loop<2>(in.shape().dims(), {g.in_strides.data(), g.out_strides.data()},
                    [&](const std::array<int64_t, 2>& o) { out[o[1]] = f(out[o[1]], x[o[0]]); });
    return;
  }
  if (g.inner == 1) {
    parallel_for(g.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(g.mid, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o) {
                     // Eight independent partial results, so that the loop is not one chain
                     // of dependent additions (the compiler may not reorder float sums).
                     T acc[8] = {init, init, init, init, init, init, init, init};
                     const T* row = x + o * g.mid;
                     int64_t m = 0;
                     for (; m + 8 <= g.mid; m += 8)
                       for (int l = 0; l < 8; ++l) acc[l] = f(acc[l], row[m + l]);
                     for (; m < g.mid; ++m) acc[0] = f(acc[0], row[m]);
                     for (int l = 1; l < 8; ++l) acc[0] = f(acc[0], acc[l]);
                     out[o] = acc[0];
                   }
                 });
    return;
  }
  for (int64_t o = 0; o < g.outer; ++o) {
    T* dst = out + o * g.inner;
    const T* src = x + o * g.mid * g.inner;
    parallel_for(g.inner, std::max<int64_t>(64, kGrain / std::max<int64_t>(g.mid, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t k = b; k < e; ++k) dst[k] = init;
                   for (int64_t m = 0; m < g.mid; ++m) {
                     const T* r = src + m * g.inner;
                     for (int64_t k = b; k < e; ++k) dst[k] = f(dst[k], r[k]);
                   }
                 });
  }
}

template <class T>
void reduce_sum(const KernelContext& c) {
  reduce_into<T>(c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()), T{0},
                 [](T a, T b) { return a + b; });
}
template <class T>
void reduce_mean(const KernelContext& c) {
  reduce_sum<T>(c);
  int64_t count = c.out().num_elements() ? c.in(0).num_elements() / c.out().num_elements() : 1;
  T* o = c.out().data<T>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) o[i] = static_cast<T>(o[i] / static_cast<T>(count));
}
template <class T>
void reduce_max(const KernelContext& c) {
  TG_CHECK(c.in(0).num_elements() > 0, "reduce_max of an empty tensor");
  reduce_into<T>(c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()),
                 std::numeric_limits<T>::lowest(), [](T a, T b) { return b > a ? b : a; });
}
template <class T>
void reduce_min(const KernelContext& c) {
  TG_CHECK(c.in(0).num_elements() > 0, "reduce_min of an empty tensor");
  reduce_into<T>(c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()),
                 std::numeric_limits<T>::max(), [](T a, T b) { return b < a ? b : a; });
}

// g summed over the axes along which x was broadcast.
template <class T>
void sum_to_shape_of(const KernelContext& c) {
  const Shape &gs = c.in(0).shape(), &xs = c.in(1).shape();
  if (gs == xs) {
    c.out().copy_from(c.in(0));
    return;
  }
  int shift = gs.rank() - xs.rank();
  std::vector<bool> red(static_cast<size_t>(gs.rank()));
  for (int i = 0; i < gs.rank(); ++i)
    red[static_cast<size_t>(i)] = i < shift || (xs.dim(i - shift) == 1 && gs.dim(i) != 1);
  reduce_into<T>(c.in(0), c.out().data<T>(), red, T{0}, [](T a, T b) { return a + b; });
}

// g (a reduction over `axes` of x's shape) broadcast back to x's shape.
template <class T>
void expand_reduced(const KernelContext& c) {
  const Shape& xs = c.in(1).shape();
  auto red = reduced_mask(c.attrs, xs.rank());
  const T* g = c.in(0).data<T>();
  T* out = c.out().data<T>();
  int64_t n_out = c.out().num_elements(), n_g = c.in(0).num_elements();
  T scale = c.attrs.get<bool>("scale_by_count") && n_g ? static_cast<T>(n_g) / static_cast<T>(n_out) : T{1};
  Geometry geo = geometry(xs, red);
  if (geo.contiguous) {
    for (int64_t o = 0; o < geo.outer; ++o)
      for (int64_t m = 0; m < geo.mid; ++m) {
        T* dst = out + (o * geo.mid + m) * geo.inner;
        const T* src = g + o * geo.inner;
        for (int64_t k = 0; k < geo.inner; ++k) dst[k] = src[k] * scale;
      }
    return;
  }
  strided_loop<2>(xs.dims(), {geo.in_strides.data(), geo.out_strides.data()},
                  [&](const std::array<int64_t, 2>& o) { out[o[0]] = g[o[1]] * scale; });
}

template <class T>
void argmax(const KernelContext& c) {
  const Shape& s = c.in(0).shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), s.rank());
  int64_t outer = 1, mid = s.dim(axis), inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s.dim(i);
  for (int i = axis + 1; i < s.rank(); ++i) inner *= s.dim(i);
  TG_CHECK(mid > 0, "argmax over an empty axis");
  const T* x = c.in(0).data<T>();
  int64_t* out = c.out().data<int64_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      int64_t best = 0;
      for (int64_t m = 1; m < mid; ++m)
        if (x[(o * mid + m) * inner + k] > x[(o * mid + best) * inner + k]) best = m;
      out[o * inner + k] = best;
    }
}

}  // namespace

void register_reduce_kernels() {
#define TG_REG(op, fn, ...) reg<__VA_ARGS__>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("ReduceSum", reduce_sum, float, double, int32_t, int64_t);
  TG_REG("ReduceMean", reduce_mean, float, double, int32_t, int64_t);
  TG_REG("ReduceMax", reduce_max, float, double, int32_t, int64_t);
  TG_REG("ReduceMin", reduce_min, float, double, int32_t, int64_t);
  TG_REG("SumToShapeOf", sum_to_shape_of, float, double, int32_t, int64_t);
  TG_REG("ExpandReduced", expand_reduced, float, double, int32_t, int64_t);
  TG_REG("ArgMax", argmax, float, double, int32_t, int64_t);
#undef TG_REG
}

}  // namespace tg::cpu
