// Metrics on hand-worked examples: ROC and precision-recall curves, thresholds, weights.
#include <gtest/gtest.h>

#include "estimator/estimator.h"
#include "estimator/metrics.h"

namespace tg::estimator {
namespace {

TEST(Metrics, RocCurveAndAucOnAWorkedExample) {
  // scikit-learn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
  double auc = 0;
  auto roc = roc_curve({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}, {1, 1, 1, 1}, &auc);
  EXPECT_DOUBLE_EQ(auc, 0.75);
  ASSERT_EQ(roc.size(), 5u);
  EXPECT_DOUBLE_EQ(roc[1].y, 0.5);  // threshold 0.8: one of two positives
  EXPECT_DOUBLE_EQ(roc[2].x, 0.5);  // threshold 0.4: one of two negatives
  double ap = 0;
  pr_curve({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}, {1, 1, 1, 1}, &ap);
  EXPECT_NEAR(ap, 0.8333333333, 1e-9);  // average_precision_score of the same
}

TEST(Metrics, TiesAreOnePoint) {
  double auc = 0;
  roc_curve({0.5, 0.5, 0.5, 0.5}, {0, 1, 0, 1}, {1, 1, 1, 1}, &auc);
  EXPECT_DOUBLE_EQ(auc, 0.5);
}

TEST(Metrics, BinaryAccumulatorWithThresholdsAndWeights) {
  MetricAccumulator acc(MetricAccumulator::Kind::Binary, 2, {0.3, 0.9});
  Tensor labels = Tensor::from_vector<float>({4}, {0, 0, 1, 1});
  Tensor probs = Tensor::from_vector<float>({4}, {0.1f, 0.4f, 0.35f, 0.8f});
  Tensor ids = Tensor::from_vector<int64_t>({4}, {0, 0, 0, 1});
  Tensor losses = Tensor::from_vector<float>({4}, {1, 2, 3, 4});
  Tensor weights = Tensor::from_vector<float>({4}, {1, 1, 1, 3});
  BatchOutputs b;
  b.labels = &labels;
  b.probabilities = &probs;
  b.class_ids = &ids;
  b.losses = &losses;
  b.weights = &weights;
  acc.add(b);
  EvalResult r = acc.result();
  EXPECT_DOUBLE_EQ(r["average_loss"], (1 + 2 + 3 + 12) / 6.0);
  EXPECT_DOUBLE_EQ(r["accuracy"], 0.75);
  EXPECT_DOUBLE_EQ(r["precision"], 1.0);
  EXPECT_DOUBLE_EQ(r["recall"], 0.5);
  EXPECT_DOUBLE_EQ(r["precision_at_0.3"], 4.0 / 5.0);  // weights: 0.4 (1), 0.35 (1), 0.8 (3)
  EXPECT_DOUBLE_EQ(r["recall_at_0.3"], 1.0);
  EXPECT_DOUBLE_EQ(r["recall_at_0.9"], 0.0);
  EXPECT_EQ(r.confusion, (std::vector<std::vector<int64_t>>{{2, 0}, {1, 1}}));
}

TEST(Metrics, ExampleWeightsSteerTraining) {
  // Two contradicting groups; the heavily weighted one wins the regression.
  int64_t n = 400;
  Tensor x(DType::Float32, {n}), y(DType::Float32, {n}), w(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    x.data<float>()[i] = 1;
    y.data<float>()[i] = i % 2 ? 10.f : 0.f;
    w.data<float>()[i] = i % 2 ? 9.f : 1.f;
  }
  ModelSpec s;
  s.linear_columns = {numeric_column("x")};
  s.linear_optimizer = "adam";
  s.linear_learning_rate = 0.05;
  s.weight_column = "w";
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est(s, cfg);
  MemoryData d{{"x", "label", "w"}, {x, y, w}};
  est.train(memory_input(d, 40, 60, true, 1));
  EXPECT_NEAR(est.evaluate(memory_input(d, 100))["prediction/mean"], 9.0, 0.3);  // the weighted mean
}

TEST(Metrics, DropoutTrainsAndEvaluatesDeterministically) {
  int64_t n = 1000;
  Tensor x(DType::Float32, {n}), y(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    x.data<float>()[i] = static_cast<float>(i % 100) / 50.f - 1;
    y.data<float>()[i] = 3 * x.data<float>()[i];
  }
  ModelSpec s;
  s.dnn_columns = {numeric_column("x")};
  s.hidden_units = {64};
  s.dropout = 0.3;
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 0.01;
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est(s, cfg);
  MemoryData d{{"x", "label"}, {x, y}};
  est.train(memory_input(d, 50, 20, true, 2));
  double a = est.evaluate(memory_input(d, 100))["rmse"], b = est.evaluate(memory_input(d, 100))["rmse"];
  EXPECT_EQ(a, b);  // no dropout outside training
  EXPECT_LT(a, 0.5);
}

}  // namespace
}  // namespace tg::estimator
