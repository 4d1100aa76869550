// What the estimators reach of the engine: L1/L2 regularization, learning-rate decay, gradient
// clipping, batch normalization, a user's metric beside the built-in ones, an evaluation every
// epoch; and the specification's timestamp features and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "estimator/model.h"
#include "estimator/spec.h"
#include "estimator/train_and_evaluate.h"
#include "graph/ops/feature.h"

namespace tg::estimator {
namespace {

MemoryData linear_data(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  Tensor a(DType::Float32, {n}), b(DType::Float32, {n}), y(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    a.data<float>()[i] = z(rng);
    b.data<float>()[i] = z(rng);
    y.data<float>()[i] = 3 * a.data<float>()[i] - b.data<float>()[i] + 0.1f * z(rng);
  }
  return {{"a", "b", "label"}, {a, b, y}};
}

ModelSpec dnn_spec() {
  ModelSpec s;
  s.dnn_columns = {numeric_column("a"), numeric_column("b")};
  s.hidden_units = {16, 8};
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 0.01;
  return s;
}

double weight_norm(Estimator& est) {
  double sum = 0;
  for (Node* v : est.graph().trainable_variables()) {
    if (v->out().shape().rank() != 2) continue;
    Tensor t = est.session().variable_value(v->out());
    for (int64_t i = 0; i < t.num_elements(); ++i) sum += std::abs(t.data<float>()[i]);
  }
  return sum;
}

TEST(TrainingOptions, RegularizationShrinksTheWeights) {
  MemoryData d = linear_data(512, 1);
  Estimator plain(dnn_spec());
  plain.train(memory_input(d, 64, 20, true, 1));
  ModelSpec s = dnn_spec();
  s.l1 = 0.01;
  s.l2 = 0.01;
  Estimator regularized(s);
  regularized.train(memory_input(d, 64, 20, true, 1));
  EXPECT_LT(weight_norm(regularized), 0.8 * weight_norm(plain));
  EXPECT_LT(regularized.evaluate(memory_input(d, 512))["rmse"], 1.0);  // it still learns
}

TEST(TrainingOptions, LearningRateDecaysAndClippingBoundsTheStep) {
  ModelSpec s = dnn_spec();
  s.dnn_optimizer = "sgd";
  s.dnn_learning_rate = 0.1;
  s.learning_rate_decay = {.type = "exponential", .decay_steps = 10, .decay_rate = 0.5, .staircase = true};
  Estimator est(s);
  MemoryData d = linear_data(256, 2);
  est.train(memory_input(d, 32, 10, true, 2), 20);
  EXPECT_NEAR(est.session().run(FeedList{}, {est.model_graph().learning_rate})[0].scalar_as_double(), 0.025, 1e-7);
  ModelSpec p = dnn_spec();
  p.learning_rate_decay = {.type = "piecewise_constant", .boundaries = {5}, .values = {1.0, 0.1}};
  Estimator pw(p);
  pw.train(memory_input(d, 32, 10, true, 2), 6);
  EXPECT_NEAR(pw.session().run(FeedList{}, {pw.model_graph().learning_rate})[0].scalar_as_double(), 0.001, 1e-9);
  ModelSpec bad = dnn_spec();
  bad.learning_rate_decay.type = "cosine";
  EXPECT_THROW(Estimator(bad).global_step(), Error);

  // With plain SGD, a clipped step moves the weights by at most learning_rate x clip_norm.
  ModelSpec c = dnn_spec();
  c.dnn_optimizer = "sgd";
  c.dnn_learning_rate = 1.0;
  c.clip_norm = 0.01;
  Estimator clipped(c);
  auto values = [&] {
    std::vector<float> v;
    for (Node* n : clipped.graph().trainable_variables()) {
      Tensor t = clipped.session().variable_value(n->out());
      v.insert(v.end(), t.data<float>(), t.data<float>() + t.num_elements());
    }
    return v;
  };
  auto before = values();
  clipped.train(memory_input(d, 32, 1, false), 1);
  auto after = values();
  double sq = 0;
  for (size_t i = 0; i < before.size(); ++i) sq += (after[i] - before[i]) * (after[i] - before[i]);
  EXPECT_LE(std::sqrt(sq), 0.01 + 1e-5);
  EXPECT_GT(std::sqrt(sq), 0.005);
}

TEST(TrainingOptions, BatchNormalizationTrainsAndKeepsMovingAverages) {
  ModelSpec s = dnn_spec();
  s.batch_norm = true;
  Estimator est(s);
  MemoryData d = linear_data(512, 3);
  est.train(memory_input(d, 64, 20, true, 3));
  EXPECT_LT(est.evaluate(memory_input(d, 512))["rmse"], 1.0);
  Node* mean = est.graph().find("dnn/hiddenlayer_0/batch_normalization/moving_mean");
  ASSERT_NE(mean, nullptr);
  Tensor m = est.session().variable_value(mean->out());
  double moved = 0;
  for (int64_t i = 0; i < m.num_elements(); ++i) moved += std::abs(m.data<float>()[i]);
  EXPECT_GT(moved, 0);
}

TEST(TrainingOptions, AUserMetricBesideTheBuiltInOnes) {
  ModelSpec s = dnn_spec();
  // The fraction of predictions within 0.5 of the label, weighted.
  s.metrics.emplace_back("within_half", make_metric(
                                            [](std::vector<double>& st, double p, double y, double w) {
                                              st[0] += w * (std::abs(p - y) < 0.5);
                                              st[1] += w;
                                            },
                                            [](const std::vector<double>& st) { return st[0] / st[1]; }));
  Estimator est(s);
  MemoryData d = linear_data(512, 4);
  est.train(memory_input(d, 64, 20, true, 4));
  EvalResult r = est.evaluate(memory_input(d, 100));
  auto preds = est.predict(memory_input(d, 100));
  double within = 0;
  for (size_t i = 0; i < preds.size(); ++i) within += std::abs(preds[i].value - d["label"].data<float>()[i]) < 0.5;
  EXPECT_NEAR(r["within_half"], within / static_cast<double>(preds.size()), 1e-9);
  EXPECT_GT(r["within_half"], 0.5);
  EXPECT_TRUE(r.metrics.count("rmse"));
}

TEST(TrainingOptions, EvaluatesAtTheEndOfEveryEpoch) {
  Estimator est(dnn_spec());
  MemoryData d = linear_data(100, 5);
  EvalSpec e{.input = memory_input(d, 100), .steps = -1, .every_steps = 1000, .every_secs = 0, .every_epoch = true,
             .metric = "rmse", .higher_is_better = false};
  auto r = train_and_evaluate(est, TrainSpec{memory_input(d, 25, 3, true, 5)}, e);
  ASSERT_EQ(r.history.size(), 3u);
  EXPECT_EQ(r.history[0].step, 4);
  EXPECT_EQ(r.history[1].step, 8);
  EXPECT_EQ(r.history[2].step, 12);
}

TEST(TrainingOptions, SpecTimestampFeaturesAndNamedErrors) {
  Json spec = Json::parse(R"({"label": "fare", "columns": [{"name": "fare"}, {"name": "t"}],
    "features": [{"type": "datetime", "name": "t", "parts": ["hour", "dayofweek", "epoch"]},
                 {"type": "crossed", "buckets": 168, "embedding": 3, "columns": [
                   {"type": "datetime", "name": "t", "part": "dayofweek"}, {"type": "datetime", "name": "t", "part": "hour"}]},
                 {"type": "bucketized", "input": "t", "part": "hour", "boundaries": [6, 10, 16, 20]}]})");
  resolve_columns(spec, {});
  EXPECT_EQ(spec["features"].size(), 5u);  // the parts expanded
  EXPECT_EQ(spec["columns"][1]["dtype"], "string");
  EXPECT_EQ(spec["columns"][1]["timestamp"], true);
  auto cols = features_of(spec);
  ASSERT_EQ(cols.size(), 5u);
  EXPECT_EQ(cols[0]->dimension(), 24);
  EXPECT_EQ(cols[1]->dimension(), 7);
  EXPECT_EQ(cols[2]->dimension(), 1);
  EXPECT_EQ(cols[3]->dimension(), 3);
  EXPECT_EQ(cols[4]->dimension(), 5);
  // The model reads the raw string.
  Graph g;
  RawInputs raw = make_raw_inputs(g, cols);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw.at("t").dtype(), DType::String);

  auto error_of = [](const char* text) {
    try {
      features_of(Json::parse(text));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(R"({"features": [{"type": "bucketized", "boundaries": [1]}]})"),
            "feature specification: a 'bucketized' feature has no \"input\"");
  EXPECT_EQ(error_of(R"({"features": [{"type": "vocabulary", "name": "borough"}]})"),
            "feature specification: the vocabulary feature 'borough' has no \"vocabulary\"");
  EXPECT_EQ(error_of(R"({"features": [{"type": "hash", "name": "b", "buckets": "many"}]})"),
            "feature specification: the hash feature 'b': \"buckets\" is \"many\", not a number");
  EXPECT_NE(error_of(R"({"features": [{"type": "datetime", "name": "t", "part": "epoch", "embedding": 2}]})").find("not categorical"),
            std::string::npos);
}

}  // namespace
}  // namespace tg::estimator
