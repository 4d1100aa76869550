// The CUDA kernels' harder cases against the CPU kernels: ArgMax rows of -inf and NaN,
// reductions past 2^24 elements (the multi-block paths), rank-4 broadcasting, transposes at odd
// sizes, the sparse cross-entropy and Gather / GatherGrad with repeated and bad ids, and
// classifiers that train with every node of the step on the GPU. Every test skips itself on a
// machine without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/device.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg {
namespace {

#define TG_REQUIRE_GPU() \
  if (cuda_devices().empty()) GTEST_SKIP() << "no GPU: " << cuda_unavailable_reason()

SessionOptions options(bool gpus) {
  SessionOptions o;
  o.use_gpus = gpus;
  return o;
}

// The outputs on the CPU and on the GPU, with the GPU session's placements checked: each
// listed node with a CUDA kernel ran on the GPU.
std::pair<std::vector<Tensor>, std::vector<Tensor>> both(Graph& g, const FeedList& feeds,
                                                         const std::vector<Output>& outs) {
  Session cpu(g, options(false)), gpu(g, options(true));
  auto a = cpu.run(feeds, outs);
  auto b = gpu.run(feeds, outs);
  for (const auto& [name, dev] : gpu.last_plan()->placements())
    for (const Output& o : outs) {
      if (o.node->name == name) {
        EXPECT_EQ(dev, "/gpu:0") << name;
      }
    }
  return {a, b};
}

template <class T>
void expect_equal(const Tensor& want, const Tensor& got, double tol = 0) {
  ASSERT_EQ(want.shape(), got.shape());
  auto w = want.to_vector<T>(), v = got.to_vector<T>();
  for (size_t i = 0; i < w.size(); ++i) {
    if (tol == 0) ASSERT_EQ(v[i], w[i]) << "element " << i;
    else ASSERT_NEAR(static_cast<double>(v[i]), static_cast<double>(w[i]), tol * (1 + std::abs(static_cast<double>(w[i]))))
             << "element " << i;
  }
}

TEST(CudaOps, ArgMaxTakesTheCpuIndexOnRowsOfInfAndNan) {
  TG_REQUIRE_GPU();
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  // Rows of 40 (more than a warp's lanes): all -inf, all NaN, NaN first, NaN later, ties, +inf.
  std::vector<std::vector<float>> rows(6, std::vector<float>(40, 1.0f));
  for (auto& v : rows[0]) v = -inf;
  for (auto& v : rows[1]) v = nan;
  rows[2][0] = nan;
  rows[2][33] = 5;
  rows[3][7] = nan;
  rows[3][35] = 2;
  rows[4][3] = 4;
  rows[4][34] = 4;
  rows[5][39] = inf;
  std::vector<float> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {6, 40}, "x");
  Output by_row = ops::argmax(x, 1), by_col = ops::argmax(ops::transpose(x, {1, 0}), 0);
  auto [want, got] = both(g, {{x, Tensor::from_vector<float>({6, 40}, flat)}}, {by_row, by_col});
  expect_equal<int64_t>(want[0], got[0]);
  expect_equal<int64_t>(want[1], got[1]);
  EXPECT_EQ(got[0].to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 35, 3, 39}));
}

// Integer data, so that every summation order gives the same result.
TEST(CudaOps, ReductionsPastTwoToTheTwentyFourAgreeWithTheCpu) {
  TG_REQUIRE_GPU();
  std::mt19937 rng(3);
  auto ints = [&](const Shape& s) {
    Tensor t(DType::Int64, s);
    for (auto& v : t.flat<int64_t>()) v = static_cast<int64_t>(rng() % 7) - 3;
    return t;
  };
  struct Case {
    Shape shape;
    std::vector<int64_t> axes;
  };
  std::vector<Case> cases = {{Shape({(int64_t{1} << 24) + 17}), {}},  // to one value
                             {Shape({3, (int64_t{1} << 23) + 5}), {1}},  // few long rows
                             {Shape({(int64_t{1} << 20) + 3, 17}), {0}},  // tall, narrow columns
                             {Shape({1 << 16, 300}), {1}},              // many rows
                             {Shape({64, 4099, 65}), {1}}};             // the middle axis
  for (const Case& c : cases) {
    Graph g;
    Output x = ops::placeholder(g, DType::Int64, c.shape, "x");
    std::vector<Output> outs = {ops::reduce_sum(x, c.axes), ops::reduce_max(x, c.axes), ops::reduce_min(x, c.axes),
                                ops::reduce_mean(ops::cast(x, DType::Float64), c.axes)};
    auto [want, got] = both(g, {{x, ints(c.shape)}}, outs);
    for (int k = 0; k < 3; ++k) expect_equal<int64_t>(want[static_cast<size_t>(k)], got[static_cast<size_t>(k)]);
    expect_equal<double>(want[3], got[3], 1e-12);
  }
}

TEST(CudaOps, BroadcastingAtRankFourAgreesWithTheCpu) {
  TG_REQUIRE_GPU();
  std::mt19937 rng(5);
  auto floats = [&](const Shape& s) {
    Tensor t(DType::Float64, s);
    for (auto& v : t.flat<double>()) v = std::uniform_real_distribution<double>(-2, 2)(rng);
    return t;
  };
  Graph g;
  Output a = ops::placeholder(g, DType::Float64, {2, 1, 5, 7}, "a");
  Output b = ops::placeholder(g, DType::Float64, {3, 1, 7}, "b");
  Output c = ops::placeholder(g, DType::Float64, {1, 3, 5, 1}, "c");
  auto [want, got] = both(g, {{a, floats(Shape({2, 1, 5, 7}))}, {b, floats(Shape({3, 1, 7}))}, {c, floats(Shape({1, 3, 5, 1}))}},
                          {ops::mul(ops::add(a, b), c), ops::sub(c, a)});
  expect_equal<double>(want[0], got[0]);
  expect_equal<double>(want[1], got[1]);
}

TEST(CudaOps, TransposesAtOddSizesAgreeWithTheCpu) {
  TG_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  std::vector<Case> cases = {{Shape({33, 65}), {1, 0}},          {Shape({1, 31}), {1, 0}},
                             {Shape({3, 37, 5, 70}), {0, 3, 2, 1}}, {Shape({3, 37, 5, 70}), {3, 1, 2, 0}},
                             {Shape({3, 37, 5, 70}), {1, 0, 2, 3}}, {Shape({7, 9, 33}), {2, 0, 1}}};
  for (const Case& c : cases) {
    Tensor x(DType::Int32, c.shape);
    int32_t k = 0;
    for (auto& v : x.flat<int32_t>()) v = k++;
    Graph g;
    Output p = ops::placeholder(g, DType::Int32, c.shape, "x");
    auto [want, got] = both(g, {{p, x}}, {ops::transpose(p, c.perm)});
    expect_equal<int32_t>(want[0], got[0]);
  }
}

Tensor ids_tensor(DType t, const std::vector<int64_t>& v) {
  if (t == DType::Int64) return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
  std::vector<int32_t> w(v.begin(), v.end());
  return Tensor::from_vector<int32_t>({static_cast<int64_t>(w.size())}, w);
}

// Gather, GatherGrad (repeated ids: their rows add up in the CPU's order, so exactly) and the
// sparse cross-entropy.
TEST(CudaOps, GatherGatherGradAndSparseCrossEntropyAgreeWithTheCpu) {
  TG_REQUIRE_GPU();
  std::mt19937 rng(7);
  for (DType id_type : {DType::Int32, DType::Int64}) {
    Graph g;
    Tensor table(DType::Float32, {50, 9});
    for (auto& v : table.flat<float>()) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    std::vector<int64_t> ids(300), labels(300);
    for (auto& v : ids) v = static_cast<int64_t>(rng() % 20);  // many repeats, some rows unused
    for (auto& v : labels) v = static_cast<int64_t>(rng() % 9);
    Output p = ops::placeholder(g, DType::Float32, {50, 9}, "p");
    Output i = ops::placeholder(g, id_type, {-1}, "i");
    Output l = ops::placeholder(g, id_type, {-1}, "l");
    Output rows = ops::gather(p, i);
    Output ce = ops::sparse_softmax_cross_entropy_with_logits(l, rows);
    Output grad = gradients({ops::reduce_sum(ce)}, {p})[0];
    auto [want, got] = both(g, {{p, table}, {i, ids_tensor(id_type, ids)}, {l, ids_tensor(id_type, labels)}},
                            {rows, ce, grad});
    expect_equal<float>(want[0], got[0]);
    expect_equal<float>(want[1], got[1], 1e-5);
    expect_equal<float>(want[2], got[2], 1e-5);
  }
}

TEST(CudaOps, BadIdsOnTheGpuAreErrorsNamingTheOp) {
  TG_REQUIRE_GPU();
  Graph g;
  Output p = ops::placeholder(g, DType::Float32, {4, 2}, "p");
  Output i = ops::placeholder(g, DType::Int32, {-1}, "i");
  Output l = ops::placeholder(g, DType::Int32, {-1}, "l");
  Output rows = ops::gather(p, i);
  Output ce = ops::sparse_softmax_cross_entropy_with_logits(l, rows);
  Session sess(g, options(true));
  Tensor table(DType::Float32, {4, 2});
  auto run = [&](std::vector<int32_t> ids, std::vector<int32_t> labels) {
    return sess.run({{p, table}, {i, Tensor::from_vector<int32_t>({3}, ids)}, {l, Tensor::from_vector<int32_t>({3}, labels)}},
                    {ce});
  };
  try {
    run({0, 4, 1}, {0, 1, 1});
    FAIL() << "an id past the table's rows must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Gather"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("index 4 at position 1"), std::string::npos) << e.what();
  }
  try {
    run({0, 1, 1}, {0, -1, 1});
    FAIL() << "a negative label must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SparseSoftmaxCrossEntropyWithLogits"), std::string::npos) << e.what();
  }
  // The error is cleared: good ids run again.
  EXPECT_EQ(run({0, 1, 3}, {0, 1, 1})[0].num_elements(), 3);
}

// Every node of a training step is on the GPU (constants aside), and the step is replayed as a
// CUDA graph, so it synchronizes only where the loss is fetched.
void expect_trains_on_the_gpu(Graph& g, Output loss, Node* train, Node* init, const std::function<FeedList(int)>& batch) {
  Session cpu(g, options(false)), gpu(g, options(true));
  cpu.run(init);
  gpu.run(init);
  std::vector<double> a, b;
  for (int step = 0; step < 30; ++step) {
    FeedList f = batch(step);
    a.push_back(cpu.run(f, {loss}, {train})[0].scalar_as_double());
    b.push_back(gpu.run(f, {loss}, {train})[0].scalar_as_double());
  }
  for (const auto& [name, dev] : gpu.last_plan()->placements()) {
    if (g.find(name)->op != "Const") {
      EXPECT_EQ(dev, "/gpu:0") << name << " (" << g.find(name)->op << ")";
    }
  }
  EXPECT_GT(gpu.last_plan()->num_graph_launches(), 0);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(b[k], a[k], 1e-3 * (1 + a[k])) << "step " << k;
  EXPECT_LT(b.back(), b.front() * 0.8) << "the loss must fall";
  // Steps that fetch nothing never wait for the GPU: no op of the step runs on the CPU, so no
  // copy back to the host is needed. (Their signature is warmed first: building a plan and
  // capturing its graph may synchronize.)
  Device* dev = cuda_devices()[0];
  for (int step = 0; step < 3; ++step) gpu.run(batch(step), {}, {train});
  uint64_t before = dev->host_syncs();
  for (int step = 0; step < 20; ++step) gpu.run(batch(step), {}, {train});
  EXPECT_EQ(dev->host_syncs() - before, 0u) << "host synchronizations in 20 training steps";
}

TEST(CudaOps, AnEmbeddingClassifierTrainsEntirelyOnTheGpu) {
  TG_REQUIRE_GPU();
  Graph g;
  Output ids = ops::placeholder(g, DType::Int64, {-1}, "ids");
  Output labels = ops::placeholder(g, DType::Int64, {-1}, "labels");
  Output table = ops::variable(g, {100, 16}, DType::Float32, ops::Initializer::random_uniform(-0.1, 0.1, 1));
  Output w = ops::variable(g, {16, 5}, DType::Float32, ops::Initializer::glorot_uniform(2));
  Output bias = ops::variable(g, {5}, DType::Float32, ops::Initializer::zeros());
  Output logits = ops::bias_add(ops::matmul(ops::gather(table, ids), w), bias);
  Output loss = ops::reduce_mean(ops::sparse_softmax_cross_entropy_with_logits(labels, logits));
  AdamOptimizer adam(ops::scalar(g, 1e-2));
  Node* train = adam.minimize(loss);
  Node* init = ops::global_variables_initializer(g);
  expect_trains_on_the_gpu(g, loss, train, init, [&](int step) {
    std::mt19937 rng(static_cast<uint32_t>(step));
    std::vector<int64_t> i(256), l(256);
    for (size_t k = 0; k < i.size(); ++k) {
      i[k] = static_cast<int64_t>(rng() % 100);
      l[k] = i[k] % 5;  // the class is a function of the id
    }
    return FeedList{{ids, Tensor::from_vector<int64_t>({256}, i)}, {labels, Tensor::from_vector<int64_t>({256}, l)}};
  });
}

TEST(CudaOps, ASoftmaxClassifierTrainsEntirelyOnTheGpu) {
  TG_REQUIRE_GPU();
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 8}, "x");
  Output labels = ops::placeholder(g, DType::Int32, {-1}, "labels");
  Output w = ops::variable(g, {8, 4}, DType::Float32, ops::Initializer::glorot_uniform(3));
  Output bias = ops::variable(g, {4}, DType::Float32, ops::Initializer::zeros());
  Output logits = ops::bias_add(ops::matmul(x, w), bias);
  Output loss = ops::reduce_mean(ops::sparse_softmax_cross_entropy_with_logits(labels, logits));
  AdamOptimizer adam(ops::scalar(g, 1e-2));
  Node* train = adam.minimize(loss);
  Node* init = ops::global_variables_initializer(g);
  expect_trains_on_the_gpu(g, loss, train, init, [&](int step) {
    std::mt19937 rng(static_cast<uint32_t>(step));
    std::normal_distribution<float> n;
    Tensor xs(DType::Float32, {256, 8});
    std::vector<int32_t> l(256);
    for (int64_t r = 0; r < 256; ++r) {
      float* f = xs.data<float>() + r * 8;
      for (int j = 0; j < 8; ++j) f[j] = n(rng);
      l[static_cast<size_t>(r)] = (f[0] > 0 ? 1 : 0) + (f[1] > 0 ? 2 : 0);
    }
    return FeedList{{x, xs}, {labels, Tensor::from_vector<int32_t>({256}, l)}};
  });
}

}  // namespace
}  // namespace tg
