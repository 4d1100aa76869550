// The canned estimators on synthetic data in memory: they learn, evaluate, predict, resume
// from their model directory and stop on a diverging loss.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "estimator/estimator.h"
#include "test_dirs.h"

namespace tg::estimator {
namespace {

namespace fs = std::filesystem;

// y = 3 x1 - 2 x2 + 1 + noise, and a class label: y > 1.
MemoryData linear_data(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  Tensor x1(DType::Float32, {n}), x2(DType::Float32, {n}), y(DType::Float32, {n}), c(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    float a = z(rng), b = z(rng);
    x1.data<float>()[i] = a;
    x2.data<float>()[i] = b;
    y.data<float>()[i] = 3 * a - 2 * b + 1 + 0.1f * z(rng);
    c.data<float>()[i] = y.data<float>()[i] > 1 ? 1.f : 0.f;
  }
  return {{"x1", "x2", "label", "positive"}, {x1, x2, y, c}};
}

std::vector<Column> xs() { return {numeric_column("x1"), numeric_column("x2")}; }

TEST(Estimator, LinearRegressorLearnsTheLine) {
  MemoryData d = linear_data(2000, 1);
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est = LinearRegressor(xs(), cfg);
  est.train(memory_input(d, 32, 10, true, 1));
  EvalResult r = est.evaluate(memory_input(linear_data(500, 2), 100));
  EXPECT_LT(r["rmse"], 0.2);
  EXPECT_NEAR(r["label/mean"], r["prediction/mean"], 0.1);
  EXPECT_EQ(r["global_step"], 10 * 63);  // 63 batches per epoch, the last one partial
}

TEST(Estimator, DNNRegressorFitsANonlinearFunction) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-3, 3);
  int64_t n = 4000;
  Tensor x(DType::Float32, {n}), y(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    x.data<float>()[i] = u(rng);
    y.data<float>()[i] = std::sin(x.data<float>()[i]) * 2;
  }
  MemoryData d{{"x", "label"}, {x, y}};
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  ModelSpec s;
  s.dnn_columns = {numeric_column("x")};
  s.hidden_units = {32, 16};
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 0.01;
  Estimator est(s, cfg);
  est.train(memory_input(d, 64, 30, true, 2));
  EXPECT_LT(est.evaluate(memory_input(d, 500))["rmse"], 0.15);
  auto p = est.predict(memory_input(MemoryData{{"x"}, {Tensor::from_vector<float>({2}, {1.0f, -1.5f})}}, 10));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NEAR(p[0].value, 2 * std::sin(1.0), 0.2);
  EXPECT_NEAR(p[1].value, 2 * std::sin(-1.5), 0.2);
}

TEST(Estimator, LinearClassifierSeparatesTheClasses) {
  MemoryData d = linear_data(3000, 4);
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est = LinearClassifier(xs(), 2, cfg, "positive");
  est.train(memory_input(d, 64, 5, true, 3));
  EvalResult r = est.evaluate(memory_input(linear_data(1000, 5), 200));
  EXPECT_GT(r["auc"], 0.99);
  EXPECT_GT(r["accuracy"], 0.93);
  EXPECT_GT(r["precision"], 0.9);
  EXPECT_GT(r["recall"], 0.9);
  ASSERT_EQ(r.confusion.size(), 2u);
  EXPECT_EQ(r.confusion[0][0] + r.confusion[0][1] + r.confusion[1][0] + r.confusion[1][1], 1000);
  auto p = est.predict(memory_input(MemoryData{{"x1", "x2"}, {Tensor::from_vector<float>({1}, {2}), Tensor::from_vector<float>({1}, {-2})}}, 1));
  EXPECT_EQ(p[0].class_id, 1);
  EXPECT_GT(p[0].probabilities[1], 0.9);
}

TEST(Estimator, DNNClassifierWithALabelVocabularyAndCategoricalInputs) {
  std::mt19937_64 rng(6);
  std::normal_distribution<float> z;
  const char* names[] = {"setosa", "versicolor", "virginica"};
  const char* colors[] = {"red", "green", "blue"};
  int64_t n = 1500;
  Tensor x(DType::Float32, {n}), color(DType::String, {n}), label(DType::String, {n});
  for (int64_t i = 0; i < n; ++i) {
    int k = static_cast<int>(i % 3);
    x.data<float>()[i] = static_cast<float>(k) * 2.5f + z(rng) * 0.5f;
    color.data<std::string>()[i] = colors[(k + (i % 7 == 0 ? 1 : 0)) % 3];  // mostly tells the class
    label.data<std::string>()[i] = names[k];
  }
  MemoryData d{{"x", "color", "species"}, {x, color, label}};
  ModelSpec s;
  s.head = Head::multi_class(3, {"setosa", "versicolor", "virginica"});
  s.dnn_columns = {numeric_column("x"), embedding_column(categorical_column_with_vocabulary_list("color", {"red", "green", "blue"}), 2)};
  s.hidden_units = {16};
  s.label_column = "species";
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est(s, cfg);
  est.train(memory_input(d, 32, 10, true, 7));
  EvalResult r = est.evaluate(memory_input(d, 300));
  EXPECT_GT(r["accuracy"], 0.97);
  ASSERT_EQ(r.confusion.size(), 3u);
  Tensor blue(DType::String, {1});
  blue.data<std::string>()[0] = "blue";
  auto p = est.predict(memory_input(MemoryData{{"x", "color"}, {Tensor::from_vector<float>({1}, {5.0f}), blue}}, 1));
  EXPECT_EQ(p[0].class_label, "virginica");
  EXPECT_EQ(p[0].probabilities.size(), 3u);
}

TEST(Estimator, WideAndDeepTrains) {
  MemoryData d = linear_data(2000, 8);
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est = DNNLinearCombinedRegressor({bucketized_column("x1", {-1, 0, 1}), numeric_column("x2")}, xs(), {8}, cfg);
  double before = est.evaluate(memory_input(d, 500))["rmse"];
  est.train(memory_input(d, 32, 5, true, 9));
  double after = est.evaluate(memory_input(d, 500))["rmse"];
  EXPECT_LT(after, before / 4) << before << " -> " << after;
}

TEST(Estimator, ResumesFromItsModelDirectory) {
  fs::path dir = test::fresh_dir("estimator_resume");
  MemoryData d = linear_data(640, 10);
  RunConfig cfg;
  cfg.model_dir = dir.string();
  cfg.save_checkpoints_steps = 7;
  cfg.log_step_count_steps = 0;
  std::vector<Prediction> first;
  {
    Estimator est = DNNRegressor({8}, xs(), cfg);
    est.train(memory_input(d, 32, 2));
    EXPECT_EQ(est.global_step(), 40);
    first = est.predict(memory_input(d, 640));
  }
  Estimator again = DNNRegressor({8}, xs(), cfg);
  EXPECT_EQ(again.global_step(), 40);
  auto second = again.predict(memory_input(d, 640));
  for (size_t i = 0; i < first.size(); ++i) ASSERT_EQ(first[i].value, second[i].value);
  again.train(memory_input(d, 32, -1), -1, 50);  // max_steps counts from the restored step
  EXPECT_EQ(again.global_step(), 50);
}

TEST(Estimator, DivergingLossStopsWithTheStep) {
  MemoryData d = linear_data(500, 11);
  for (auto& v : d.columns[2].flat<float>()) v *= 1e30f;
  ModelSpec s;
  s.dnn_columns = xs();
  s.hidden_units = {4};
  s.dnn_optimizer = "sgd";
  s.dnn_learning_rate = 10;
  Estimator est(s);
  try {
    est.train(memory_input(d, 50, 5));
    FAIL() << "trained through a diverging loss";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at step"), std::string::npos) << e.what();
  }
}

TEST(Estimator, MissingColumnsAreNamed) {
  Estimator est = LinearRegressor(xs());
  try {
    est.train(memory_input(MemoryData{{"x1", "label"}, {Tensor(DType::Float32, {4}), Tensor(DType::Float32, {4})}}, 2));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x2'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tg::estimator
