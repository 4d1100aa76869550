// The table-driven op test: every op of tests/op_cases.cpp runs through a session on the CPU
// in float32 and float64 against its naive reference, on the GPU against the CPU (skipped
// without a GPU), and every differentiable input's symbolic gradient is compared with central
// finite differences in float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "graph/gradients.h"
#include "graph/op_registry.h"
#include "op_cases.h"
#include "runtime/device.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg::testing {
namespace {

struct Inputs {
  std::vector<Output> placeholders;
  FeedList feeds;
  std::vector<Ref> refs;
};

Inputs make_inputs(Graph& g, const OpCase& c, DType float_type, uint32_t seed) {
  std::mt19937 rng(seed);
  Inputs in;
  for (const auto& spec : c.inputs) {
    int64_t n = spec.shape.num_elements();
    Ref r{spec.shape, std::vector<double>(static_cast<size_t>(n))};
    for (auto& v : r.v) {
      if (spec.ids > 0) {
        v = static_cast<double>(std::uniform_int_distribution<int64_t>(0, spec.ids - 1)(rng));
      } else if (spec.is_bool) {
        v = std::uniform_int_distribution<int>(0, 1)(rng);
      } else {
        do v = std::uniform_real_distribution<double>(spec.lo, spec.hi)(rng);
        while (std::abs(v) < spec.gap);
        if (float_type == DType::Float32) v = static_cast<float>(v);  // the reference sees what the kernel sees
      }
    }
    DType t = spec.ids > 0 ? (spec.int32 ? DType::Int32 : DType::Int64)
                           : spec.is_bool ? DType::Bool : float_type;
    Tensor tensor(t, spec.shape);
    visit_dtype(t, [&](auto z) {
      using T = decltype(z);
      for (int64_t i = 0; i < n; ++i) tensor.data<T>()[i] = static_cast<T>(r.v[static_cast<size_t>(i)]);
    });
    Output p = ops::placeholder(g, t, spec.shape);
    in.placeholders.push_back(p);
    in.feeds.emplace_back(p, tensor);
    in.refs.push_back(std::move(r));
  }
  return in;
}

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> r(static_cast<size_t>(t.num_elements()));
  visit_dtype(t.dtype(), [&](auto z) {
    using T = decltype(z);
    for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<double>(t.data<T>()[i]);
  });
  return r;
}

uint32_t seed_of(const std::string& name) {
  return static_cast<uint32_t>(std::hash<std::string>()(name) & 0x7fffffff);
}

SessionOptions cpu_only() {
  SessionOptions o;
  o.use_gpus = false;
  return o;
}

class OpForward : public ::testing::TestWithParam<OpCase> {};
class OpOnGpu : public ::testing::TestWithParam<OpCase> {};
class OpGradient : public ::testing::TestWithParam<OpCase> {};

std::vector<OpCase> differentiable_cases() {
  std::vector<OpCase> r;
  for (auto& c : all_op_cases())
    if (!c.grad_inputs.empty()) r.push_back(c);
  return r;
}

TEST_P(OpForward, CpuMatchesNaiveReference) {
  const OpCase& c = GetParam();
  for (DType t : {DType::Float32, DType::Float64}) {
    Graph g;
    Inputs in = make_inputs(g, c, t, seed_of(c.name));
    Output out = c.build(in.placeholders);
    Ref want = c.reference(in.refs);
    Session sess(g, cpu_only());
    Tensor got = sess.run(in.feeds, {out})[0];
    ASSERT_EQ(got.shape(), want.shape) << c.name << " " << dtype_name(t);
    auto v = to_doubles(got);
    double tol = t == DType::Float32 ? c.tol32 : 1e-9;
    for (size_t i = 0; i < v.size(); ++i)
      ASSERT_NEAR(v[i], want.v[i], tol * (1 + std::abs(want.v[i])))
          << c.name << " " << dtype_name(t) << " element " << i;
  }
}

TEST_P(OpGradient, MatchesFiniteDifferences) {
  const OpCase& c = GetParam();
  Graph g;
  Inputs in = make_inputs(g, c, DType::Float64, seed_of(c.name));
  Output out = c.build(in.placeholders);
  ASSERT_TRUE(is_floating(out.dtype()));
  // loss = sum(out * w) with fixed random weights, so every output element matters differently.
  std::mt19937 rng(7);
  Tensor w(DType::Float64, out.shape());
  for (auto& x : w.flat<double>()) x = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  Output loss = ops::reduce_sum(ops::mul(out, ops::constant(g, w)));
  std::vector<Output> xs;
  for (int k : c.grad_inputs) xs.push_back(in.placeholders[static_cast<size_t>(k)]);
  auto grads = gradients({loss}, xs);
  Session sess(g, cpu_only());
  for (size_t gi = 0; gi < xs.size(); ++gi) {
    ASSERT_TRUE(grads[gi]) << c.name << ": no gradient for input " << c.grad_inputs[gi];
    auto symbolic = to_doubles(sess.run(in.feeds, {grads[gi]})[0]);
    size_t k = static_cast<size_t>(c.grad_inputs[gi]);
    Tensor x = in.feeds[k].second;
    ASSERT_EQ(symbolic.size(), static_cast<size_t>(x.num_elements()));
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      const double h = 1e-6, x0 = x.data<double>()[i];
      FeedList feeds = in.feeds;
      Tensor shifted = x.clone();
      feeds[k].second = shifted;
      shifted.data<double>()[i] = x0 + h;
      double up = sess.run(feeds, {loss})[0].scalar_as_double();
      shifted.data<double>()[i] = x0 - h;
      double down = sess.run(feeds, {loss})[0].scalar_as_double();
      double numeric = (up - down) / (2 * h);
      ASSERT_NEAR(symbolic[static_cast<size_t>(i)], numeric, 1e-6 + 1e-5 * std::abs(numeric))
          << c.name << ": d loss / d input " << k << " element " << i;
    }
  }
}

// The same inputs through a CPU session and a GPU session. An op with a CUDA kernel must run
// on the GPU and agree with the CPU within the case's tolerance (float32) or 1e-9 (float64);
// one without runs on the CPU with copies around it and must agree all the same.
TEST_P(OpOnGpu, MatchesCpu) {
  if (cuda_devices().empty()) GTEST_SKIP() << "no GPU: " << cuda_unavailable_reason();
  const OpCase& c = GetParam();
  for (DType t : {DType::Float32, DType::Float64}) {
    Graph g;
    Inputs in = make_inputs(g, c, t, seed_of(c.name));
    Output out = c.build(in.placeholders);
    Session cpu(g, cpu_only()), gpu(g);
    auto want = to_doubles(cpu.run(in.feeds, {out})[0]);
    Tensor got_t = gpu.run(in.feeds, {out})[0];
    bool has_kernel = find_kernel(out.node->op, DeviceType::CUDA, kernel_dtype(*out.node)) != nullptr;
    std::string where;
    for (const auto& [name, dev] : gpu.last_plan()->placements())
      if (name == out.node->name) where = dev;
    EXPECT_EQ(where, has_kernel ? "/gpu:0" : "/cpu:0") << c.name << " " << dtype_name(t);
    auto got = to_doubles(got_t);
    ASSERT_EQ(got.size(), want.size());
    double tol = t == DType::Float32 ? std::max(c.tol32, 1e-5) : 1e-9;
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << c.name << " " << dtype_name(t) << " element " << i;
  }
}

// Ops that tests/op_cases.cpp does not build, each with where it is tested instead. A new op
// needs a case or a line here, or the test below fails (as ggml's test-backend-ops does).
const std::map<std::string, std::string>& exempt_ops() {
  static const std::map<std::string, std::string> exempt = {
      {"Variable", "state: tests/runtime/session_test.cpp, checkpoint_test.cpp"},
      {"NoOp", "control only: the global variables initializer in every training test"},
      {"Assign", "state: tests/runtime/session_test.cpp"},
      {"AssignAdd", "state: tests/runtime/session_test.cpp"},
      {"AssignSub", "state: tests/runtime/session_test.cpp"},
      {"ApplyGradientDescent", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"ApplyMomentum", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"ApplyAdagrad", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"ApplyRMSProp", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"ApplyAdam", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"ApplyFtrl", "optimizer update: tests/graph/optimizers_test.cpp"},
      {"FusedMatMul", "made by the session's fusion pass: tests/runtime/session_test.cpp"},
      {"DropoutMask", "random: tests/runtime/session_test.cpp (rate, scaling, fresh draws)"},
      {"RandomNormal", "random: tests/graph/initializers_test.cpp"},
      {"TruncatedNormal", "random: tests/graph/initializers_test.cpp"},
      {"RandomUniform", "random: tests/graph/initializers_test.cpp"},
      {"Fill", "an initializer: tests/graph/initializers_test.cpp"},
      {"Bucketize", "feature column op: tests/kernels/feature_ops_test.cpp"},
      {"VocabularyLookup", "feature column op: tests/kernels/feature_ops_test.cpp"},
      {"HashBucket", "feature column op: tests/kernels/feature_ops_test.cpp"},
      {"CrossHash", "feature column op: tests/kernels/feature_ops_test.cpp"},
      {"CheckIds", "feature column op: tests/kernels/feature_ops_test.cpp"},
      {"TimestampPart", "feature column op: tests/kernels/feature_ops_test.cpp"},
  };
  return exempt;
}

// The ops that the cases' forward and gradient graphs contain.
std::set<std::string> ops_in_cases() {
  std::set<std::string> ops;
  for (const OpCase& c : all_op_cases()) {
    Graph g;
    Inputs in = make_inputs(g, c, DType::Float64, seed_of(c.name));
    Output out = c.build(in.placeholders);
    if (!c.grad_inputs.empty()) {
      std::vector<Output> xs;
      for (int k : c.grad_inputs) xs.push_back(in.placeholders[static_cast<size_t>(k)]);
      gradients({ops::reduce_sum(out)}, xs);
    }
    for (const auto& n : g.nodes()) ops.insert(n->op);
  }
  return ops;
}

TEST(OpCoverage, EveryRegisteredOpHasACaseOrAStatedExemption) {
  std::set<std::string> covered = ops_in_cases();
  for (const std::string& op : registered_ops()) {
    bool exempt = exempt_ops().count(op) > 0;
    EXPECT_TRUE(covered.count(op) || exempt)
        << "op " << op << " has no case in tests/op_cases.cpp and no exemption in exempt_ops()";
    EXPECT_FALSE(covered.count(op) && exempt) << "op " << op << " has a case: drop its exemption";
  }
  std::vector<std::string> registered = registered_ops();
  for (const auto& [op, why] : exempt_ops())
    if (!std::count(registered.begin(), registered.end(), op))
      ADD_FAILURE() << "exempt op " << op << " is not registered (" << why << ")";
}

std::string case_name(const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; }
INSTANTIATE_TEST_SUITE_P(AllOps, OpForward, ::testing::ValuesIn(all_op_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(AllOps, OpOnGpu, ::testing::ValuesIn(all_op_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(DifferentiableOps, OpGradient, ::testing::ValuesIn(differentiable_cases()),
                         case_name);

}  // namespace
}  // namespace tg::testing
