// The index arithmetic of the CUDA kernels' strided loops, in a header that host code can
// include too, so that it is tested against the CPU kernels' loops without a GPU.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/error.h"
#include "base/shape.h"
#include "kernels/activation.h"  // TG_HOST_DEVICE
#include "kernels/strides.h"

namespace tg::cuda {

constexpr int kMaxRank = 8;

// Maps an index of a row-major output to the offsets of N operands (strides may be 0 along
// broadcast axes, or permuted for a transpose). Passed to kernels by value.
template <int N>
struct Indexer {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[N][kMaxRank] = {};

  TG_HOST_DEVICE void offsets(int64_t i, int64_t* off) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      int64_t idx = i % dims[d];
      i /= dims[d];
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
  }
};

template <int N>
Indexer<N> make_indexer(const Shape& out, const std::array<std::vector<int64_t>, N>& strides) {
  TG_CHECK(out.rank() <= kMaxRank, "CUDA kernels take tensors of rank up to ", kMaxRank, ", got ",
           out.to_string());
  Indexer<N> ix;
  ix.rank = out.rank();
  for (int d = 0; d < out.rank(); ++d) {
    ix.dims[d] = out.dim(d);
    for (int k = 0; k < N; ++k) ix.strides[k][d] = strides[static_cast<size_t>(k)][static_cast<size_t>(d)];
  }
  return ix;
}

// A reduction's input split into kept and reduced axes, each walked with the input's strides:
// kept index o and reduced index r address element kept.offset(o) + reduced.offset(r).
struct Split {
  Indexer<1> kept, reduced;
  int64_t n_kept = 1, n_reduced = 1;
  bool kept_trailing = true;  // reduced axes (of size > 1) all come before kept ones
};

inline Split split_axes(const Shape& s, const std::vector<bool>& red) {
  auto st = contiguous_strides(s);
  std::vector<int64_t> kd, ks, rd, rs;
  bool seen_kept = false;
  Split r;
  for (int i = 0; i < s.rank(); ++i) {
    size_t u = static_cast<size_t>(i);
    if (red[u]) {
      rd.push_back(s.dim(i));
      rs.push_back(st[u]);
      r.n_reduced *= s.dim(i);
      if (seen_kept && s.dim(i) != 1) r.kept_trailing = false;
    } else {
      kd.push_back(s.dim(i));
      ks.push_back(st[u]);
      r.n_kept *= s.dim(i);
      if (s.dim(i) != 1) seen_kept = true;
    }
  }
  r.kept = make_indexer<1>(Shape(kd), {ks});
  r.reduced = make_indexer<1>(Shape(rd), {rs});
  return r;
}

}  // namespace tg::cuda
