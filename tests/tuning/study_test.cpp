// Study state (study.json round trip, what may change on resume), the service's output shape,
// the median stopping rule, and reading a trial's files the way tg train writes them.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "base/file_util.h"
#include "test_dirs.h"
#include "tuning/study.h"
#include "tuning/trial_files.h"

namespace tg::tuning {
namespace {

Study example_study() {
  Study s;
  s.config.metric = "rmse";
  s.config.max_trials = 5;
  ParamSpec lr, units;
  lr.name = "learning_rate", lr.min = 1e-4, lr.max = 0.1, lr.scale = ScaleType::Log;
  units.name = "hidden_units", units.type = ParamType::Categorical, units.categories = {"64 32", "128 64 32"};
  s.config.space.params = {lr, units};
  s.command = {"tg", "train", "--num_epochs", "3"};
  s.seed = 9;
  Trial a;
  a.id = 1, a.params = {{0.01, -1}, {0, 1}}, a.state = TrialState::Succeeded, a.objective = 4.2, a.has_objective = true, a.step = 300;
  a.curve = {{100, 5.0}, {200, 4.5}, {300, 4.2}};
  a.start_time = 1.7e9, a.seconds = 12.5, a.starts = 1;
  Trial b;
  b.id = 2, b.params = {{0.001, -1}, {0, 1}}, b.state = TrialState::Stopped, b.objective = 6.0, b.has_objective = true, b.step = 200;
  b.curve = {{100, 7.0}, {200, 6.0}};
  Trial c;
  c.id = 3, c.params = {{0.05, -1}, {0, 1}}, c.state = TrialState::Failed, c.message = "exited with status 1";
  Trial d;
  d.id = 4, d.params = {{0.002, -1}, {0, 1}}, d.state = TrialState::Running, d.curve = {{100, 4.0}}, d.starts = 1;
  s.trials = {a, b, c, d};
  return s;
}

TEST(TuningStudy, RoundTripsThroughJson) {
  Study s = example_study();
  std::string path = test::temp_path("study.json").string();
  save_study(path, s);
  auto back = load_study(path);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(study_to_json(*back), study_to_json(s));
  EXPECT_EQ(back->trials[1].state, TrialState::Stopped);
  EXPECT_EQ(back->trials[0].curve, s.trials[0].curve);
  EXPECT_EQ(back->trials[3].params, s.trials[3].params);
  EXPECT_FALSE(load_study(test::temp_path("none.json").string()).has_value());
  write_file_atomic(path, "{\"format\": 1, \"config\":");
  EXPECT_THROW(load_study(path), Error);
}

TEST(TuningStudy, ObservationsBestAndPending) {
  Study s = example_study();
  EXPECT_EQ(s.best()->id, 1);
  auto obs = s.observations();
  ASSERT_EQ(obs.size(), 2u);  // succeeded and stopped
  EXPECT_EQ(obs[1].objective, 6.0);
  ASSERT_EQ(s.pending().size(), 1u);
  EXPECT_EQ(s.pending()[0], s.trials[3].params);
  s.config.maximize = true;
  EXPECT_EQ(s.best()->id, 2);
}

TEST(TuningStudy, ResumeAllowsOtherLimitsButNotAnotherStudy) {
  Study s = example_study(), t = example_study();
  t.config.max_trials = 50, t.config.max_parallel_trials = 4;
  EXPECT_EQ(study_difference(s, t), "");
  t.config.space.params[0].max = 0.2;
  EXPECT_NE(study_difference(s, t).find("params"), std::string::npos);
  t = example_study();
  t.command.back() = "4";
  EXPECT_NE(study_difference(s, t).find("command"), std::string::npos);
  t = example_study();
  t.seed = 10;
  EXPECT_NE(study_difference(s, t).find("seed"), std::string::npos);
  t = example_study();
  t.config.metric = "mae";
  EXPECT_NE(study_difference(s, t).find("hyperparameterMetricTag"), std::string::npos);
}

TEST(TuningStudy, TrialsOutputHasTheServicesShape) {
  Json out = trials_output(example_study());
  ASSERT_EQ(out["trials"].size(), 4u);
  const Json& best = out["trials"][0];  // the best first
  EXPECT_EQ(best["trialId"], "1");
  EXPECT_EQ(best["hyperparameters"]["learning_rate"], "0.01");
  EXPECT_EQ(best["hyperparameters"]["hidden_units"], "128 64 32");
  EXPECT_EQ(best["finalMetric"]["trainingStep"], "300");
  EXPECT_EQ(best["finalMetric"]["objectiveValue"], 4.2);
  EXPECT_EQ(best["state"], "SUCCEEDED");
  EXPECT_EQ(best["isTrialStoppedEarly"], false);
  const Json& stopped = out["trials"][1];
  EXPECT_EQ(stopped["trialId"], "2");
  EXPECT_EQ(stopped["state"], "SUCCEEDED");
  EXPECT_EQ(stopped["isTrialStoppedEarly"], true);
  EXPECT_EQ(out["trials"][2]["state"], "FAILED");
  EXPECT_FALSE(out["trials"][2].contains("finalMetric"));
  EXPECT_EQ(out["trials"][3]["state"], "RUNNING");
}

TEST(TuningStudy, MedianStoppingRule) {
  std::vector<std::vector<EvalPoint>> done = {{{100, 5}, {200, 4}, {300, 3}},
                                              {{100, 6}, {200, 5}, {300, 4}},
                                              {{100, 7}, {200, 6}, {300, 5}}};
  // At step 200 the completed trials' bests are 4, 5, 6: median 5.
  EXPECT_TRUE(median_stopping({{100, 8}, {200, 5.5}}, done, false));
  EXPECT_FALSE(median_stopping({{100, 8}, {200, 4.5}}, done, false));
  EXPECT_FALSE(median_stopping({{100, 8}, {200, 5.0}}, done, false));  // not worse than the median
  // Its best so far counts, not its latest value.
  EXPECT_FALSE(median_stopping({{100, 4.9}, {200, 9}}, done, false));
  // Too early: one evaluation, or too few completed trials.
  EXPECT_FALSE(median_stopping({{200, 9}}, done, false));
  EXPECT_FALSE(median_stopping({{100, 9}, {200, 9}}, {done[0], done[1]}, false));
  EXPECT_TRUE(median_stopping({{100, 9}, {200, 9}}, {done[0], done[1]}, false, {2, 2}));
  // Completed trials that reported nothing by that step do not count.
  EXPECT_FALSE(median_stopping({{10, 9}, {20, 9}}, done, false));
  // Maximizing: lower is worse.
  EXPECT_TRUE(median_stopping({{100, 1}, {200, 2}}, done, true));
  EXPECT_FALSE(median_stopping({{100, 1}, {200, 9}}, done, true));
}

TEST(TuningStudy, ReadsTrialFilesAsTgTrainWritesThem) {
  std::string dir = test::fresh_dir("trial_files").string();
  EXPECT_TRUE(read_curve(dir, "rmse").empty());
  EXPECT_FALSE(read_final_metric(dir, "rmse", false, {}).has_value());
  // While training: the newest checkpoint's progress.
  write_file_atomic(dir + "/ckpt-100.json", R"({"evaluations": [{"step": 100, "metrics": {"rmse": 6.5}}]})");
  write_file_atomic(dir + "/ckpt-200.json",
                    R"({"evaluations": [{"step": 100, "metrics": {"rmse": 6.5}}, {"step": 200, "metrics": {"rmse": 5.5}}]})");
  write_file_atomic(dir + "/ckpt-x.json", "not json");
  auto curve = read_curve(dir, "rmse");
  EXPECT_EQ(curve, (std::vector<EvalPoint>{{100, 6.5}, {200, 5.5}}));
  auto f = read_final_metric(dir, "rmse", false, curve);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->value, 5.5);
  EXPECT_EQ(f->step, 200);
  // At the end: history.json, and metrics.json's value at its best_step.
  write_file_atomic(dir + "/history.json",
                    R"({"metric": "rmse", "eval": [{"step": 100, "metrics": {"rmse": 6.5}}, {"step": 200, "metrics": {"rmse": 5.5}},
                        {"step": 300, "metrics": {"rmse": 5.9}}]})");
  write_file_atomic(dir + "/metrics.json", R"({"rmse": 5.49, "loss": 30.1, "best_step": 200})");
  curve = read_curve(dir, "rmse");
  EXPECT_EQ(curve.size(), 3u);
  f = read_final_metric(dir, "rmse", false, curve);
  EXPECT_EQ(f->value, 5.49);
  EXPECT_EQ(f->step, 200);
  EXPECT_FALSE(read_final_metric(dir, "auc", true, read_curve(dir, "auc")).has_value());
}

}  // namespace
}  // namespace tg::tuning
