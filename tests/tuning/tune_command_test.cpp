// tg tune as a user runs it: real trial processes of test_trainer (a stand-in for tg train
// whose results are a known function of its parameters), and one study of tg train itself.
// Nothing waits for a time to pass: a trainer told to wait does so until a file appears or it
// is stopped, and the tests wait for conditions (with a generous deadline).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "base/file_util.h"
#include "run_tg.h"
#include "test_dirs.h"
#include "tuning/study.h"

namespace tg::tuning {
namespace {

namespace fs = std::filesystem;
using test::Result;

std::string yaml(const std::string& settings, const std::string& params) {
  return "trainingInput:\n  hyperparameters:\n    goal: MINIMIZE\n    hyperparameterMetricTag: value\n" + settings +
         "    params:\n" + params;
}

const char* kBraninParams =
    "    - parameterName: x1\n      type: DOUBLE\n      minValue: -5\n      maxValue: 10\n"
    "    - parameterName: x2\n      type: DOUBLE\n      minValue: 0\n      maxValue: 15\n";

fs::path write_config(const fs::path& dir, const std::string& text) {
  fs::create_directories(dir);
  fs::path p = dir / "hp.yaml";
  write_file_atomic(p.string(), text);
  return p;
}

std::string tune_args(const fs::path& config, const fs::path& out, const std::string& extra, const std::string& trainer_flags) {
  return "tune --config " + config.string() + " --output_dir " + out.string() + " --trainer " TG_TEST_TRAINER +
         " --poll_secs 0.05 " + extra + " -- " + trainer_flags;
}

Study study_of(const fs::path& out) {
  auto s = load_study((out / "study.json").string());
  EXPECT_TRUE(s.has_value());
  return s ? *s : Study{};
}

std::string read(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

int lines(const fs::path& p) {
  std::string s = read(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Waits for a condition, failing the test after a deadline far beyond what it needs.
template <class F>
bool wait_until(F cond, double seconds = 120) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

// tg with arguments, started without waiting; its output goes to `log`.
pid_t start_tg(const std::string& args, const fs::path& log) {
  std::string cmd = std::string("exec ") + TG_BINARY + " " + args + " > " + log.string() + " 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Whether a process has ended (gone, or a zombie waiting for a parent that is not us).
bool gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::string stat = read("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || (close + 2 < stat.size() && stat[close + 2] == 'Z');
}

pid_t trainer_pid(const fs::path& trial_dir) { return static_cast<pid_t>(std::atoi(read(trial_dir / "pid").c_str())); }

TEST(TgTune, RunsParallelTrialsCountsAFailureAndWritesTheServiceOutput) {
  fs::path d = test::fresh_dir("tune_basic"), out = d / "study";
  fs::path cfg = write_config(d, yaml("    maxTrials: 6\n    maxParallelTrials: 2\n    maxFailedTrials: 3\n    algorithm: RANDOM_SEARCH\n",
                                      kBraninParams));
  Result r = test::run_tg(tune_args(cfg, out, "--threads_per_trial 3", "--evals 3 --fail_trials 2"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("best trial: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trial 2 failed"), std::string::npos) << r.output;
  Study s = study_of(out);
  ASSERT_EQ(s.trials.size(), 6u);
  EXPECT_EQ(s.count(TrialState::Failed), 1);
  EXPECT_EQ(s.count(TrialState::Succeeded), 5);
  EXPECT_NE(s.trials[1].message.find("fails on purpose"), std::string::npos) << s.trials[1].message;
  for (const Trial& t : s.trials) {
    fs::path tdir = out / "trials" / std::to_string(t.id);
    // Each trial ran the trainer with its own directory and parameters, and its share of threads.
    std::string args = read(tdir / "args");
    EXPECT_NE(args.find("--output_dir\n" + fs::absolute(tdir).lexically_normal().string() + "\n"), std::string::npos) << args;
    EXPECT_NE(args.find("--x1\n" + format_value(s.config.space.params[0], t.params[0]) + "\n"), std::string::npos) << args;
    EXPECT_NE(args.find("--evals\n3\n"), std::string::npos) << args;
    EXPECT_EQ(read(tdir / "threads"), "3\n");
    if (t.state == TrialState::Succeeded) {
      EXPECT_EQ(t.step, 300);
      EXPECT_EQ(t.curve.size(), 3u);
      EXPECT_EQ(t.objective, t.curve.back().value);  // f + 10/k is best at the last evaluation
    }
  }
  Json out_json = Json::parse(read(out / "trials.json"));
  ASSERT_EQ(out_json["trials"].size(), 6u);
  const Json& best = out_json["trials"][0];
  EXPECT_EQ(best["trialId"], std::to_string(s.best()->id));
  EXPECT_EQ(best["state"], "SUCCEEDED");
  EXPECT_EQ(best["finalMetric"]["trainingStep"], "300");
  EXPECT_EQ(best["finalMetric"]["objectiveValue"].get<double>(), s.best()->objective);
  EXPECT_TRUE(best["hyperparameters"].contains("x1"));
}

TEST(TgTune, FailedTrialsEndTheStudyAtTheLimit) {
  fs::path d = test::fresh_dir("tune_failures"), out = d / "study";
  fs::path cfg = write_config(d, yaml("    maxTrials: 6\n    maxFailedTrials: 2\n    algorithm: RANDOM_SEARCH\n", kBraninParams));
  Result r = test::run_tg(tune_args(cfg, out, "", "--evals 2 --fail_trials 2,3"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("maxFailedTrials 2"), std::string::npos) << r.output;
  Study s = study_of(out);
  ASSERT_EQ(s.trials.size(), 3u);
  EXPECT_EQ(s.count(TrialState::Failed), 2);
}

TEST(TgTune, GridSearchCoversTheGrid) {
  fs::path d = test::fresh_dir("tune_grid"), out = d / "study";
  fs::path cfg = write_config(
      d, yaml("    maxTrials: 10\n    maxParallelTrials: 2\n    algorithm: GRID_SEARCH\n",
              "    - {parameterName: x, type: CATEGORICAL, categoricalValues: ['3', '1', '2']}\n"
              "    - {parameterName: layers, type: INTEGER, minValue: 1, maxValue: 2}\n"));
  Result r = test::run_tg(tune_args(cfg, out, "", "--function identity --evals 1"));
  ASSERT_EQ(r.status, 0) << r.output;
  Study s = study_of(out);
  ASSERT_EQ(s.trials.size(), 6u);  // the grid, not maxTrials
  std::set<std::pair<int, double>> seen;
  for (const Trial& t : s.trials) {
    seen.insert({t.params[0].category, t.params[1].number});
    EXPECT_EQ(t.state, TrialState::Succeeded);
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(s.best()->objective, 1 + 10.0);  // x = 1 at its one evaluation
}

TEST(TgTune, TheSameSeedGivesTheSameStudy) {
  fs::path d = test::fresh_dir("tune_seed");
  fs::path cfg = write_config(d, yaml("    maxTrials: 6\n", kBraninParams));
  auto params = [&](const std::string& name, const std::string& seed) {
    Result r = test::run_tg(tune_args(cfg, d / name, "--seed " + seed, "--evals 2 --noise 0.5"));
    EXPECT_EQ(r.status, 0) << r.output;
    std::vector<Assignment> a;
    for (const Trial& t : study_of(d / name).trials) a.push_back(t.params);
    return a;
  };
  auto a = params("a", "4"), b = params("b", "4"), c = params("c", "5");
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(TgTune, MedianRuleStopsTheTrialsItShould) {
  // One trial at a time, in grid order: f = 1, 2, 3 complete; then f = 10 must be stopped (its
  // f + 10/k is above the median of the completed trials at each step), f = 0.5 must not, and
  // f = 11 must be stopped. Trials worse than 5 wait after their second evaluation until they
  // are stopped, so the rule has them in view however fast the machine is.
  fs::path d = test::fresh_dir("tune_stop"), out = d / "study";
  fs::path cfg = write_config(
      d, yaml("    maxTrials: 6\n    enableTrialEarlyStopping: true\n    algorithm: GRID_SEARCH\n",
              "    - {parameterName: x, type: CATEGORICAL, categoricalValues: ['1', '2', '3', '10', '0.5', '11']}\n"));
  Result r = test::run_tg(tune_args(cfg, out, "--stop_grace_secs 5", "--function identity --evals 4 --block_above 5"));
  ASSERT_EQ(r.status, 0) << r.output;
  Study s = study_of(out);
  ASSERT_EQ(s.trials.size(), 6u);
  std::vector<TrialState> want = {TrialState::Succeeded, TrialState::Succeeded, TrialState::Succeeded,
                                  TrialState::Stopped, TrialState::Succeeded, TrialState::Stopped};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(s.trials[i].state, want[i]) << "trial " << i + 1 << "\n" << r.output;
  // A stopped trial reports the best it reached, at its step.
  EXPECT_EQ(s.trials[3].objective, 10 + 10.0 / 2);
  EXPECT_EQ(s.trials[3].step, 200);
  EXPECT_TRUE(gone(trainer_pid(out / "trials" / "4")));
  Json out_json = Json::parse(read(out / "trials.json"));
  int stopped = 0;
  for (const Json& t : out_json["trials"]) stopped += t["isTrialStoppedEarly"].get<bool>();
  EXPECT_EQ(stopped, 2);
  EXPECT_EQ(s.best()->id, 5);
}

// Starts a study whose trials from the third on wait for `release`, and waits until two trials
// have finished and two are waiting.
pid_t start_waiting_study(const fs::path& d, const fs::path& out, const fs::path& release, const fs::path& log) {
  fs::path cfg = write_config(d, yaml("    maxTrials: 6\n    maxParallelTrials: 2\n    algorithm: RANDOM_SEARCH\n", kBraninParams));
  pid_t pid = start_tg(tune_args(cfg, out, "--stop_grace_secs 5",
                                 "--evals 3 --block_after 1 --block_from_trial 3 --release_file " + release.string()),
                       log);
  bool ready = wait_until([&] {
    auto s = load_study((out / "study.json").string());
    if (!s || s->trials.size() < 4 || s->count(TrialState::Succeeded) != 2) return false;
    return fs::exists(out / "trials/3/history.json") && fs::exists(out / "trials/4/history.json");
  });
  EXPECT_TRUE(ready) << read(log);
  return pid;
}

TEST(TgTune, ResumesAfterKill9WithoutLosingFinishedTrials) {
  fs::path d = test::fresh_dir("tune_kill9"), out = d / "study", release = d / "release";
  pid_t pid = start_waiting_study(d, out, release, d / "first.log");
  Study before = study_of(out);
  pid_t t3 = trainer_pid(out / "trials/3"), t4 = trainer_pid(out / "trials/4");
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // The trials die with the tuner.
  EXPECT_TRUE(wait_until([&] { return gone(t3) && gone(t4); }));
  write_file_atomic(release.string(), "go");
  fs::path cfg = d / "hp.yaml";
  Result r = test::run_tg(tune_args(cfg, out, "--stop_grace_secs 5",
                                    "--evals 3 --block_after 1 --block_from_trial 3 --release_file " + release.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 interrupted trial(s) run again"), std::string::npos) << r.output;
  Study after = study_of(out);
  ASSERT_EQ(after.trials.size(), 6u);
  EXPECT_EQ(after.count(TrialState::Succeeded), 6);
  for (int id : {1, 2}) {
    const Trial &b = before.trials[static_cast<size_t>(id - 1)], &a = after.trials[static_cast<size_t>(id - 1)];
    EXPECT_EQ(a.params, b.params);
    EXPECT_EQ(a.objective, b.objective);
    EXPECT_EQ(a.starts, 1);
    EXPECT_EQ(lines(out / "trials" / std::to_string(id) / "runs"), 1);  // never run again
  }
  for (int id : {3, 4}) {
    EXPECT_EQ(after.trials[static_cast<size_t>(id - 1)].params, before.trials[static_cast<size_t>(id - 1)].params);
    EXPECT_EQ(after.trials[static_cast<size_t>(id - 1)].starts, 2);
    EXPECT_EQ(lines(out / "trials" / std::to_string(id) / "runs"), 2);
  }
}

TEST(TgTune, SigtermStopsEveryTrialAndTheStudyContinues) {
  fs::path d = test::fresh_dir("tune_sigterm"), out = d / "study", release = d / "release";
  pid_t pid = start_waiting_study(d, out, release, d / "first.log");
  pid_t t3 = trainer_pid(out / "trials/3"), t4 = trainer_pid(out / "trials/4");
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << read(d / "first.log");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << read(d / "first.log");
  // The tuner waited for its trials before it exited.
  EXPECT_TRUE(gone(t3) && gone(t4));
  Study s = study_of(out);
  EXPECT_EQ(s.count(TrialState::Succeeded), 2);
  EXPECT_EQ(s.count(TrialState::Running), 2);  // interrupted, to run again
  write_file_atomic(release.string(), "go");
  Result r = test::run_tg(tune_args(d / "hp.yaml", out, "",
                                    "--evals 3 --block_after 1 --block_from_trial 3 --release_file " + release.string()));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(study_of(out).count(TrialState::Succeeded), 6);
}

TEST(TgTune, ErrorsAreOneLineNamingTheProblem) {
  fs::path d = test::fresh_dir("tune_errors"), out = d / "study";
  fs::path bad = write_config(d, yaml("    maxTrials: 2\n", "    - {parameterName: x, type: DOUBLE, minValue: 2, maxValue: 1}\n"));
  Result r = test::run_tg(tune_args(bad, out, "", ""));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("hp.yaml:7: trainingInput.hyperparameters.params[0].minValue"), std::string::npos) << r.output;
  // The trainer's flags must leave the trial's own to tg tune.
  fs::path cfg = write_config(d, yaml("    maxTrials: 2\n", kBraninParams));
  r = test::run_tg(tune_args(cfg, out, "", "--x1 3"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("--x1"), std::string::npos) << r.output;
  r = test::run_tg(tune_args(cfg, out, "", "--output_dir /tmp/elsewhere"));
  EXPECT_EQ(r.status, 1);
  // Another study in the same directory is refused, naming what differs.
  r = test::run_tg(tune_args(cfg, out, "--seed 3", "--evals 1"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = test::run_tg(tune_args(cfg, out, "--seed 4", "--evals 1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("holds another study (the seed"), std::string::npos) << r.output;
  // A trainer that cannot be started fails its trials, with the reason.
  r = test::run_tg("tune --config " + cfg.string() + " --output_dir " + (d / "s2").string() + " --trainer /nonexistent/trainer");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("cannot start the trial's program"), std::string::npos) << r.output;
}

TEST(TgTune, RunsTrialsThroughALauncherTemplate) {
  fs::path d = test::fresh_dir("tune_launcher"), out = d / "study";
  fs::path cfg = write_config(d, yaml("    maxTrials: 2\n", kBraninParams));
  Result r = test::run_tg("tune --config " + cfg.string() + " --output_dir " + out.string() + " --trainer " TG_TEST_TRAINER +
                          " --launcher 'env TG_TEST_LAUNCHED=yes {}' -- --evals 1 --function identity --x 'a b'");
  // --x is not a tuned parameter here: the trainer ignores what it does not know, so 'a b' must
  // arrive as one argument through the shell.
  ASSERT_EQ(r.status, 0) << r.output;
  std::string args = read(out / "trials/1/args");
  EXPECT_NE(args.find("--x\na b\n"), std::string::npos) << args;
  EXPECT_EQ(study_of(out).count(TrialState::Succeeded), 2);
}

TEST(TgTune, ReportDrawsTheStudy) {
  fs::path d = test::fresh_dir("tune_report"), out = d / "study";
  fs::path cfg = write_config(d, yaml("    maxTrials: 5\n    maxParallelTrials: 2\n    algorithm: RANDOM_SEARCH\n",
                                      "    - {parameterName: x, type: DOUBLE, minValue: 0.001, maxValue: 10, scaleType: UNIT_LOG_SCALE}\n"
                                      "    - {parameterName: units, type: CATEGORICAL, categoricalValues: ['64 32', '128']}\n"));
  ASSERT_EQ(test::run_tg(tune_args(cfg, out, "", "--function identity --evals 2")).status, 0);
  Result r = test::run_tg("report " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::string html = read(out / "report.html");
  for (const char* chart : {"best-so-far", "objective-by-trial", "objective-vs-x", "objective-vs-units"})
    EXPECT_NE(html.find(std::string("data-chart=\"") + chart + "\""), std::string::npos) << chart;
  EXPECT_NE(html.find("log scale"), std::string::npos);
  EXPECT_NE(html.find("href=\"trials/1/\""), std::string::npos);  // not tg train outputs: the directory
}

// Small generated taxi files, and a study of tg train itself over them.
TEST(TgTune, TunesTgTrainReadingItsMetrics) {
  fs::path d = test::fresh_dir("tune_tg_train"), out = d / "study";
  ASSERT_EQ(test::run_tg("generate-taxi --rows 1500 --seed 4 --output " + (d / "all.csv").string()).status, 0);
  ASSERT_EQ(test::run_tg("split " + (d / "all.csv").string() + " --output_prefix " + (d / "taxi").string()).status, 0);
  fs::path cfg = write_config(
      d, "trainingInput:\n  hyperparameters:\n    goal: MINIMIZE\n    hyperparameterMetricTag: rmse\n    maxTrials: 2\n"
         "    maxParallelTrials: 2\n    algorithm: RANDOM_SEARCH\n    params:\n"
         "    - {parameterName: learning_rate, type: DOUBLE, minValue: 0.001, maxValue: 0.05, scaleType: UNIT_LOG_SCALE}\n"
         "    - {parameterName: hidden_units, type: CATEGORICAL, categoricalValues: ['16 8', '8']}\n");
  Result r = test::run_tg("tune --config " + cfg.string() + " --output_dir " + out.string() + " --poll_secs 0.1 -- --train_data_paths " +
                          (d / "taxi-train.csv").string() + " --eval_data_paths " + (d / "taxi-valid.csv").string() +
                          " --columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers:default=1,key:int64:skip"
                          " --label_column fare_amount --optimizer adam --num_epochs 2 --eval_every_steps 5");
  ASSERT_EQ(r.status, 0) << r.output;
  Study s = study_of(out);
  ASSERT_EQ(s.count(TrialState::Succeeded), 2) << r.output;
  for (const Trial& t : s.trials) {
    Json metrics = Json::parse(read(out / "trials" / std::to_string(t.id) / "metrics.json"));
    EXPECT_EQ(t.objective, metrics["rmse"].get<double>());
    EXPECT_EQ(t.step, metrics["best_step"].get<int64_t>());
    EXPECT_GE(t.curve.size(), 2u);
  }
  Result rep = test::run_tg("report " + out.string());
  ASSERT_EQ(rep.status, 0) << rep.output;
  EXPECT_TRUE(fs::exists(out / "trials/1/report.html"));
  EXPECT_NE(read(out / "report.html").find("href=\"trials/1/report.html\""), std::string::npos);
}

}  // namespace
}  // namespace tg::tuning
