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

// Division by a fixed divisor d in [1, 2^31) of dividends n in [0, 2^31) as a multiply and a
// shift (Granlund and Montgomery): with l = ceil(log2 d) and m = ceil(2^(31+l) / d),
// floor(n * m / 2^(31+l)) = floor(n / d), and n * m < 2^64. A 64-bit division costs a GPU
// dozens of instructions; the broadcasting and reduction loops do one per axis per element.
struct FastDivmod {
  uint64_t d = 1, m = uint64_t{1} << 31;
  int shift = 31;

  FastDivmod() = default;
  explicit FastDivmod(int64_t divisor) {
    TG_CHECK(divisor >= 1 && divisor < (int64_t{1} << 31), "FastDivmod takes divisors in [1, 2^31), got ", divisor);
    d = static_cast<uint64_t>(divisor);
    int l = 0;
    while ((uint64_t{1} << l) < d) ++l;
    shift = 31 + l;
    // ceil(2^shift / d) without overflow: shift <= 62.
    m = ((uint64_t{1} << shift) + d - 1) / d;
  }
  // n in [0, 2^31).
  TG_HOST_DEVICE uint64_t div(uint64_t n) const { return (n * m) >> shift; }
  TG_HOST_DEVICE void divmod(uint64_t n, uint64_t* q, uint64_t* r) const {
    *q = div(n);
    *r = n - *q * d;
  }
};

// Maps an index of a row-major output to the offsets of N operands (strides may be 0 along
// broadcast axes, or permuted for a transpose). Passed to kernels by value.
template <int N>
struct Indexer {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[N][kMaxRank] = {};
  // Set when every index is below 2^31: offsets() then divides by multiplying.
  bool fast = false;
  FastDivmod fdm[kMaxRank];

  TG_HOST_DEVICE void offsets(int64_t i, int64_t* off) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (fast) {
      uint64_t u = static_cast<uint64_t>(i);
      for (int d = rank - 1; d >= 0; --d) {
        uint64_t q, idx;
        fdm[d].divmod(u, &q, &idx);
        u = q;
        for (int k = 0; k < N; ++k) off[k] += static_cast<int64_t>(idx) * strides[k][d];
      }
      return;
    }
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
  ix.fast = out.num_elements() < (int64_t{1} << 31);
  for (int d = 0; d < out.rank(); ++d) {
    ix.dims[d] = out.dim(d);
    if (ix.fast && out.dim(d) >= 1 && out.dim(d) < (int64_t{1} << 31)) ix.fdm[d] = FastDivmod(out.dim(d));
    for (int k = 0; k < N; ++k) ix.strides[k][d] = strides[static_cast<size_t>(k)][static_cast<size_t>(d)];
  }
  return ix;
}

// A reduction's input split into kept and reduced axes, each walked with the input's strides:
// kept index o and reduced index r address element kept.offset(o) + reduced.offset(r).
struct Split {
  Indexer<1> kept, reduced;
  int64_t n_kept = 1, n_reduced = 1;
  bool kept_trailing = true;     // reduced axes (of size > 1) all come before kept ones
  bool reduced_trailing = true;  // kept axes (of size > 1) all come before reduced ones
};

inline Split split_axes(const Shape& s, const std::vector<bool>& red) {
  auto st = contiguous_strides(s);
  std::vector<int64_t> kd, ks, rd, rs;
  bool seen_kept = false, seen_reduced = false;
  Split r;
  for (int i = 0; i < s.rank(); ++i) {
    size_t u = static_cast<size_t>(i);
    if (red[u]) {
      rd.push_back(s.dim(i));
      rs.push_back(st[u]);
      r.n_reduced *= s.dim(i);
      if (seen_kept && s.dim(i) != 1) r.kept_trailing = false;
      if (s.dim(i) != 1) seen_reduced = true;
    } else {
      kd.push_back(s.dim(i));
      ks.push_back(st[u]);
      r.n_kept *= s.dim(i);
      if (s.dim(i) != 1) seen_kept = true;
      if (seen_reduced && s.dim(i) != 1) r.reduced_trailing = false;
    }
  }
  r.kept = make_indexer<1>(Shape(kd), {ks});
  r.reduced = make_indexer<1>(Shape(rd), {rs});
  return r;
}

// ArgMax's rule, the CPU kernel's sequential scan (best = 0; m wins when x[m] > x[best]) as an
// associative, commutative choice between candidates, so that lanes and warps may combine in
// any order: a NaN at index 0 wins (nothing compares greater than it), any other NaN loses
// (it compares greater than nothing), and among the rest the larger value wins, the earlier
// index among equals. A row of -inf or of NaN gives 0, as on the CPU. An empty candidate
// (index < 0) loses to everything.
template <class T>
TG_HOST_DEVICE inline int argmax_rank(int64_t idx, T v) {
  if (idx < 0) return 0;
  if (v != v) return idx == 0 ? 3 : 1;
  return 2;
}
template <class T>
TG_HOST_DEVICE inline bool argmax_prefers(int64_t ia, T va, int64_t ib, T vb) {
  int ra = argmax_rank(ia, va), rb = argmax_rank(ib, vb);
  if (ra != rb) return ra > rb;
  if (ra == 2 && va != vb) return va > vb;
  return ia <= ib;
}

}  // namespace tg::cuda
