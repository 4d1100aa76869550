#include "kernels/strides.h"

namespace tg {

std::vector<int64_t> contiguous_strides(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.rank()));
  int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[static_cast<size_t>(i)] = acc;
    acc *= s.dim(i);
  }
  return st;
}

std::vector<int64_t> broadcast_strides(const Shape& operand, const Shape& out) {
  std::vector<int64_t> st(static_cast<size_t>(out.rank()), 0);
  auto own = contiguous_strides(operand);
  int shift = out.rank() - operand.rank();
  for (int i = 0; i < operand.rank(); ++i)
    if (operand.dim(i) != 1 || out.dim(i + shift) == 1)
      st[static_cast<size_t>(i + shift)] = own[static_cast<size_t>(i)];
  return st;
}

void around_axis(const Shape& s, int axis, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < axis; ++i) *outer *= s.dim(i);
  for (int i = axis + 1; i < s.rank(); ++i) *inner *= s.dim(i);
}

std::vector<bool> reduced_mask(const Attrs& a, int rank) {
  auto axes = a.get<std::vector<int64_t>>("axes");
  std::vector<bool> m(static_cast<size_t>(rank), axes.empty());
  for (int64_t ax : axes) m[static_cast<size_t>(normalize_axis(ax, rank))] = true;
  return m;
}

}  // namespace tg
