// The CUDA kernels' index arithmetic (kernels/cuda/indexer.h) on the host, against the CPU
// kernels' strided loop: broadcasting, transposing and slicing visit the same offsets.
#include <gtest/gtest.h>

#include <random>

#include "kernels/cpu/common.h"
#include "kernels/cuda/indexer.h"

namespace tg {
namespace {

// The offsets of two operands for every output index, as the CPU loop visits them (row-major)
// and as the CUDA indexer computes them from the index alone.
void expect_same_offsets(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb) {
  std::vector<std::array<int64_t, 2>> cpu;
  cpu::strided_loop<2>(out.dims(), {sa.data(), sb.data()},
                       [&](const std::array<int64_t, 2>& o) { cpu.push_back(o); });
  auto ix = cuda::make_indexer<2>(out, {sa, sb});
  ASSERT_EQ(static_cast<int64_t>(cpu.size()), out.num_elements()) << out.to_string();
  for (size_t i = 0; i < cpu.size(); ++i) {
    int64_t off[2];
    ix.offsets(static_cast<int64_t>(i), off);
    ASSERT_EQ(off[0], cpu[i][0]) << out.to_string() << " index " << i;
    ASSERT_EQ(off[1], cpu[i][1]) << out.to_string() << " index " << i;
  }
}

TEST(CudaIndexer, BroadcastsLikeTheCpuLoop) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    int rank = static_cast<int>(rng() % 5);
    std::vector<int64_t> dims, a_dims, b_dims;
    for (int d = 0; d < rank; ++d) {
      int64_t n = 1 + static_cast<int64_t>(rng() % 4);
      dims.push_back(n);
      a_dims.push_back(rng() % 3 == 0 ? 1 : n);
      b_dims.push_back(rng() % 3 == 0 ? 1 : n);
    }
    // An operand may also lack leading axes.
    size_t drop = rank ? rng() % static_cast<size_t>(rank + 1) : 0;
    std::vector<int64_t> b_short(b_dims.begin() + static_cast<std::ptrdiff_t>(drop), b_dims.end());
    Shape out(dims);
    expect_same_offsets(out, broadcast_strides(Shape(a_dims), out), broadcast_strides(Shape(b_short), out));
  }
}

TEST(CudaIndexer, TransposesAndSlicesLikeTheCpuLoop) {
  // Transpose [2, 3, 4] by {2, 0, 1}: the output walks the input with permuted strides.
  Shape in({2, 3, 4}), out({4, 2, 3});
  auto st = contiguous_strides(in);
  expect_same_offsets(out, {st[2], st[0], st[1]}, contiguous_strides(out));
  // A [2, 2] window of a [4, 5] tensor: the window walks the whole tensor's strides.
  Shape window({2, 2});
  expect_same_offsets(window, contiguous_strides(Shape({4, 5})), contiguous_strides(window));
}

// Every (kept, reduced) pair addresses a distinct element, all elements are covered, and when
// the kept axes trail, the column kernels' x[r * n_kept + o] is the same element.
TEST(CudaIndexer, ReductionSplitsCoverEveryElementOnce) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    int rank = 1 + static_cast<int>(rng() % 4);
    std::vector<int64_t> dims;
    std::vector<bool> red;
    for (int d = 0; d < rank; ++d) {
      dims.push_back(1 + static_cast<int64_t>(rng() % 4));
      red.push_back(rng() % 2 == 0);
    }
    Shape s(dims);
    cuda::Split sp = cuda::split_axes(s, red);
    ASSERT_EQ(sp.n_kept * sp.n_reduced, s.num_elements());
    std::vector<int> seen(static_cast<size_t>(s.num_elements()), 0);
    for (int64_t o = 0; o < sp.n_kept; ++o)
      for (int64_t r = 0; r < sp.n_reduced; ++r) {
        int64_t ko, ro;
        sp.kept.offsets(o, &ko);
        sp.reduced.offsets(r, &ro);
        ++seen[static_cast<size_t>(ko + ro)];
        if (sp.kept_trailing) ASSERT_EQ(ko + ro, r * sp.n_kept + o) << s.to_string();
      }
    for (int c : seen) ASSERT_EQ(c, 1) << s.to_string();
  }
}

TEST(CudaIndexer, RefusesRanksBeyondItsLimit) {
  Shape big(std::vector<int64_t>(static_cast<size_t>(cuda::kMaxRank + 1), 1));
  std::vector<int64_t> st(static_cast<size_t>(cuda::kMaxRank + 1), 1);
  EXPECT_THROW((cuda::make_indexer<1>(big, {st})), Error);
}

}  // namespace
}  // namespace tg
