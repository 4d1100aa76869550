// A plan keeps the buffers (and, on a GPU, the CUDA graphs) of its last few feed shapes, so
// that alternating batch sizes stop re-planning. On the CPU, where graphs do not exist, the
// same bookkeeping is tested with PlanOptions::shape_states and a counting allocator.
#include <gtest/gtest.h>

#include "graph/ops.h"
#include "runtime/plan.h"

namespace tg {
namespace {

struct Net {
  Graph g;
  Output x, y;
  Net() {
    x = ops::placeholder(g, DType::Float32, {-1, 3}, "x");
    Output w = ops::constant(g, Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6}));
    Output b = ops::constant(g, Tensor::from_vector<float>({2}, {0.5f, -100}));
    y = ops::relu(ops::bias_add(ops::matmul(x, w), b));
  }
  FeedList feed(int64_t rows) const {
    Tensor t(DType::Float32, {rows, 3});
    for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(i % 7) - 2;
    return {{x, t}};
  }
  // What the CPU computes for `rows` rows, row by row.
  std::vector<float> expected(int64_t rows) const {
    std::vector<float> out;
    Tensor in = feed(rows)[0].second;
    for (int64_t r = 0; r < rows; ++r) {
      const float* v = in.data<float>() + r * 3;
      out.push_back(std::max(0.f, v[0] * 1 + v[1] * 3 + v[2] * 5 + 0.5f));
      out.push_back(std::max(0.f, v[0] * 2 + v[1] * 4 + v[2] * 6 - 100));
    }
    return out;
  }
};

TEST(PlanStates, AlternatingFeedShapesReuseTheirBuffers) {
  Net n;
  VariableStore vars;
  CountingAllocator counter;
  PlanOptions o;
  o.allocator = &counter;
  o.placement.use_gpus = false;
  o.shape_states = 3;
  Plan p(n.g, {n.x}, {n.y}, {}, vars, o);
  for (int64_t rows : {5, 9, 5, 9}) EXPECT_EQ(p.run(n.feed(rows), 1)[0].to_vector<float>(), n.expected(rows));
  size_t warm = counter.allocations();
  EXPECT_EQ(p.num_shape_states(), 2);
  for (int i = 0; i < 6; ++i) {
    int64_t rows = i % 2 ? 9 : 5;
    EXPECT_EQ(p.run(n.feed(rows), 1)[0].to_vector<float>(), n.expected(rows)) << rows;
  }
  // Only the fetched copies were allocated: fetches are clones on the default allocator.
  EXPECT_EQ(counter.allocations(), warm);
  // A third and a fourth shape: the least recently used state (5 rows) is dropped.
  for (int64_t rows : {2, 11}) EXPECT_EQ(p.run(n.feed(rows), 1)[0].to_vector<float>(), n.expected(rows));
  EXPECT_EQ(p.num_shape_states(), 3);
  size_t before = counter.allocations();
  EXPECT_EQ(p.run(n.feed(9), 1)[0].to_vector<float>(), n.expected(9));  // kept
  EXPECT_EQ(counter.allocations(), before);
  EXPECT_EQ(p.run(n.feed(5), 1)[0].to_vector<float>(), n.expected(5));  // dropped: planned again
  EXPECT_GT(counter.allocations(), before);
  EXPECT_EQ(p.num_shape_states(), 3);
}

TEST(PlanStates, CpuPlansKeepOneStateByDefault) {
  Net n;
  VariableStore vars;
  PlanOptions o;
  o.placement.use_gpus = false;
  Plan p(n.g, {n.x}, {n.y}, {}, vars, o);
  for (int64_t rows : {5, 9, 5}) EXPECT_EQ(p.run(n.feed(rows), 1)[0].to_vector<float>(), n.expected(rows));
  EXPECT_EQ(p.num_shape_states(), 1);
}

}  // namespace
}  // namespace tg
