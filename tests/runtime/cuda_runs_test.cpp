// The CUDA device under conditions a single fixed-shape run does not show: batch sizes that
// change (recapture, staging that grows, alternating sizes), dropout and float64 inside
// captured training steps, broadcasting at rank 4, fused matmul epilogues at odd sizes, and
// sessions on one GPU used from many threads at once. Each compares against the CPU and skips
// itself on a machine without a GPU.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/device.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg {
namespace {

#define TG_REQUIRE_GPU() \
  if (cuda_devices().empty()) GTEST_SKIP() << "no GPU: " << cuda_unavailable_reason()

SessionOptions on(bool gpus) {
  SessionOptions o;
  o.use_gpus = gpus;
  return o;
}

Tensor random(DType dtype, const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n;
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i)
    if (dtype == DType::Float64) t.data<double>()[i] = n(rng);
    else t.data<float>()[i] = static_cast<float>(n(rng));
  return t;
}

void expect_near(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    double a = got.dtype() == DType::Float64 ? got.data<double>()[i] : got.data<float>()[i];
    double b = want.dtype() == DType::Float64 ? want.data<double>()[i] : want.data<float>()[i];
    ASSERT_NEAR(a, b, tol * (1 + std::abs(b))) << what << " at " << i;
  }
}

// A small regression network: 8 -> 32 -> 1, with optional dropout, in float32 or float64.
struct Net {
  Graph g;
  Output x, y, pred, loss;
  Node* train = nullptr;
  Node* init = nullptr;
  Net(DType dtype, double dropout_rate = 0) {
    x = ops::placeholder(g, dtype, {-1, 8}, "x");
    y = ops::placeholder(g, dtype, {-1, 1}, "y");
    Output k1 = ops::variable(g, {8, 32}, dtype, ops::Initializer::glorot_uniform(1));
    Output b1 = ops::variable(g, {32}, dtype, ops::Initializer::zeros());
    Output k2 = ops::variable(g, {32, 1}, dtype, ops::Initializer::glorot_uniform(2));
    Output b2 = ops::variable(g, {1}, dtype, ops::Initializer::zeros());
    Output h = ops::relu(ops::bias_add(ops::matmul(x, k1), b1));
    if (dropout_rate > 0) h = ops::dropout(h, dropout_rate, 7);
    pred = ops::bias_add(ops::matmul(h, k2), b2);
    loss = ops::mean_squared_error(y, pred);
    train = AdamOptimizer(ops::scalar(g, 1e-2, dtype)).minimize(loss);
    init = ops::global_variables_initializer(g);
  }
  FeedList batch(int step, int64_t rows) const {
    Tensor xs = random(x.dtype(), {rows, 8}, static_cast<uint32_t>(step));
    Tensor ys = random(x.dtype(), {rows, 1}, static_cast<uint32_t>(step + 1000));
    return {{x, xs}, {y, ys}};
  }
  std::vector<double> train_losses(Session& s, const std::vector<int64_t>& sizes) const {
    s.run(init);
    std::vector<double> losses;
    for (size_t i = 0; i < sizes.size(); ++i)
      losses.push_back(s.run(batch(static_cast<int>(i), sizes[i]), {loss}, {train})[0].scalar_as_double());
    return losses;
  }
};

void expect_same_losses(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol * (1 + want[i])) << "step " << i;
}

TEST(CudaRuns, ChangingBatchSizesRecaptureAndMatchTheCpu) {
  TG_REQUIRE_GPU();
  Net m(DType::Float32);
  // Growing sizes regrow the page-locked staging; alternating ones switch graphs back and forth.
  std::vector<int64_t> sizes{16, 16, 16, 256, 256, 256, 1000, 1000, 1000};
  for (int i = 0; i < 12; ++i) sizes.push_back(i % 2 ? 64 : 200);
  Session cpu(m.g, on(false)), gpu(m.g, on(true));
  expect_same_losses(m.train_losses(gpu, sizes), m.train_losses(cpu, sizes), 1e-3);
  EXPECT_GT(gpu.last_plan()->num_graph_launches(), 0);
}

TEST(CudaRuns, AlternatingBatchSizesReuseTheirGraphs) {
  TG_REQUIRE_GPU();
  Net m(DType::Float32);
  Session gpu(m.g, on(true));
  std::vector<int64_t> warm{64, 64, 64, 200, 200, 200};
  m.train_losses(gpu, warm);
  // A step may hold several segments (feed copies split them): count one steady step's.
  int before = gpu.last_plan()->num_graph_launches();
  gpu.run(m.batch(0, 200), {m.loss}, {m.train});
  int per_step = gpu.last_plan()->num_graph_launches() - before;
  ASSERT_GT(per_step, 0);
  before = gpu.last_plan()->num_graph_launches();
  for (int i = 0; i < 10; ++i) gpu.run(m.batch(i, i % 2 ? 64 : 200), {m.loss}, {m.train});
  // Every run replayed the graphs kept for its size: none ran kernel by kernel again.
  EXPECT_EQ(gpu.last_plan()->num_graph_launches() - before, 10 * per_step);
  EXPECT_EQ(gpu.last_plan()->num_shape_states(), 2);
}

TEST(CudaRuns, DropoutInsideACapturedTrainingStepMatchesTheCpu) {
  TG_REQUIRE_GPU();
  Net m(DType::Float32, 0.3);
  std::vector<int64_t> sizes(20, 128);
  Session cpu(m.g, on(false)), gpu(m.g, on(true));
  auto want = m.train_losses(cpu, sizes), got = m.train_losses(gpu, sizes);
  expect_same_losses(got, want, 1e-3);
  EXPECT_GT(gpu.last_plan()->num_graph_launches(), 0);
  // A fresh mask per run, even though the rest of the step is replayed.
  FeedList f = m.batch(0, 128);
  double a = gpu.run(f, {m.loss})[0].scalar_as_double(), b = gpu.run(f, {m.loss})[0].scalar_as_double();
  EXPECT_NE(a, b);
}

TEST(CudaRuns, Float64TrainingWithGraphsMatchesTheCpu) {
  TG_REQUIRE_GPU();
  Net m(DType::Float64);
  std::vector<int64_t> sizes(15, 100);
  Session cpu(m.g, on(false)), gpu(m.g, on(true));
  expect_same_losses(m.train_losses(gpu, sizes), m.train_losses(cpu, sizes), 1e-9);
  EXPECT_GT(gpu.last_plan()->num_graph_launches(), 0);
}

TEST(CudaRuns, BroadcastingAtRank4MatchesTheCpu) {
  TG_REQUIRE_GPU();
  Graph g;
  Output a = ops::placeholder(g, DType::Float32, {2, 1, 3, 4}, "a");
  Output b = ops::placeholder(g, DType::Float32, {1, 5, 1, 4}, "b");
  Output c = ops::placeholder(g, DType::Float32, {4}, "c");
  Output out = ops::add(ops::mul(a, b), c);
  FeedList f{{a, random(DType::Float32, {2, 1, 3, 4}, 1)}, {b, random(DType::Float32, {1, 5, 1, 4}, 2)},
             {c, random(DType::Float32, {4}, 3)}};
  Session cpu(g, on(false)), gpu(g, on(true));
  for (int i = 0; i < 3; ++i) expect_near(gpu.run(f, {out})[0], cpu.run(f, {out})[0], 1e-6, "rank 4");
}

TEST(CudaRuns, FusedMatMulEpiloguesAtOddSizesMatchTheCpu) {
  TG_REQUIRE_GPU();
  for (int64_t m : {1, 3, 17, 1000})
    for (int64_t n : {1, 3, 17, 1000})
      for (const char* act : {"none", "relu", "sigmoid"}) {
        Graph g;
        Output x = ops::placeholder(g, DType::Float32, {-1, 17}, "x");
        Output w = ops::constant(g, random(DType::Float32, {17, n}, 5));
        Output bias = ops::constant(g, random(DType::Float32, {n}, 6));
        Output y = ops::bias_add(ops::matmul(x, w), bias);
        if (std::string(act) == "relu") y = ops::relu(y);
        if (std::string(act) == "sigmoid") y = ops::sigmoid(y);
        FeedList f{{x, random(DType::Float32, {m, 17}, 7)}};
        Session cpu(g, on(false)), gpu(g, on(true));
        Tensor want = cpu.run(f, {y})[0];
        for (int i = 0; i < 3; ++i)  // direct, captured, replayed
          expect_near(gpu.run(f, {y})[0], want, 1e-4, cat(m, "x17 by 17x", n, " ", act));
        EXPECT_EQ(gpu.last_plan()->num_fused(), 1);
      }
}

// As in `tg serve`: requests for two loaded versions on handler threads while the poller loads
// a third. Each session is used by one thread at a time (the server's per-version mutex); the
// device serializes their GPU work, so captures never record another session's kernels.
TEST(CudaRuns, ConcurrentSessionsOnOneGpuMatchTheCpu) {
  TG_REQUIRE_GPU();
  Net m(DType::Float32);
  Session reference(m.g, on(false));
  reference.run(m.init);
  std::vector<Tensor> inputs, want;
  for (int i = 0; i < 8; ++i) {
    inputs.push_back(m.batch(i, 1 + 37 * i)[0].second);
    want.push_back(reference.run({{m.x, inputs.back()}}, {m.pred})[0]);
  }
  auto load = [&](Session& s) {
    s.run(m.init);
    for (Node* v : m.g.variables()) s.set_variable_value(v->out(), reference.variable_value(v->out()));
  };
  Session a(m.g, on(true)), b(m.g, on(true));
  load(a);
  load(b);
  std::mutex mu_a, mu_b;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        size_t k = static_cast<size_t>((t + i) % 8);
        Session& s = (t + i) % 2 ? a : b;
        std::lock_guard<std::mutex> lock((t + i) % 2 ? mu_a : mu_b);
        Tensor got = s.run({{m.x, inputs[k]}}, {m.pred})[0];
        for (int64_t j = 0; j < got.num_elements(); ++j)
          if (std::abs(got.data<float>()[j] - want[k].data<float>()[j]) > 1e-4f * (1 + std::abs(want[k].data<float>()[j])))
            ++failures;
      }
    });
  threads.emplace_back([&] {
    for (int round = 0; round < 5; ++round) {
      Session c(m.g, on(true));
      load(c);
      Tensor got = c.run({{m.x, inputs[3]}}, {m.pred})[0];
      expect_near(got, want[3], 1e-4, "the session loaded meanwhile");
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tg
