// train_and_evaluate on a run that overfits: the best evaluation is kept (not the last),
// training stops early, and the estimator is handed back with the best weights. A run
// continued in its model_dir keeps the best model, the evaluations and the patience count of
// the runs before, and a finished run started again changes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/file_util.h"
#include "estimator/train_and_evaluate.h"
#include "runtime/checkpoint.h"
#include "test_dirs.h"

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

// A wide network on the noisy rows, checkpointed every save_steps steps in dir.
Estimator overfitting(const fs::path& dir, int64_t save_steps) {
  std::vector<Column> cols;
  for (int k = 0; k < 20; ++k) cols.push_back(numeric_column("x" + std::to_string(k)));
  ModelSpec s;
  s.dnn_columns = cols;
  s.hidden_units = {256, 256};
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 0.003;
  RunConfig cfg;
  cfg.model_dir = dir.string();
  cfg.save_checkpoints_steps = save_steps;
  cfg.log_step_count_steps = 0;
  return Estimator(s, cfg);
}

TEST(TrainAndEvaluate, KeepsTheBestModelAndStopsEarly) {
  fs::path dir = test::fresh_dir("train_and_evaluate");
  MemoryData train = noisy(60, 1), valid = noisy(2000, 2);
  Estimator est = overfitting(dir, 0);
  EvalSpec e{.input = memory_input(valid, 500), .steps = -1, .every_steps = 20, .every_secs = 0, .metric = "rmse", .higher_is_better = false, .early_stopping_patience = 5};
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

std::vector<int64_t> steps_of(const std::vector<Evaluation>& h) {
  std::vector<int64_t> r;
  for (const auto& e : h) r.push_back(e.step);
  return r;
}

// Stopped at step 200 (as by a kill after a checkpoint) and continued to step 340 by a new
// estimator: the best model of the first part is still the one to beat, and the history holds
// every evaluation. Started a third time, the finished run trains nothing and keeps its files.
TEST(TrainAndEvaluate, AContinuedRunKeepsTheBestModelAndEveryEvaluation) {
  fs::path dir = test::fresh_dir("train_and_evaluate_continued");
  MemoryData train = noisy(60, 1), valid = noisy(2000, 2);
  InputFn input = memory_input(train, 30, -1, true, 3);
  EvalSpec e{.input = memory_input(valid, 500), .steps = -1, .every_steps = 20, .every_secs = 0, .metric = "rmse", .higher_is_better = false, .early_stopping_patience = 0};
  TrainAndEvaluateResult first;
  {
    Estimator est = overfitting(dir, 20);
    first = train_and_evaluate(est, TrainSpec{input, 200}, e);
  }
  ASSERT_EQ(first.history.size(), 10u);
  double best_before = first.best.result["rmse"];
  std::string best_file = read_file(first.best_checkpoint);

  Estimator est = overfitting(dir, 20);
  auto second = train_and_evaluate(est, TrainSpec{input, 340}, e);
  ASSERT_EQ(est.global_step(), 340);
  ASSERT_EQ(second.history.size(), 17u) << "the first run's evaluations were forgotten";
  for (size_t i = 0; i < first.history.size(); ++i) {
    EXPECT_EQ(second.history[i].step, first.history[i].step);
    EXPECT_EQ(second.history[i].result["rmse"], first.history[i].result["rmse"]);
  }
  EXPECT_LE(second.best.result["rmse"], best_before);
  for (const auto& h : second.history) EXPECT_GE(h.result["rmse"], second.best.result["rmse"]) << "step " << h.step;
  // This run overfits from early on: nothing from step 220 to 340 beats the first part's best
  // (step 20), which stays in model_dir/best (a run that forgot it would make step 220's
  // evaluation the best and delete it).
  ASSERT_EQ(second.best.step, first.best.step);
  EXPECT_EQ(second.best_checkpoint, first.best_checkpoint);
  EXPECT_EQ(read_file(second.best_checkpoint), best_file);
  EXPECT_NEAR(est.evaluate(e.input)["rmse"], best_before, 1e-5);

  CheckpointManager checkpoints(dir.string());
  std::string latest = read_file(checkpoints.path_for(340)), state = checkpoints.state(340);
  Estimator again = overfitting(dir, 20);
  auto third = train_and_evaluate(again, TrainSpec{input, 340}, e);
  EXPECT_EQ(again.global_step(), 340);
  EXPECT_EQ(steps_of(third.history), steps_of(second.history));
  EXPECT_EQ(third.best.step, second.best.step);
  EXPECT_EQ(third.best.result["rmse"], second.best.result["rmse"]);
  EXPECT_EQ(read_file(third.best_checkpoint), best_file);
  EXPECT_EQ(read_file(checkpoints.path_for(340)), latest);
  EXPECT_EQ(checkpoints.state(340), state);
  EXPECT_NEAR(again.evaluate(e.input)["rmse"], best_before, 1e-5) << "not handed back with the best weights";
}

// Early stopping counts the evaluations without improvement across a restart, and a run that
// stopped early, started again, stays stopped.
TEST(TrainAndEvaluate, PatienceAndEarlyStoppingSurviveARestart) {
  MemoryData train = noisy(60, 1), valid = noisy(2000, 2);
  InputFn input = memory_input(train, 30, -1, true, 3);
  EvalSpec e{.input = memory_input(valid, 500), .steps = -1, .every_steps = 20, .every_secs = 0, .metric = "rmse", .higher_is_better = false, .early_stopping_patience = 5};
  fs::path whole = test::fresh_dir("patience_whole"), parts = test::fresh_dir("patience_parts");
  Estimator ref = overfitting(whole, 20);
  auto uninterrupted = train_and_evaluate(ref, TrainSpec{input, 5000}, e);
  ASSERT_TRUE(uninterrupted.stopped_early);
  int64_t stop = uninterrupted.history.back().step, best = uninterrupted.best.step;
  ASSERT_EQ(stop - best, 100);
  {
    Estimator est = overfitting(parts, 20);
    auto r = train_and_evaluate(est, TrainSpec{input, best + 60}, e);  // 3 evaluations past the best
    ASSERT_FALSE(r.stopped_early);
  }
  Estimator est = overfitting(parts, 20);
  auto r = train_and_evaluate(est, TrainSpec{input, 5000}, e);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(est.global_step(), stop) << "patience restarted with the run";
  EXPECT_EQ(r.best.step, best);
  EXPECT_EQ(steps_of(r.history), steps_of(uninterrupted.history));

  Estimator stopped = overfitting(parts, 20);
  auto again = train_and_evaluate(stopped, TrainSpec{input, 5000}, e);
  EXPECT_TRUE(again.stopped_early);
  EXPECT_EQ(stopped.global_step(), stop);
  EXPECT_EQ(again.history.size(), r.history.size());
}

TEST(TrainAndEvaluate, UnknownMetricIsNamed) {
  MemoryData d = noisy(100, 4);
  Estimator est = LinearRegressor({numeric_column("x0")});
  EvalSpec e{.input = memory_input(d, 50), .steps = -1, .every_steps = 2, .every_secs = 0, .metric = "accuracy", .higher_is_better = true, .early_stopping_patience = 0};
  try {
    train_and_evaluate(est, TrainSpec{memory_input(d, 10), 4}, e);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("'accuracy'"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace tg::estimator
