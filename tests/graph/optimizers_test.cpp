// Each optimizer's update rule against TensorFlow's published formulas, computed here step by
// step on loss = sum(w^2)/2 (so the gradient is w itself), and the learning-rate schedules.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/session.h"

namespace tg {
namespace {

using Rule = std::function<void(std::vector<double>& w, std::vector<std::vector<double>>& slots, int t)>;

void check_optimizer(const std::string& name, std::function<std::unique_ptr<Optimizer>(Output)> make,
                     int n_slots, std::vector<double> slot_init, Rule rule) {
  Graph g;
  Output w = ops::variable(g, {3}, DType::Float64, ops::Initializer::constant(0), "w");
  Output init_w = ops::assign(w, ops::constant(g, Tensor::from_vector<double>({3}, {1.0, -2.0, 0.5})));
  Output loss = ops::reduce_sum(ops::square(w)) * 0.5;
  auto opt = make(ops::scalar(g, 0.1, DType::Float64));
  Node* train = opt->minimize(loss);
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  s.run(FeedList{}, {init_w});
  std::vector<double> ref = {1.0, -2.0, 0.5};
  std::vector<std::vector<double>> slots(static_cast<size_t>(n_slots));
  for (int k = 0; k < n_slots; ++k) slots[static_cast<size_t>(k)].assign(3, slot_init[static_cast<size_t>(k)]);
  for (int t = 1; t <= 4; ++t) {
    s.run(train);
    rule(ref, slots, t);
    auto got = s.variable_value(w).to_vector<double>();
    for (int i = 0; i < 3; ++i) ASSERT_NEAR(got[static_cast<size_t>(i)], ref[static_cast<size_t>(i)], 1e-12) << name << " step " << t;
  }
  EXPECT_EQ(s.variable_value(g.global_step()).to_vector<int64_t>()[0], 4) << name;
}

const double lr = 0.1;

TEST(Optimizers, GradientDescent) {
  check_optimizer("sgd", [](Output l) { return std::make_unique<GradientDescentOptimizer>(l); }, 0, {},
                  [](auto& w, auto&, int) { for (auto& x : w) x -= lr * x; });
}

TEST(Optimizers, MomentumAndNesterov) {
  for (bool nesterov : {false, true})
    check_optimizer("momentum", [nesterov](Output l) { return std::make_unique<MomentumOptimizer>(l, 0.9, nesterov); },
                    1, {0}, [nesterov](auto& w, auto& s, int) {
                      for (size_t i = 0; i < w.size(); ++i) {
                        double g = w[i];
                        s[0][i] = 0.9 * s[0][i] + g;
                        w[i] -= nesterov ? lr * g + lr * 0.9 * s[0][i] : lr * s[0][i];
                      }
                    });
}

TEST(Optimizers, Adagrad) {
  check_optimizer("adagrad", [](Output l) { return std::make_unique<AdagradOptimizer>(l, 0.1); }, 1, {0.1},
                  [](auto& w, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      double g = w[i];
                      s[0][i] += g * g;
                      w[i] -= lr * g / std::sqrt(s[0][i]);
                    }
                  });
}

TEST(Optimizers, Adam) {
  check_optimizer("adam", [](Output l) { return std::make_unique<AdamOptimizer>(l); }, 2, {0, 0},
                  [](auto& w, auto& s, int t) {
                    double lr_t = lr * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
                    for (size_t i = 0; i < w.size(); ++i) {
                      double g = w[i];
                      s[0][i] = 0.9 * s[0][i] + 0.1 * g;
                      s[1][i] = 0.999 * s[1][i] + 0.001 * g * g;
                      w[i] -= lr_t * s[0][i] / (std::sqrt(s[1][i]) + 1e-8);
                    }
                  });
}

TEST(Optimizers, RMSProp) {
  check_optimizer("rmsprop", [](Output l) { return std::make_unique<RMSPropOptimizer>(l, 0.9, 0.5, 1e-10); }, 2,
                  {1, 0}, [](auto& w, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      double g = w[i];
                      s[0][i] = 0.9 * s[0][i] + 0.1 * g * g;
                      s[1][i] = 0.5 * s[1][i] + lr * g / std::sqrt(s[0][i] + 1e-10);
                      w[i] -= s[1][i];
                    }
                  });
}

TEST(Optimizers, Ftrl) {
  check_optimizer("ftrl", [](Output l) { return std::make_unique<FtrlOptimizer>(l, -0.5, 0.1, 0.01, 0.02); }, 2,
                  {0.1, 0}, [](auto& w, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      double g = w[i], acc_new = s[0][i] + g * g;
                      s[1][i] += g - (std::sqrt(acc_new) - std::sqrt(s[0][i])) / lr * w[i];
                      double quad = std::sqrt(acc_new) / lr + 2 * 0.02;
                      w[i] = std::abs(s[1][i]) > 0.01 ? ((s[1][i] > 0 ? 0.01 : -0.01) - s[1][i]) / quad : 0;
                      s[0][i] = acc_new;
                    }
                  });
}

TEST(Optimizers, LearningRateSchedulesFollowTheGlobalStep) {
  Graph g;
  Output step = g.global_step();
  Output decayed = exponential_decay(ops::scalar(g, 0.1), step, 10, 0.5, false);
  Output stairs = exponential_decay(ops::scalar(g, 0.1), step, 10, 0.5, true);
  Output pieces = piecewise_constant(step, {5, 10}, {1.0, 0.5, 0.1});
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  struct Want { int64_t step; double decayed, stairs, pieces; };
  for (Want w : {Want{0, 0.1, 0.1, 1.0}, Want{5, 0.1 * std::pow(0.5, 0.5), 0.1, 1.0},
                 Want{6, 0.1 * std::pow(0.5, 0.6), 0.1, 0.5}, Want{25, 0.1 * std::pow(0.5, 2.5), 0.025, 0.1}}) {
    s.set_variable_value(step, Tensor::scalar<int64_t>(w.step));
    auto out = s.run(FeedList{}, {decayed, stairs, pieces});
    EXPECT_NEAR(out[0].scalar_as_double(), w.decayed, 1e-6) << w.step;
    EXPECT_NEAR(out[1].scalar_as_double(), w.stairs, 1e-6) << w.step;
    EXPECT_NEAR(out[2].scalar_as_double(), w.pieces, 1e-6) << w.step;
  }
}

TEST(Optimizers, UnknownNameIsAClearError) {
  Graph g;
  try {
    make_optimizer("adamw", ops::scalar(g, 0.1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("adamw"), std::string::npos);
  }
}

}  // namespace
}  // namespace tg
