// train_and_evaluate on a run that overfits: the best evaluation is kept (not the last),
// training stops early, and the estimator is handed back with the best weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/file_util.h"
#include "estimator/train_and_evaluate.h"

namespace tg::estimator {
namespace {

namespace fs = std::filesystem;

// Few noisy training rows and many inputs: a wide network memorizes them and validation
// error turns upward after a while.
MemoryData noisy(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  std::vector<std::string> names;
  std::vector<Tensor> cols;
  Tensor y(DType::Float32, {n});
  for (int k = 0; k < 20; ++k) {
    Tensor x(DType::Float32, {n});
    for (int64_t i = 0; i < n; ++i) x.data<float>()[i] = z(rng);
    names.push_back("x" + std::to_string(k));
    cols.push_back(x);
  }
  for (int64_t i = 0; i < n; ++i) y.data<float>()[i] = cols[0].data<float>()[i] + 2.0f * z(rng);
  names.push_back("label");
  cols.push_back(y);
  return {names, cols};
}

TEST(TrainAndEvaluate, KeepsTheBestModelAndStopsEarly) {
  fs::path dir = fs::temp_directory_path() / "tg_train_and_evaluate";
  fs::remove_all(dir);
  MemoryData train = noisy(60, 1), valid = noisy(2000, 2);
  std::vector<Column> cols;
  for (int k = 0; k < 20; ++k) cols.push_back(numeric_column("x" + std::to_string(k)));
  ModelSpec s;
  s.dnn_columns = cols;
  s.hidden_units = {256, 256};
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 0.003;
  RunConfig cfg;
  cfg.model_dir = dir.string();
  cfg.save_checkpoints_steps = 0;
  cfg.log_step_count_steps = 0;
  Estimator est(s, cfg);
  EvalSpec e{memory_input(valid, 500), -1, 20, 0, "rmse", false, 5};
  auto r = train_and_evaluate(est, TrainSpec{memory_input(train, 30, -1, true, 3), 5000}, e);

  ASSERT_TRUE(r.stopped_early) << "ran all " << est.global_step() << " steps";
  EXPECT_LT(est.global_step(), 5000);
  double last = r.history.back().result["rmse"], best = r.best.result["rmse"];
  EXPECT_LT(best, last);
  for (const auto& h : r.history) EXPECT_GE(h.result["rmse"], best);
  EXPECT_EQ(r.history.back().step - r.best.step, 5 * 20);  // patience 5, every 20 steps
  // The checkpoint of the best model and its metrics are in model_dir/best.
  EXPECT_TRUE(fs::exists(r.best_checkpoint));
  EXPECT_NE(read_file(dir.string() + "/best/metrics.json").find("\"rmse\""), std::string::npos);
  // The estimator now holds the best weights, with the global step where training stopped.
  EXPECT_NEAR(est.evaluate(memory_input(valid, 500))["rmse"], best, 1e-5);
  EXPECT_EQ(est.global_step(), r.history.back().step);
}

TEST(TrainAndEvaluate, UnknownMetricIsNamed) {
  MemoryData d = noisy(100, 4);
  Estimator est = LinearRegressor({numeric_column("x0")});
  EvalSpec e{memory_input(d, 50), -1, 2, 0, "accuracy", true, 0};
  try {
    train_and_evaluate(est, TrainSpec{memory_input(d, 10), 4}, e);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("'accuracy'"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace tg::estimator
