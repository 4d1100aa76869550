// The CUDA kernels' index arithmetic (kernels/cuda/indexer.h) on the host, against the CPU
// kernels' strided loop: broadcasting, transposing and slicing visit the same offsets.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

TEST(CudaIndexer, FastDivmodMatchesDivisionAndRemainder) {
  const int64_t top = (int64_t{1} << 31) - 1;
  std::vector<int64_t> divisors = {1, 2, 3, 5, 7, 31, 32, 33, 641, 1000, 65535, 65536, 65537, (1 << 20) + 7,
                                   top / 3, top / 2, top - 1, top};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) divisors.push_back(1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(top)));
  for (int i = 0; i < 50; ++i) divisors.push_back(1 + static_cast<int64_t>(rng() % 5000));
  for (int64_t d : divisors) {
    cuda::FastDivmod f(d);
    std::vector<int64_t> ns = {0, 1, d - 1, d, d + 1, 2 * d - 1, top, top - 1, top - d};
    for (int i = 0; i < 300; ++i) ns.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(top + 1)));
    for (int64_t n : ns) {
      if (n < 0 || n > top) continue;
      uint64_t q, r;
      f.divmod(static_cast<uint64_t>(n), &q, &r);
      ASSERT_EQ(static_cast<int64_t>(q), n / d) << n << " / " << d;
      ASSERT_EQ(static_cast<int64_t>(r), n % d) << n << " % " << d;
    }
  }
  EXPECT_THROW(cuda::FastDivmod(0), Error);
  EXPECT_THROW(cuda::FastDivmod(int64_t{1} << 31), Error);
}

// The indexer's multiply-shift path gives the offsets of its division path, at rank 4 and
// beyond, with odd sizes and broadcast axes.
TEST(CudaIndexer, FastPathMatchesDivisionPath) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 100; ++trial) {
    int rank = 1 + static_cast<int>(rng() % 6);
    std::vector<int64_t> dims, a_dims;
    for (int d = 0; d < rank; ++d) {
      int64_t n = 1 + static_cast<int64_t>(rng() % 9);
      dims.push_back(n);
      a_dims.push_back(rng() % 3 == 0 ? 1 : n);
    }
    Shape out(dims);
    auto fast = cuda::make_indexer<2>(out, {broadcast_strides(Shape(a_dims), out), contiguous_strides(out)});
    ASSERT_TRUE(fast.fast);
    auto slow = fast;
    slow.fast = false;
    for (int64_t i = 0; i < out.num_elements(); ++i) {
      int64_t a[2], b[2];
      fast.offsets(i, a);
      slow.offsets(i, b);
      ASSERT_EQ(a[0], b[0]) << out.to_string() << " index " << i;
      ASSERT_EQ(a[1], b[1]) << out.to_string() << " index " << i;
    }
  }
  // Past 2^31 elements the indexer divides.
  EXPECT_FALSE((cuda::make_indexer<1>(Shape({1 << 16, 1 << 16}), {std::vector<int64_t>{1 << 16, 1}}).fast));
}

// The CPU kernel's ArgMax: the first index m with x[m] > x[best], from best = 0.
template <class T>
int64_t cpu_argmax(const std::vector<T>& x) {
  int64_t best = 0;
  for (size_t m = 1; m < x.size(); ++m)
    if (x[m] > x[static_cast<size_t>(best)]) best = static_cast<int64_t>(m);
  return best;
}

// Candidates combined in a random order, as lanes and shuffles may combine them.
template <class T>
int64_t combined_argmax(const std::vector<T>& x, std::mt19937& rng) {
  std::vector<std::pair<int64_t, T>> c;
  for (size_t m = 0; m < x.size(); ++m) c.push_back({static_cast<int64_t>(m), x[m]});
  c.push_back({-1, T{}});  // an empty lane
  while (c.size() > 1) {
    size_t i = rng() % c.size(), j = rng() % (c.size() - 1);
    if (j >= i) ++j;
    auto a = c[i], b = c[j];
    auto win = cuda::argmax_prefers(a.first, a.second, b.first, b.second) ? a : b;
    // The rule is commutative: both orders agree.
    auto win2 = cuda::argmax_prefers(b.first, b.second, a.first, a.second) ? b : a;
    EXPECT_EQ(win.first, win2.first);
    c[std::min(i, j)] = win;
    c.erase(c.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
  }
  return c[0].first;
}

TEST(CudaIndexer, ArgMaxRuleMatchesTheCpuScan) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::vector<std::vector<double>> rows = {{-inf, -inf, -inf}, {nan, nan, nan}, {nan, 1, 2}, {1, nan, 2},
                                           {2, 2, 1},          {-inf},          {nan},       {0, -0.0, 0},
                                           {-inf, nan, -inf},  {1, inf, inf, nan}};
  std::mt19937 rng(17);
  const double pool[] = {nan, -inf, inf, -1, 0, 1, 2};
  for (int i = 0; i < 500; ++i) {
    std::vector<double> r(1 + rng() % 40);
    for (auto& v : r) v = pool[rng() % 7];
    rows.push_back(r);
  }
  for (const auto& r : rows) {
    int64_t want = cpu_argmax(r);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(combined_argmax(r, rng), want) << "row of " << r.size();
    std::vector<float> f(r.begin(), r.end());
    ASSERT_EQ(combined_argmax(f, rng), cpu_argmax(f));
  }
  std::vector<int32_t> ints = {3, 7, 7, -2, 7};
  EXPECT_EQ(combined_argmax(ints, rng), 1);
}

TEST(CudaIndexer, RefusesRanksBeyondItsLimit) {
  Shape big(std::vector<int64_t>(static_cast<size_t>(cuda::kMaxRank + 1), 1));
  std::vector<int64_t> st(static_cast<size_t>(cuda::kMaxRank + 1), 1);
  EXPECT_THROW((cuda::make_indexer<1>(big, {st})), Error);
}

}  // namespace
}  // namespace tg
