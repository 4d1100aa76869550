// Variable initializers: their distributions, bounds and seeding.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/ops.h"
#include "runtime/session.h"

namespace tg {
namespace {

std::vector<double> initial(const ops::Initializer& init, Shape shape = {200, 50}) {
  Graph g;
  Output v = ops::variable(g, shape, DType::Float64, init);
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  return s.variable_value(v).to_vector<double>();
}

void mean_sd(const std::vector<double>& v, double* mean, double* sd) {
  *mean = 0;
  for (double x : v) *mean += x / static_cast<double>(v.size());
  *sd = 0;
  for (double x : v) *sd += (x - *mean) * (x - *mean) / static_cast<double>(v.size());
  *sd = std::sqrt(*sd);
}

TEST(Initializers, ConstantsFillTheShape) {
  EXPECT_EQ(initial(ops::Initializer::zeros(), {3}), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(initial(ops::Initializer::ones(), {2}), (std::vector<double>{1, 1}));
  EXPECT_EQ(initial(ops::Initializer::constant(2.5), {2}), (std::vector<double>{2.5, 2.5}));
}

TEST(Initializers, RandomNormalHasItsMeanAndDeviation) {
  double m, sd;
  mean_sd(initial(ops::Initializer::random_normal(1.0, 0.5, 11)), &m, &sd);
  EXPECT_NEAR(m, 1.0, 0.03);
  EXPECT_NEAR(sd, 0.5, 0.02);
}

TEST(Initializers, TruncatedNormalStaysWithinTwoDeviations) {
  auto v = initial(ops::Initializer::truncated_normal(0.0, 0.1, 12));
  for (double x : v) ASSERT_LE(std::abs(x), 0.2 + 1e-12);
  double m, sd;
  mean_sd(v, &m, &sd);
  EXPECT_NEAR(sd, 0.088, 0.01);  // the standard deviation of a normal truncated at 2 sigma
}

TEST(Initializers, UniformAndGlorotRespectTheirBounds) {
  for (double x : initial(ops::Initializer::random_uniform(-3, -1, 13))) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, -1);
  }
  double limit = std::sqrt(6.0 / (200 + 50)), hi = 0;
  for (double x : initial(ops::Initializer::glorot_uniform(14))) {
    ASSERT_LE(std::abs(x), limit);
    hi = std::max(hi, std::abs(x));
  }
  EXPECT_GT(hi, 0.95 * limit);
}

TEST(Initializers, SeedsRepeatAndDiffer) {
  EXPECT_EQ(initial(ops::Initializer::random_normal(0, 1, 5)), initial(ops::Initializer::random_normal(0, 1, 5)));
  EXPECT_NE(initial(ops::Initializer::random_normal(0, 1, 5)), initial(ops::Initializer::random_normal(0, 1, 6)));
  // Without explicit seeds, a graph built the same way initializes the same way.
  EXPECT_EQ(initial(ops::Initializer::glorot_uniform()), initial(ops::Initializer::glorot_uniform()));
}

}  // namespace
}  // namespace tg
