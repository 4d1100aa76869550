// MathPrecision::BFloat16 and TF32: every op case through a session whose float32 products
// compute in reduced precision, against the same naive references with each case's stated
// tolerance (tol_bf16); products really are rounded (a product of values with long mantissas
// differs from the exact one, within the bound); a small network trains to the same loss.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "graph/ops.h"
#include "graph/optimizers.h"
#include "op_cases.h"
#include "runtime/session.h"

namespace tg::testing {
namespace {

SessionOptions cpu(MathPrecision p) {
  SessionOptions o;
  o.use_gpus = false;
  o.precision = p;
  return o;
}

Tensor random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (auto& x : v) x = std::uniform_real_distribution<float>(-1, 1)(rng);
  return Tensor::from_vector<float>({rows, cols}, v);
}

class OpInBf16 : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpInBf16, MatchesTheReferenceWithinItsStatedTolerance) {
  const OpCase& c = GetParam();
  Graph g;
  std::vector<Output> in;
  FeedList feeds;
  std::vector<Ref> refs;
  std::mt19937 rng(11);
  for (const auto& spec : c.inputs) {
    int64_t n = spec.shape.num_elements();
    Ref r{spec.shape, std::vector<double>(static_cast<size_t>(n))};
    DType t = spec.ids > 0 ? (spec.int32 ? DType::Int32 : DType::Int64) : spec.is_bool ? DType::Bool : DType::Float32;
    Tensor tensor(t, spec.shape);
    for (int64_t i = 0; i < n; ++i) {
      double v;
      if (spec.ids > 0) v = static_cast<double>(std::uniform_int_distribution<int64_t>(0, spec.ids - 1)(rng));
      else if (spec.is_bool) v = std::uniform_int_distribution<int>(0, 1)(rng);
      else do v = static_cast<float>(std::uniform_real_distribution<double>(spec.lo, spec.hi)(rng));
        while (std::abs(v) < spec.gap);
      r.v[static_cast<size_t>(i)] = v;
      visit_dtype(t, [&](auto z) { tensor.data<decltype(z)>()[i] = static_cast<decltype(z)>(v); });
    }
    Output p = ops::placeholder(g, t, spec.shape);
    in.push_back(p);
    feeds.emplace_back(p, tensor);
    refs.push_back(std::move(r));
  }
  Output out = c.build(in);
  Ref want = c.reference(refs);
  Session s(g, cpu(MathPrecision::BFloat16));
  Tensor got = s.run(feeds, {out})[0];
  ASSERT_EQ(got.shape(), want.shape);
  double tol = c.tol_bf16 >= 0 ? c.tol_bf16 : c.tol32;
  visit_dtype(got.dtype(), [&](auto z) {
    using T = decltype(z);
    for (int64_t i = 0; i < got.num_elements(); ++i) {
      double w = want.v[static_cast<size_t>(i)];
      ASSERT_NEAR(static_cast<double>(got.data<T>()[i]), w, tol * (1 + std::abs(w))) << c.name << " element " << i;
    }
  });
}

std::string case_name(const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; }
INSTANTIATE_TEST_SUITE_P(AllOps, OpInBf16, ::testing::ValuesIn(all_op_cases()), case_name);

// The products really run in bf16: exact within bf16's rounding, but not bit-equal to f32.
TEST(Bf16, ProductsAreRoundedToBf16InputsWithFloat32Accumulation) {
  Graph g;
  Output a = ops::placeholder(g, DType::Float32, {64, 96}), b = ops::placeholder(g, DType::Float32, {96, 48});
  Output y = ops::matmul(a, b), yt = ops::matmul(b, a, true, true);  // the transposed form too
  FeedList feeds{{a, random_matrix(64, 96, 1)}, {b, random_matrix(96, 48, 2)}};
  Session exact(g, cpu(MathPrecision::Float32)), bf16(g, cpu(MathPrecision::BFloat16));
  auto e = exact.run(feeds, {y, yt}), h = bf16.run(feeds, {y, yt});
  for (int k = 0; k < 2; ++k) {
    double max_diff = 0, scale = 0;
    for (int64_t i = 0; i < e[k].num_elements(); ++i) {
      max_diff = std::max(max_diff, std::abs(double(e[k].data<float>()[i]) - h[k].data<float>()[i]));
      scale = std::max(scale, std::abs(double(e[k].data<float>()[i])));
    }
    // Each input is rounded by at most 2^-9 relative; over 96 terms of |x| <= 1 the error is
    // far below 96 * 2 * 2^-9 and far above float32's rounding.
    EXPECT_GT(max_diff, 1e-5 * scale) << "the product did not run in bf16";
    EXPECT_LT(max_diff, 96 * 2.0 / 512) << "bf16 product too far from the exact one";
  }
  // TF32 on the CPU is float32 exactly (the CPU has no TF32).
  Session tf32(g, cpu(MathPrecision::TF32));
  auto t = tf32.run(feeds, {y});
  for (int64_t i = 0; i < t[0].num_elements(); ++i) ASSERT_EQ(t[0].data<float>()[i], e[0].data<float>()[i]);
}

// A two-layer network trained with Adam in bf16 follows the float32 loss curve closely: its
// fused forward products (bias and activation in the primitive) and its gradients' products
// run in bf16 while the weights and Adam's state stay float32.
TEST(Bf16, ANetworkTrainsAsInFloat32) {
  auto train = [](MathPrecision p) {
    Graph g;
    Output x = ops::placeholder(g, DType::Float32, {-1, 8}, "x"), y = ops::placeholder(g, DType::Float32, {-1, 1}, "y");
    Output w1 = ops::variable(g, {8, 32}, DType::Float32, ops::Initializer::glorot_uniform(1), "w1");
    Output b1 = ops::variable(g, {32}, DType::Float32, ops::Initializer::zeros(), "b1");
    Output w2 = ops::variable(g, {32, 1}, DType::Float32, ops::Initializer::glorot_uniform(2), "w2");
    Output b2 = ops::variable(g, {1}, DType::Float32, ops::Initializer::zeros(), "b2");
    Output h = ops::relu(ops::bias_add(ops::matmul(x, w1), b1));
    Output loss = ops::mean_squared_error(y, ops::bias_add(ops::matmul(h, w2), b2));
    Node* step = AdamOptimizer(ops::scalar(g, 0.01)).minimize(loss);
    Tensor xs = random_matrix(256, 8, 3);
    std::vector<float> ys(256);
    for (int i = 0; i < 256; ++i) {
      const float* r = xs.data<float>() + i * 8;
      ys[static_cast<size_t>(i)] = r[0] * r[1] + std::sin(3 * r[2]) - r[3];
    }
    FeedList feeds{{x, xs}, {y, Tensor::from_vector<float>({256, 1}, ys)}};
    Session s(g, cpu(p));
    s.run(ops::global_variables_initializer(g));
    std::vector<double> curve;
    for (int i = 0; i < 200; ++i) curve.push_back(s.run(feeds, {loss}, {step})[0].scalar_as_double());
    EXPECT_EQ(s.variable_value(w1).dtype(), DType::Float32);
    return curve;
  };
  auto f32 = train(MathPrecision::Float32), bf16 = train(MathPrecision::BFloat16);
  EXPECT_LT(bf16.back(), 0.5 * bf16.front()) << "bf16 training did not learn";
  EXPECT_NEAR(bf16.back(), f32.back(), 0.05 * f32.front()) << "bf16 loss " << bf16.back() << ", f32 " << f32.back();
}

}  // namespace
}  // namespace tg::testing
