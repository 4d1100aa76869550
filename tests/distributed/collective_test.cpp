// Run as several processes (mpirun -np 2 and -np 3): the communicator's collectives, the
// AllReduce op, gradient buckets, and data-parallel training against one process on the
// global batch (plain gradient descent: the same weights; Adam: the same loss curve).
#include <gtest/gtest.h>

#include <cmath>

#include "base/fnv1a.h"
#include "estimator/distributed.h"
#include "graph/distributed_optimizer.h"
#include "graph/ops.h"
#include "runtime/communicator.h"
#include "runtime/device.h"
#include "runtime/session.h"

namespace tg {
namespace {

Communicator& world() { return Communicator::world(); }

TEST(Ranks, CommunicatorCollectives) {
  Communicator& c = world();
  ASSERT_GE(c.size(), 2) << "run under mpirun -np 2 or more";
  EXPECT_EQ(c.allreduce(int64_t{c.rank() + 1}, Reduction::Sum), int64_t{c.size()} * (c.size() + 1) / 2);
  EXPECT_EQ(c.allreduce(static_cast<double>(c.rank()), Reduction::Max), c.size() - 1);
  EXPECT_EQ(c.allreduce(int64_t{c.rank()}, Reduction::Min), 0);
  EXPECT_EQ(c.broadcast(c.is_chief() ? std::string("from rank 0") : std::string("x")), "from rank 0");
  auto all = c.gather(std::string(static_cast<size_t>(c.rank()), 'a'));
  if (c.is_chief()) {
    ASSERT_EQ(all.size(), static_cast<size_t>(c.size()));
    for (int r = 0; r < c.size(); ++r) EXPECT_EQ(all[static_cast<size_t>(r)], std::string(static_cast<size_t>(r), 'a'));
  } else {
    EXPECT_TRUE(all.empty());
  }
  auto ranks = c.allgather(static_cast<uint64_t>(c.rank()) * 10);
  for (int r = 0; r < c.size(); ++r) EXPECT_EQ(ranks[static_cast<size_t>(r)], static_cast<uint64_t>(r) * 10);
}

TEST(Ranks, AllReduceOpSumsAndAverages) {
  Communicator& c = world();
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 3}, "x");
  Output sum = ops::all_reduce(x, "sum"), mean = ops::all_reduce(x, "mean");
  Output loss = ops::reduce_sum(mean * x);
  Session s(g);
  float v = static_cast<float>(c.rank() + 1);
  Tensor feed = Tensor::from_vector<float>({2, 3}, {v, 2 * v, 3 * v, 4 * v, 5 * v, 6 * v});
  auto out = s.run(FeedList{{x, feed}}, {sum, mean});
  double total = c.size() * (c.size() + 1) / 2.0;
  for (int i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(out[0].data<float>()[i], static_cast<float>((i + 1) * total));
    EXPECT_FLOAT_EQ(out[1].data<float>()[i], static_cast<float>((i + 1) * total / c.size()));
  }
  EXPECT_EQ(ops::all_reduce(x).node->op, "AllReduce");
  EXPECT_THROW(ops::all_reduce(x, "max"), Error);
  (void)loss;
}

// AllReduce on the GPUs: NCCL when every rank has a GPU of its own, else staged through the
// host; either way the values of the CPU kernel.
void gpu_all_reduce(bool need_nccl) {
  Communicator& c = world();
  bool gpu = !cuda_devices().empty();
  if (c.allreduce(int64_t{gpu}, Reduction::Min) == 0) GTEST_SKIP() << "not every rank has a GPU";
  if (need_nccl && !c.nccl()) GTEST_SKIP() << "NCCL needs a GPU per rank (two GPUs for two ranks)";
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1}, "x");
  Output sum, mean;
  {
    auto d = g.device("/gpu:0");
    sum = ops::all_reduce(ops::identity(x), "sum");
    mean = ops::all_reduce(ops::identity(x), "mean");
  }
  SessionOptions o;
  o.soft_placement = false;
  Session s(g, o);
  const int64_t n = 1 << 20;
  Tensor feed(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) feed.data<float>()[i] = static_cast<float>((c.rank() + 1) * (i % 101));
  for (int run = 0; run < 3; ++run) {  // a plan's first, second (capture) and third runs
    auto out = s.run(FeedList{{x, feed}}, {sum, mean});
    double total = c.size() * (c.size() + 1) / 2.0;
    for (int64_t i = 0; i < n; i += 997) {
      ASSERT_FLOAT_EQ(out[0].data<float>()[i], static_cast<float>(total * (i % 101)));
      ASSERT_FLOAT_EQ(out[1].data<float>()[i], static_cast<float>(total * (i % 101) / c.size()));
    }
  }
}

TEST(Ranks, AllReduceOnGpus) { gpu_all_reduce(false); }
TEST(Ranks, AllReduceOnGpusThroughNccl) { gpu_all_reduce(true); }

// Gradients of every size, bucketed small and unbucketed: the same reduced values, and as
// many AllReduce nodes as buckets.
TEST(Ranks, BucketsReduceLikeSingleGradients) {
  Communicator& c = world();
  Graph g;
  std::vector<std::pair<Output, Output>> gv;
  std::vector<Shape> shapes{{4, 8}, {8}, {8, 1}, {1}, {3, 3}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    Output var = ops::variable(g, shapes[i], DType::Float32, ops::Initializer::zeros(), "v" + std::to_string(i));
    Tensor t(DType::Float32, shapes[i]);
    for (int64_t k = 0; k < t.num_elements(); ++k) t.data<float>()[k] = static_cast<float>((c.rank() + 1) * (k + 1) + i);
    gv.emplace_back(ops::constant(g, t), var);
  }
  auto count_reduces = [&] {
    int n = 0;
    for (const auto& node : g.nodes()) n += node->op == "AllReduce";
    return n;
  };
  auto fused = allreduce_gradients(gv, AllReduceOptions{64, "sum"});
  int buckets = count_reduces();
  auto single = allreduce_gradients(gv, AllReduceOptions{0, "sum"});
  EXPECT_EQ(count_reduces() - buckets, static_cast<int>(shapes.size()));
  // 128 B alone; 32 + 32 B; 4 + 36 B.
  EXPECT_EQ(buckets, 3);
  Session s(g);
  std::vector<Output> fetch;
  for (size_t i = 0; i < gv.size(); ++i) {
    fetch.push_back(fused[i].first);
    fetch.push_back(single[i].first);
    EXPECT_EQ(fused[i].second, gv[i].second);
  }
  auto out = s.run(FeedList{}, fetch);
  double ranks_sum = c.size() * (c.size() + 1) / 2.0;
  for (size_t i = 0; i < gv.size(); ++i) {
    const Tensor &a = out[2 * i], &b = out[2 * i + 1];
    ASSERT_EQ(a.shape(), shapes[i]);
    for (int64_t k = 0; k < a.num_elements(); ++k) {
      EXPECT_EQ(a.data<float>()[k], b.data<float>()[k]);
      EXPECT_FLOAT_EQ(a.data<float>()[k], static_cast<float>(ranks_sum * (k + 1) + c.size() * static_cast<double>(i)));
    }
  }
}

// A small regression network: x [n, 4] -> tanh(8) -> 1, mean squared error.
struct Net {
  Graph g;
  Output x, y, loss;
  Node* train = nullptr;
  std::vector<Output> weights;
};

void build(Net& n, const std::string& optimizer, bool distributed) {
  Graph& g = n.g;
  n.x = ops::placeholder(g, DType::Float32, {-1, 4}, "x");
  n.y = ops::placeholder(g, DType::Float32, {-1, 1}, "y");
  Output w1 = ops::variable(g, {4, 8}, DType::Float32, ops::Initializer::glorot_uniform(1), "w1");
  Output b1 = ops::variable(g, {8}, DType::Float32, ops::Initializer::constant(0.1), "b1");
  Output w2 = ops::variable(g, {8, 1}, DType::Float32, ops::Initializer::glorot_uniform(2), "w2");
  Output b2 = ops::variable(g, {1}, DType::Float32, ops::Initializer::zeros(), "b2");
  n.weights = {w1, b1, w2, b2};
  Output pred = ops::bias_add(ops::matmul(ops::tanh(ops::bias_add(ops::matmul(n.x, w1), b1)), w2), b2);
  n.loss = ops::mean_squared_error(n.y, pred);
  auto opt = make_optimizer(optimizer, ops::scalar(g, optimizer == "adam" ? 0.01 : 0.1));
  if (distributed) {
    DistributedOptimizer d(std::move(opt), AllReduceOptions{64, "mean"});  // several buckets
    n.train = d.minimize(n.loss);
  } else {
    n.train = opt->minimize(n.loss);
  }
}

// The global batch of a step: rows * ranks rows, the same on every rank.
void batch(int step, int64_t rows, Tensor& x, Tensor& y) {
  x = Tensor(DType::Float32, {rows, 4});
  y = Tensor(DType::Float32, {rows, 1});
  for (int64_t i = 0; i < rows; ++i) {
    double s = 0;
    for (int k = 0; k < 4; ++k) {
      double v = std::sin(0.37 * static_cast<double>(step * 131 + i * 7 + k * 3));
      x.data<float>()[i * 4 + k] = static_cast<float>(v);
      s += (k + 1) * v;
    }
    y.data<float>()[i] = static_cast<float>(std::tanh(s) + 0.3 * s);
  }
}

Tensor rows_of(const Tensor& t, int64_t from, int64_t n) {
  int64_t width = t.shape().dim(1);
  Tensor r(t.dtype(), {n, width});
  std::copy(t.data<float>() + from * width, t.data<float>() + (from + n) * width, r.data<float>());
  return r;
}

// Trains `steps` steps of ranks x B (this rank's B rows each) and, beside it in this process,
// one process on the whole global batch; returns the max weight difference and the loss curves.
void compare(const std::string& optimizer, int steps, double* max_weight_diff, double* max_loss_diff) {
  Communicator& c = world();
  const int64_t B = 16, global = B * c.size();
  Net dist, ref;
  build(dist, optimizer, true);
  build(ref, optimizer, false);
  Session sd(dist.g), sr(ref.g);
  sd.run(ops::global_variables_initializer(dist.g));
  sr.run(ops::global_variables_initializer(ref.g));
  estimator::broadcast_variables(sd, dist.g.variables());
  *max_loss_diff = 0;
  for (int t = 0; t < steps; ++t) {
    Tensor x, y;
    batch(t, global, x, y);
    auto mine = sd.run(FeedList{{dist.x, rows_of(x, c.rank() * B, B)}, {dist.y, rows_of(y, c.rank() * B, B)}},
                       {dist.loss}, {dist.train});
    auto whole = sr.run(FeedList{{ref.x, x}, {ref.y, y}}, {ref.loss}, {ref.train});
    // The global batch's loss is the mean of the ranks' (equal batches, mean losses).
    double loss = c.allreduce(mine[0].scalar_as_double(), Reduction::Sum) / c.size();
    *max_loss_diff = std::max(*max_loss_diff, std::abs(loss - whole[0].scalar_as_double()));
  }
  *max_weight_diff = 0;
  for (size_t i = 0; i < dist.weights.size(); ++i) {
    auto a = sd.variable_value(dist.weights[i]).to_vector<float>();
    auto b = sr.variable_value(ref.weights[i]).to_vector<float>();
    for (size_t k = 0; k < a.size(); ++k) *max_weight_diff = std::max(*max_weight_diff, std::abs(double(a[k]) - b[k]));
  }
  // Every rank holds bit-identical weights.
  uint64_t h = kFnv1aBasis;
  for (const Output& w : dist.weights) {
    Tensor v = sd.variable_value(w);
    h = fnv1a(v.raw(), v.bytes(), h);
  }
  for (uint64_t other : c.allgather(h)) EXPECT_EQ(other, h) << "the ranks' weights differ";
  EXPECT_EQ(sd.variable_value(dist.g.global_step()).to_vector<int64_t>()[0], steps);
}

TEST(Ranks, GradientDescentMatchesOneProcessOnTheGlobalBatch) {
  double dw = 0, dl = 0;
  compare("sgd", 50, &dw, &dl);
  EXPECT_LT(dw, 1e-5) << "weights after 50 steps";
  EXPECT_LT(dl, 1e-5);
}

TEST(Ranks, AdamFollowsTheLossCurveOfOneProcess) {
  double dw = 0, dl = 0;
  compare("adam", 50, &dw, &dl);
  EXPECT_LT(dl, 1e-4) << "loss curve";
  EXPECT_LT(dw, 1e-3);
}

TEST(Ranks, InitialWeightsComeFromRankZero) {
  Communicator& c = world();
  Graph g;
  // A different seed per rank: only the broadcast makes them equal.
  Output w = ops::variable(g, {5}, DType::Float32, ops::Initializer::random_uniform(-1, 1, 100 + c.rank()), "w");
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  estimator::broadcast_variables(s, g.variables());
  Tensor v = s.variable_value(w);
  uint64_t h = fnv1a(v.raw(), v.bytes());
  for (uint64_t other : c.allgather(h)) EXPECT_EQ(other, h);
  Graph g0;
  Output w0 = ops::variable(g0, {5}, DType::Float32, ops::Initializer::random_uniform(-1, 1, 100), "w");
  Session s0(g0);
  s0.run(ops::global_variables_initializer(g0));
  EXPECT_EQ(s0.variable_value(w0).to_vector<float>(), v.to_vector<float>());
}

TEST(Ranks, DifferentGraphsAreAnErrorOnEveryRank) {
  Communicator& c = world();
  Net same, other;
  build(same, "sgd", true);
  EXPECT_NO_THROW(estimator::check_same_graph(estimator::all_outputs(same.g)));
  build(other, c.rank() == c.size() - 1 ? "adam" : "sgd", true);
  try {
    estimator::check_same_graph(estimator::all_outputs(other.g));
    ADD_FAILURE() << "no error for different graphs";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank " + std::to_string(c.size() - 1) + " differs from rank 0"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tg
