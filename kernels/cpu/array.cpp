// CPU kernels of the shape and indexing family.
#include <cstring>

#include "kernels/cpu/common.h"

namespace tg::cpu {

namespace {

// Reshape, ReshapeLike, Identity, StopGradient: the session usually aliases the output to the
// input, in which case this copy sees one buffer and does nothing.
void copy_input(const KernelContext& c) { c.out().copy_from(c.in(0).with_shape(c.out().shape())); }

template <class T>
void transpose(const KernelContext& c) {
  const Shape& in = c.in(0).shape();
  auto perm = c.attrs.get<std::vector<int64_t>>("perm");
  auto in_st = contiguous_strides(in);
  std::vector<int64_t> st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) st[i] = in_st[static_cast<size_t>(perm[i])];
  auto out_st = contiguous_strides(c.out().shape());
  const T* x = c.in(0).data<T>();
  T* out = c.out().data<T>();
  strided_loop<2>(c.out().shape().dims(), {st.data(), out_st.data()},
                  [&](const std::array<int64_t, 2>& o) { out[o[1]] = x[o[0]]; });
}

template <class T>
void concat(const KernelContext& c) {
  const Shape& os = c.out().shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), os.rank());
  int64_t outer, inner;
  around_axis(os, axis, &outer, &inner);
  int64_t out_row = os.dim(axis) * inner, offset = 0;
  T* out = c.out().data<T>();
  for (const Tensor* in : c.inputs) {
    int64_t row = in->shape().dim(axis) * inner;
    const T* x = in->data<T>();
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(out + o * out_row + offset, x + o * row, sizeof(T) * static_cast<size_t>(row));
    offset += row;
  }
}

// The slice of g that belongs to input `index` of the concat.
template <class T>
void concat_grad(const KernelContext& c) {
  const Shape& gs = c.in(0).shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), gs.rank());
  size_t index = static_cast<size_t>(c.attrs.get<int64_t>("index"));
  int64_t outer, inner;
  around_axis(gs, axis, &outer, &inner);
  int64_t offset = 0;
  for (size_t i = 1; i < index + 1; ++i) offset += c.in(i).shape().dim(axis) * inner;
  int64_t g_row = gs.dim(axis) * inner, row = c.out().shape().dim(axis) * inner;
  const T* g = c.in(0).data<T>();
  T* out = c.out().data<T>();
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(out + o * row, g + o * g_row + offset, sizeof(T) * static_cast<size_t>(row));
}

// Copies between a tensor `whole` and its window at `begin` of shape `part`.
template <class T, bool ToWhole>
void window_copy(T* whole, const Shape& ws, T* part, const Shape& ps, const std::vector<int64_t>& begin) {
  auto w_st = contiguous_strides(ws);
  auto p_st = contiguous_strides(ps);
  int64_t base = 0;
  for (size_t i = 0; i < begin.size(); ++i) base += begin[i] * w_st[i];
  strided_loop<2>(ps.dims(), {w_st.data(), p_st.data()}, [&](const std::array<int64_t, 2>& o) {
    if constexpr (ToWhole) whole[base + o[0]] = part[o[1]];
    else part[o[1]] = whole[base + o[0]];
  });
}

template <class T>
void slice(const KernelContext& c) {
  window_copy<T, false>(c.in(0).data<T>(), c.in(0).shape(), c.out().data<T>(), c.out().shape(),
                        c.attrs.get<std::vector<int64_t>>("begin"));
}

template <class T>
void slice_grad(const KernelContext& c) {
  std::memset(c.out().raw(), 0, c.out().bytes());
  window_copy<T, true>(c.out().data<T>(), c.out().shape(), c.in(0).data<T>(), c.in(0).shape(),
                       c.attrs.get<std::vector<int64_t>>("begin"));
}

// Reads indices as int64 and checks each against [0, limit) before any data moves.
std::vector<int64_t> checked_indices(const Tensor& t, int64_t limit) {
  std::vector<int64_t> idx(static_cast<size_t>(t.num_elements()));
  for (size_t i = 0; i < idx.size(); ++i) {
    idx[i] = t.dtype() == DType::Int32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i];
    TG_CHECK(idx[i] >= 0 && idx[i] < limit, "index ", idx[i], " at position ", i,
             " is out of range [0, ", limit, ")");
  }
  return idx;
}

template <class T>
void gather(const KernelContext& c) {
  const Shape& ps = c.in(0).shape();
  auto idx = checked_indices(c.in(1), ps.dim(0));
  int64_t row = ps.dim(0) ? c.in(0).num_elements() / ps.dim(0) : 0;
  const T* p = c.in(0).data<T>();
  T* out = c.out().data<T>();
  for (size_t i = 0; i < idx.size(); ++i)
    std::memcpy(out + static_cast<int64_t>(i) * row, p + idx[i] * row, sizeof(T) * static_cast<size_t>(row));
}

template <class T>
void gather_grad(const KernelContext& c) {
  const Shape& ps = c.out().shape();
  auto idx = checked_indices(c.in(1), ps.dim(0));
  int64_t row = ps.dim(0) ? c.out().num_elements() / ps.dim(0) : 0;
  const T* g = c.in(0).data<T>();
  T* out = c.out().data<T>();
  std::memset(out, 0, c.out().bytes());
  for (size_t i = 0; i < idx.size(); ++i)
    for (int64_t j = 0; j < row; ++j) out[idx[i] * row + j] += g[static_cast<int64_t>(i) * row + j];
}

template <class I>
void one_hot(const KernelContext& c) {
  int64_t depth = c.attrs.get<int64_t>("depth");
  double on = c.attrs.get<double>("on"), off = c.attrs.get<double>("off");
  const I* idx = c.in(0).data<I>();
  visit_dtype(c.out().dtype(), [&](auto z) {
    using T = decltype(z);
    T* out = c.out().data<T>();
    for (int64_t i = 0, n_ = c.in(0).num_elements(); i < n_; ++i)
      for (int64_t d = 0; d < depth; ++d)
        out[i * depth + d] = static_cast<T>(idx[i] == static_cast<I>(d) ? on : off);
  });
}

template <class T>
void fill_like(const KernelContext& c, T v) {
  T* out = c.out().data<T>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) out[i] = v;
}
template <class T> void zeros_like(const KernelContext& c) { fill_like<T>(c, T(0)); }
template <class T> void ones_like(const KernelContext& c) { fill_like<T>(c, T(1)); }

}  // namespace

void register_array_kernels() {
#define TG_REG(op, fn) \
  reg<float, double, int32_t, int64_t, bool>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  for (const char* op : {"Reshape", "ReshapeLike", "Identity", "StopGradient"})
    reg<float, double, int32_t, int64_t, bool, std::string>(op, [](auto) -> KernelFn { return &copy_input; });
  TG_REG("Transpose", transpose);
  TG_REG("Concat", concat);
  TG_REG("ConcatGrad", concat_grad);
  TG_REG("Slice", slice);
  TG_REG("SliceGrad", slice_grad);
  TG_REG("Gather", gather);
  TG_REG("ZerosLike", zeros_like);
  TG_REG("OnesLike", ones_like);
  reg<float, double>("GatherGrad", [](auto z) -> KernelFn { return &gather_grad<decltype(z)>; });
  reg<int32_t, int64_t>("OneHot", [](auto z) -> KernelFn { return &one_hot<decltype(z)>; });
#undef TG_REG
}

}  // namespace tg::cpu
