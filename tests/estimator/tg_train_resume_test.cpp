// `tg train` run again on its --output_dir, as a user would: a finished run changes nothing and
// prints its result; a stopped run continues its epochs and history; another model there is
// refused with what differs and the way out, and --overwrite replaces it.
#include <gtest/gtest.h>

#include <algorithm>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "data/taxi_generator.h"
#include "run_tg.h"
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;

using tg::test::Result;
Result tg_run(const std::string& args) { return tg::test::run_tg(args); }

// Generated taxi files, once per process: 2000 training rides (16 batches of 128) and 500 to evaluate.
const fs::path& taxi_files() {
  static fs::path d = [] {
    fs::path dir = tg::test::fresh_dir("tg_train_resume_data");
    tg::data::TaxiGeneratorOptions g;
    g.rows = 2000;
    g.seed = 9;
    tg::data::generate_taxi_csv((dir / "train.csv").string(), g);
    g.rows = 500;
    g.seed = 10;
    tg::data::generate_taxi_csv((dir / "valid.csv").string(), g);
    return dir;
  }();
  return d;
}

std::string train_args(const fs::path& out, const std::string& more) {
  const fs::path& d = taxi_files();
  return "train --train_data_paths " + (d / "train.csv").string() + " --eval_data_paths " + (d / "valid.csv").string() +
         " --output_dir " + out.string() +
         " --columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers:default=1,key:int64:skip"
         " --label_column fare_amount --optimizer adam --eval_every_steps 10 " + more;
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(tg::read_file(p.string())); }

std::vector<int64_t> eval_steps(const nlohmann::json& history) {
  std::vector<int64_t> r;
  for (const auto& e : history["eval"]) r.push_back(e["step"]);
  return r;
}

// Every file under dir with its bytes, event files aside (a rerun's evaluation adds one).
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> r;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().find("tfevents") == std::string::npos)
      r[fs::relative(e.path(), dir).string()] = tg::read_file(e.path().string());
  return r;
}

TEST(TgTrainResume, AFinishedRunStartedAgainChangesNothingAndPrintsItsResult) {
  fs::path out = tg::test::fresh_dir("tg_train_finished");
  std::string args = train_args(out, "--hidden_units '16 8' --num_epochs 3");
  Result first = tg_run(args);
  ASSERT_EQ(first.status, 0) << first.output;
  auto before = files_of(out);
  ASSERT_TRUE(before.count("best/metrics.json"));
  Result again = tg_run(args);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("had finished at step 48: nothing left to train"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("best model at step"), std::string::npos) << again.output;
  auto after = files_of(out);
  for (const auto& [name, bytes] : before) {
    ASSERT_TRUE(after.count(name)) << name << " is gone";
    if (name == "metrics.json" || name == "details.json") continue;  // evaluated again: same numbers, checked below
    EXPECT_EQ(after[name], bytes) << name << " changed";
  }
  EXPECT_EQ(after.size(), before.size());
  auto m1 = nlohmann::json::parse(before["metrics.json"]), m2 = read_json(out / "metrics.json");
  EXPECT_NEAR(m2["rmse"].get<double>(), m1["rmse"].get<double>(), 1e-6);
  EXPECT_EQ(m2["best_step"], m1["best_step"]);
}

// Stopped at step 25 (--train_steps, as a kill after a checkpoint would) and started again
// without it, the run ends at the step of an uninterrupted one, with every evaluation.
TEST(TgTrainResume, AStoppedRunContinuesItsEpochsAndItsHistory) {
  fs::path whole = tg::test::fresh_dir("tg_train_whole"), parts = tg::test::fresh_dir("tg_train_parts");
  ASSERT_EQ(tg_run(train_args(whole, "--hidden_units '16 8' --num_epochs 4")).status, 0);
  Result stopped = tg_run(train_args(parts, "--hidden_units '16 8' --num_epochs 4 --train_steps 25"));
  ASSERT_EQ(stopped.status, 0) << stopped.output;
  Result rest = tg_run(train_args(parts, "--hidden_units '16 8' --num_epochs 4"));
  ASSERT_EQ(rest.status, 0) << rest.output;
  EXPECT_NE(rest.output.find("of 64"), std::string::npos) << rest.output;  // 4 epochs of 16 batches
  auto ref = read_json(whole / "history.json"), h = read_json(parts / "history.json");
  std::vector<int64_t> expected = eval_steps(ref);
  expected.insert(std::upper_bound(expected.begin(), expected.end(), 25), 25);  // where the first part stopped
  EXPECT_EQ(eval_steps(h), expected);
  // The loss curve keeps the first part's windows (every 5 steps) and goes on from there.
  ASSERT_EQ(h["train"].size(), ref["train"].size()) << h["train"].dump();
  for (size_t i = 0; i < h["train"].size(); ++i) EXPECT_EQ(h["train"][i][0], ref["train"][i][0]);
}

TEST(TgTrainResume, AnotherModelInTheOutputDirectoryIsRefusedUnlessOverwritten) {
  fs::path out = tg::test::fresh_dir("tg_train_other_model");
  ASSERT_EQ(tg_run(train_args(out, "--hidden_units '16 8' --num_epochs 2")).status, 0);
  auto before = files_of(out);
  Result other = tg_run(train_args(out, "--hidden_units '32 8' --num_epochs 2"));
  EXPECT_EQ(other.status, 1) << other.output;
  for (const char* part : {"holds a model this run cannot continue", "model.hidden_units: [16,8] in the output directory, "
                           "[32,8] now", "float32[5, 32] in the graph but float32[5, 16] in the file", "--output_dir",
                           "--overwrite"})
    EXPECT_NE(other.output.find(part), std::string::npos) << part << "\n" << other.output;
  EXPECT_EQ(files_of(out), before) << "the refused run changed the output directory";

  // A damaged newest checkpoint is skipped for the one before; when none loads, the run stops.
  std::vector<std::string> checkpoints;
  for (const auto& [name, bytes] : before)
    if (name.rfind("ckpt-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".tgc") checkpoints.push_back(name);
  ASSERT_FALSE(checkpoints.empty());
  for (const auto& name : checkpoints) tg::write_file_atomic((out / name).string(), "damaged");
  Result damaged = tg_run(train_args(out, "--hidden_units '16 8' --num_epochs 2"));
  EXPECT_EQ(damaged.status, 1) << damaged.output;
  EXPECT_NE(damaged.output.find("none loads"), std::string::npos) << damaged.output;
  EXPECT_NE(damaged.output.find("--overwrite"), std::string::npos) << damaged.output;
  EXPECT_TRUE(fs::exists(out / checkpoints[0]));

  Result replaced = tg_run(train_args(out, "--hidden_units '32 8' --num_epochs 2 --overwrite"));
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  EXPECT_NE(replaced.output.find("of 32"), std::string::npos) << replaced.output;  // trained from step 0
  EXPECT_EQ(read_json(out / "tg_spec.json")["model"]["hidden_units"], nlohmann::json({32, 8}));
  // Steps 10, 16 (the end of the first epoch), 20, 30 and 32 of the new model only.
  EXPECT_EQ(eval_steps(read_json(out / "history.json")), (std::vector<int64_t>{10, 16, 20, 30, 32}));
}

}  // namespace
