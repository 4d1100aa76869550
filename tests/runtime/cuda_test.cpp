// The CUDA device end to end: training on the GPU against the CPU, CUDA graph replay against
// kernel-by-kernel runs, copies around ops without a CUDA kernel, variables on the GPU, and
// errors. Every test skips itself on a machine without a GPU.
#include <gtest/gtest.h>

#include <random>

#include "graph/ops.h"
#include "graph/ops/feature.h"
#include "graph/optimizers.h"
#include "runtime/device.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg {
namespace {

#define TG_REQUIRE_GPU() \
  if (cuda_devices().empty()) GTEST_SKIP() << "no GPU: " << cuda_unavailable_reason()

SessionOptions options(bool gpus, bool graphs = true) {
  SessionOptions o;
  o.use_gpus = gpus;
  o.cuda_graphs = graphs;
  return o;
}

// The taxi-S network: 6 -> 128 -> 64 -> 32 -> 1, ReLU, mean squared error, Adam.
struct TaxiS {
  Graph g;
  Output x, y, loss;
  Node* train = nullptr;
  Node* init = nullptr;
  TaxiS() {
    x = ops::placeholder(g, DType::Float32, {-1, 6}, "x");
    y = ops::placeholder(g, DType::Float32, {-1, 1}, "y");
    Output h = x;
    std::vector<int64_t> widths{6, 128, 64, 32, 1};
    for (size_t i = 1; i < widths.size(); ++i) {
      Output k = ops::variable(g, {widths[i - 1], widths[i]}, DType::Float32,
                               ops::Initializer::glorot_uniform(static_cast<int64_t>(i)));
      Output b = ops::variable(g, {widths[i]}, DType::Float32, ops::Initializer::zeros());
      h = ops::bias_add(ops::matmul(h, k), b);
      if (i + 1 < widths.size()) h = ops::relu(h);
    }
    loss = ops::mean_squared_error(y, h);
    AdamOptimizer adam(ops::scalar(g, 1e-3));
    train = adam.minimize(loss);
    init = ops::global_variables_initializer(g);
  }
  // Fare-like targets from six features, a fixed batch per step.
  static FeedList batch(const TaxiS& m, int step, int64_t rows) {
    std::mt19937 rng(static_cast<uint32_t>(step));
    std::normal_distribution<float> n;
    Tensor xs(DType::Float32, {rows, 6}), ys(DType::Float32, {rows, 1});
    for (int64_t r = 0; r < rows; ++r) {
      float* f = xs.data<float>() + r * 6;
      for (int j = 0; j < 6; ++j) f[j] = n(rng);
      ys.data<float>()[r] = 8 + 2.5f * std::abs(f[2] - f[0]) + 2.5f * std::abs(f[3] - f[1]) + 0.3f * n(rng);
    }
    return {{m.x, xs}, {m.y, ys}};
  }
  std::vector<double> train_losses(Session& s, int steps) const {
    s.run(init);
    std::vector<double> losses;
    for (int i = 0; i < steps; ++i) {
      FeedList f = batch(*this, i, 512);
      losses.push_back(s.run(f, {loss}, {train})[0].scalar_as_double());
    }
    return losses;
  }
};

TEST(Cuda, TaxiSTrainsTheSameOnTheGpuAsOnTheCpu) {
  TG_REQUIRE_GPU();
  TaxiS m;
  Session cpu(m.g, options(false)), gpu(m.g, options(true));
  auto want = m.train_losses(cpu, 40);
  auto got = m.train_losses(gpu, 40);
  // The whole step ran on the GPU; only constants are host values, copied in once.
  for (const auto& [name, dev] : gpu.last_plan()->placements())
    if (m.g.find(name)->op != "Const") EXPECT_EQ(dev, "/gpu:0") << name;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-3 * want[i]) << "step " << i;
  EXPECT_LT(got.back(), got.front() * 0.5) << "the loss must fall";
  for (Node* v : m.g.variables()) {
    if (v->out_dtypes[0] != DType::Float32) {  // global_step: counted the same on both
      EXPECT_EQ(gpu.variable_value(v->out()).scalar_as_double(), cpu.variable_value(v->out()).scalar_as_double()) << v->name;
      continue;
    }
    auto a = cpu.variable_value(v->out()).to_vector<float>(), b = gpu.variable_value(v->out()).to_vector<float>();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(b[i], a[i], 1e-3 * (1 + std::abs(a[i]))) << v->name;
  }
}

TEST(Cuda, GraphReplayGivesExactlyTheKernelByKernelResults) {
  TG_REQUIRE_GPU();
  TaxiS m;
  Session replayed(m.g, options(true, true)), direct(m.g, options(true, false));
  auto a = m.train_losses(replayed, 20), b = m.train_losses(direct, 20);
  EXPECT_EQ(a, b);
  EXPECT_GT(replayed.last_plan()->num_graph_launches(), 0);
  EXPECT_EQ(direct.last_plan()->num_graph_launches(), 0);
}

TEST(Cuda, AnOpWithoutCudaKernelInAGpuScopeRunsOnTheCpuWithCopies) {
  TG_REQUIRE_GPU();
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1}, "x");
  Output z;
  {
    auto scope = g.device("/gpu:0");
    Output doubled = ops::mul(x, ops::scalar(g, 2.0));
    Output bucket = ops::bucketize(doubled, {0.0, 3.0});  // CPU only
    z = ops::add(ops::cast(bucket, DType::Float32), ops::scalar(g, 0.5));
  }
  Session sess(g);
  Tensor out = sess.run({{x, Tensor::from_vector<float>({4}, {-1, 0.5, 1, 2})}}, {z})[0];
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{0.5, 1.5, 1.5, 2.5}));
  const Plan* p = sess.last_plan();
  EXPECT_GE(p->num_copies(), 3);  // x in, the bucket ids out and back in
  for (const auto& [name, dev] : p->placements()) {
    if (name.find("Bucketize") != std::string::npos) EXPECT_EQ(dev, "/cpu:0");
    else if (name.find("Mul") != std::string::npos || name.find("Add") != std::string::npos) EXPECT_EQ(dev, "/gpu:0");
  }
}

TEST(Cuda, VariablesLiveOnTheGpuAndMoveThroughTheSession) {
  TG_REQUIRE_GPU();
  Graph g;
  Output v = ops::variable(g, {3}, DType::Float32, ops::Initializer::zeros(), "v");
  Output inc = ops::assign_add(v, ops::constant(g, Tensor::from_vector<float>({3}, {1, 2, 3})));
  Session sess(g);
  sess.set_variable_value(v, Tensor::from_vector<float>({3}, {10, 20, 30}));
  for (int i = 0; i < 5; ++i) sess.run(FeedList{}, {}, {inc.node});
  EXPECT_EQ(sess.variable_value(v).to_vector<float>(), (std::vector<float>{15, 30, 45}));
  bool on_gpu = false;
  for (const auto& [name, dev] : sess.last_plan()->placements()) on_gpu |= name == "v" && dev == "/gpu:0";
  EXPECT_TRUE(on_gpu);
}

TEST(Cuda, SteadyStateRunsTakeNoNewDeviceMemory) {
  TG_REQUIRE_GPU();
  TaxiS m;
  Session sess(m.g);
  m.train_losses(sess, 5);
  // The measured signature is a plan of its own: its first run runs directly, its second
  // captures, and only then is it steady.
  FeedList f = TaxiS::batch(m, 0, 512);
  for (int i = 0; i < 3; ++i) sess.run(f, {}, {m.train});
  size_t before = cuda_devices()[0]->memory_info().in_use_bytes;
  for (int i = 0; i < 50; ++i) sess.run(f, {}, {m.train});
  EXPECT_EQ(cuda_devices()[0]->memory_info().in_use_bytes, before);
}

TEST(Cuda, RunningOutOfGpuMemoryNamesTheNode) {
  TG_REQUIRE_GPU();
  Graph g;
  Output a = ops::placeholder(g, DType::Float32, {int64_t{1} << 21, 1}, "a");
  Output b = ops::placeholder(g, DType::Float32, {1, int64_t{1} << 15}, "b");
  Output huge = ops::matmul(a, b, false, false, "huge");  // 2^36 floats: 256 GiB
  Session sess(g);
  try {
    sess.run({{a, Tensor(DType::Float32, a.shape())}, {b, Tensor(DType::Float32, b.shape())}}, {huge});
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'huge'"), std::string::npos) << m;
    EXPECT_NE(m.find("out of GPU memory"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tg
