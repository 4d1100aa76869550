// Searches in-process (no trials run): the Gaussian process and expected improvement, the grid,
// reproducibility from the seed, and Bayesian optimization against random search on Branin.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "tuning/gp.h"
#include "tuning/random.h"
#include "tuning/search.h"

namespace tg::tuning {
namespace {

double branin(double x1, double x2) {
  double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

StudyConfig branin_config(Algorithm alg) {
  StudyConfig c;
  c.algorithm = alg;
  ParamSpec x1, x2;
  x1.name = "x1", x1.min = -5, x1.max = 10;
  x2.name = "x2", x2.min = 0, x2.max = 15;
  c.space.params = {x1, x2};
  return c;
}

// A sequential study of n evaluations; returns every proposal and the best value.
double run_study(const StudyConfig& c, uint64_t seed, int n, std::vector<Assignment>* proposals = nullptr) {
  auto search = make_search(c, seed);
  std::vector<Observation> done;
  double best = INFINITY;
  for (int i = 0; i < n; ++i) {
    auto a = search->propose(i, done, {});
    EXPECT_TRUE(a.has_value());
    double y = branin((*a)[0].number, (*a)[1].number);
    best = std::min(best, y);
    done.push_back({*a, y});
    if (proposals) proposals->push_back(*a);
  }
  return best;
}

TEST(TuningGp, LogMarginalLikelihoodGradientMatchesFiniteDifferences) {
  Rng rng(11);
  Eigen::MatrixXd X(12, 3);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    for (int j = 0; j < 3; ++j) X(i, j) = rng.uniform();
    y(i) = std::sin(4 * X(i, 0)) + X(i, 1) * X(i, 1) + 0.05 * rng.normal();
  }
  GaussianProcess gp;
  GpHyper h;
  h.log_lengths = Eigen::Vector3d(std::log(0.3), std::log(0.7), std::log(2.0));
  h.log_signal = std::log(1.3);
  h.log_noise = std::log(0.01);
  gp.condition(X, y, h);
  Eigen::VectorXd g;
  gp.log_marginal_likelihood(h, &g);
  ASSERT_EQ(g.size(), 5);
  auto at = [&](int k, double delta) {
    GpHyper p = h;
    if (k < 3) p.log_lengths(k) += delta;
    else if (k == 3) p.log_signal += delta;
    else p.log_noise += delta;
    return gp.log_marginal_likelihood(p, nullptr);
  };
  for (int k = 0; k < 5; ++k) {
    double fd = (at(k, 1e-5) - at(k, -1e-5)) / 2e-5;
    EXPECT_NEAR(g(k), fd, 1e-4 * std::max(1.0, std::abs(fd))) << "parameter " << k;
  }
}

TEST(TuningGp, FitsAndInterpolatesASmoothFunction) {
  Rng rng(5);
  Eigen::MatrixXd X(25, 1);
  Eigen::VectorXd y(25);
  for (int i = 0; i < 25; ++i) X(i, 0) = i / 24.0, y(i) = 3 + 2 * std::sin(6 * X(i, 0));
  GaussianProcess gp;
  gp.fit(X, y, rng);
  for (double x : {0.13, 0.5, 0.77}) {
    double m = 0, v = 0;
    gp.predict(Eigen::VectorXd::Constant(1, x), m, v);
    EXPECT_NEAR(m, 3 + 2 * std::sin(6 * x), 0.02) << x;
    EXPECT_LT(v, 0.01);
  }
  // Far from the data the uncertainty comes back.
  Eigen::MatrixXd X2(2, 1);
  X2 << 0.0, 0.1;
  Eigen::VectorXd y2(2);
  y2 << 1, 2;
  gp.condition(X2, y2, gp.hyper());
  double m = 0, near = 0, far = 0;
  gp.predict(Eigen::VectorXd::Constant(1, 0.05), m, near);
  gp.predict(Eigen::VectorXd::Constant(1, 1.0), m, far);
  EXPECT_GT(far, near);
}

TEST(TuningGp, ExpectedImprovement) {
  EXPECT_NEAR(expected_improvement(1.0, 0.0, 2.0), 1.0, 1e-12);  // certain gain
  EXPECT_EQ(expected_improvement(3.0, 0.0, 2.0), 0.0);            // certain loss
  EXPECT_NEAR(expected_improvement(2.0, 1.0, 2.0), 1 / std::sqrt(2 * M_PI), 1e-12);
  EXPECT_GT(expected_improvement(2.5, 4.0, 2.0), expected_improvement(2.5, 1.0, 2.0));  // uncertainty is worth something
}

TEST(TuningSearch, GridCoversTheGridOnce) {
  StudyConfig c;
  c.algorithm = Algorithm::Grid;
  ParamSpec units, batch, layers;
  units.name = "u", units.type = ParamType::Categorical, units.categories = {"a", "b", "c"};
  batch.name = "b", batch.type = ParamType::Discrete, batch.values = {64, 128};
  layers.name = "l", layers.type = ParamType::Integer, layers.min = 2, layers.max = 5;
  c.space.params = {units, batch, layers};
  auto search = make_search(c, 1);
  std::set<std::vector<double>> seen;
  for (int i = 0; i < 24; ++i) {
    auto a = search->propose(i, {}, {});
    ASSERT_TRUE(a.has_value()) << i;
    seen.insert({static_cast<double>((*a)[0].category), (*a)[1].number, (*a)[2].number});
  }
  EXPECT_EQ(seen.size(), 24u);
  EXPECT_FALSE(search->propose(24, {}, {}).has_value());
  // The order: the last parameter changes fastest.
  auto first = search->propose(0, {}, {}), second = search->propose(1, {}, {});
  EXPECT_EQ((*first)[2].number, 2);
  EXPECT_EQ((*second)[2].number, 3);
  EXPECT_EQ((*second)[0].category, 0);
}

TEST(TuningSearch, TheSameSeedGivesTheSameStudy) {
  for (Algorithm alg : {Algorithm::Bayesian, Algorithm::Random}) {
    std::vector<Assignment> a, b, other;
    run_study(branin_config(alg), 5, 14, &a);
    run_study(branin_config(alg), 5, 14, &b);
    run_study(branin_config(alg), 6, 14, &other);
    EXPECT_EQ(a, b) << algorithm_name(alg);
    EXPECT_NE(a, other) << algorithm_name(alg);
  }
}

TEST(TuningSearch, ParallelProposalsAreApart) {
  // With a trial running at the point the first proposal chose, the constant liar moves the
  // second one elsewhere.
  StudyConfig c = branin_config(Algorithm::Bayesian);
  auto search = make_search(c, 2);
  std::vector<Observation> done;
  for (int i = 0; i < 8; ++i) {
    auto a = search->propose(i, done, {});
    done.push_back({*a, branin((*a)[0].number, (*a)[1].number)});
  }
  auto p1 = search->propose(8, done, {});
  auto p2 = search->propose(9, done, {*p1});
  ASSERT_TRUE(p1 && p2);
  double dx = ((*p1)[0].number - (*p2)[0].number) / 15, dy = ((*p1)[1].number - (*p2)[1].number) / 15;
  EXPECT_GT(std::hypot(dx, dy), 0.01);
}

TEST(TuningSearch, BayesianBeatsRandomOnBraninAt20Evaluations) {
  double bayes = 0, random = 0;
  const int seeds = 10;
  for (int s = 1; s <= seeds; ++s) {
    bayes += run_study(branin_config(Algorithm::Bayesian), static_cast<uint64_t>(s), 20) / seeds;
    random += run_study(branin_config(Algorithm::Random), static_cast<uint64_t>(s), 20) / seeds;
  }
  std::printf("[ measured ] best Branin value after 20 evaluations, mean of %d seeds: Bayesian %.4f, random %.4f (minimum 0.3979)\n",
              seeds, bayes, random);
  EXPECT_LT(bayes, random);
  EXPECT_LT(bayes, 1.0);
}

}  // namespace
}  // namespace tg::tuning
