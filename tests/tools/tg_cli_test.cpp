// The tg program run as a user would: real processes, exit codes and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>

#include "run_tg.h"
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;

using tg::test::Result;
Result tg(const std::string& args) { return tg::test::run_tg(args); }

fs::path temp_dir() {
  return tg::test::fresh_dir("cli_test");
}

TEST(TgCli, GenerateThenSplitWithTaxiFilters) {
  fs::path d = temp_dir();
  Result g = tg("generate-taxi --rows 3000 --dirty_fraction 0.05 --seed 3 --output " + (d / "all.csv").string());
  ASSERT_EQ(g.status, 0) << g.output;
  EXPECT_NE(g.output.find("wrote 3000 rides"), std::string::npos);
  Result s = tg("split " + (d / "all.csv").string() + " --taxi_filters --seed 5 --output_prefix " + (d / "taxi").string());
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_NE(s.output.find("train"), std::string::npos);
  EXPECT_NE(s.output.find("dropped"), std::string::npos);
  EXPECT_TRUE(fs::exists(d / "taxi-train.csv") && fs::exists(d / "taxi-valid.csv") && fs::exists(d / "taxi-test.csv"));
}

TEST(TgCli, DevicesListsTheCpuAndEachGpuOrWhyThereIsNone) {
  Result r = tg("devices");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("/cpu:0  CPU, ", 0), 0u) << r.output;
  // Either GPUs, each on a line of its own, or one line saying why there are none.
  bool gpus = r.output.find("/gpu:0  ") != std::string::npos;
  bool none = r.output.find("no GPU: ") != std::string::npos;
  EXPECT_NE(gpus, none) << r.output;
}

TEST(TgCli, BadFlagIsOneLineAndExitCodeTwo) {
  Result r = tg("generate-taxi --rows 10 --output /tmp/x.csv --bogus 1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("--bogus"), std::string::npos) << r.output;
  // A missing file is a failure to run (1), as the README says, not a wrong flag.
  r = tg("split /nonexistent.csv --output_prefix /tmp/x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("/nonexistent.csv"), std::string::npos) << r.output;
}

TEST(TgCli, UnwritableOutputIsAClearError) {
  Result r = tg("generate-taxi --rows 10 --output /nonexistent-dir/x.csv");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot write '/nonexistent-dir/x.csv'"), std::string::npos) << r.output;
}

// Small generated taxi files for the train/evaluate/predict/report tests, once per process.
fs::path taxi_files() {
  static fs::path d = [] {
    fs::path dir = tg::test::fresh_dir("cli_taxi");
    tg("generate-taxi --rows 3000 --seed 9 --output " + (dir / "all.csv").string());
    tg("split " + (dir / "all.csv").string() + " --output_prefix " + (dir / "taxi").string());
    return dir;
  }();
  return d;
}

const char* kTaxiColumns = "--columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers:default=1,key:int64:skip";

TEST(TgCli, TrainEvaluatePredictReportOnGeneratedData) {
  fs::path d = taxi_files(), out = d / "model";
  fs::remove_all(out);
  Result t = tg("train --train_data_paths " + (d / "taxi-train.csv").string() + " --eval_data_paths " +
                (d / "taxi-valid.csv").string() + " --output_dir " + out.string() + " " + kTaxiColumns +
                " --label_column fare_amount --hidden_units '32 16' --optimizer adam --num_epochs 3 --eval_every_steps 10");
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("best model at step"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("rmse"), std::string::npos) << t.output;
  for (const char* f : {"tg_spec.json", "metrics.json", "history.json", "details.json", "train", "eval", "best"})
    EXPECT_TRUE(fs::exists(out / f)) << f;

  Result e = tg("evaluate --model_dir " + out.string() + " --eval_data_paths " + (d / "taxi-test.csv").string());
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("rmse"), std::string::npos) << e.output;

  Result p = tg("predict --model_dir " + out.string() + " --input " + (d / "taxi-test.csv").string() + " --format json");
  ASSERT_EQ(p.status, 0) << p.output;
  EXPECT_NE(p.output.find("{\"predictions\":"), std::string::npos) << p.output.substr(0, 300);

  Result r = tg("report " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "report.html"));
}

TEST(TgCli, TrainErrorsAreOneLine) {
  fs::path d = taxi_files();
  std::string base = std::string(" ") + kTaxiColumns + " --label_column fare_amount --num_epochs 1";
  struct Case {
    std::string args, expected;
    int status;
  };
  std::vector<Case> cases{
      {"train --train_data_paths " + (d / "taxi-train.csv").string() + " --eval_data_paths " + (d / "taxi-valid.csv").string() +
           " --output_dir " + (d / "m").string() + base + " --optimizer adamw",
       "--optimizer", 2},
      {"train --train_data_paths " + (d / "nope*.csv").string() + " --eval_data_paths " + (d / "taxi-valid.csv").string() +
           " --output_dir " + (d / "m").string() + base,
       "matches no file", 1},
      {"train --train_data_paths " + (d / "taxi-train.csv").string() + " --eval_data_paths " + (d / "taxi-valid.csv").string() +
           " --output_dir /proc/tg-cannot-write" + base,
       "cannot create the output directory '/proc/tg-cannot-write'", 1},
      {"train --train_data_paths " + (d / "taxi-train.csv").string() + " --eval_data_paths " + (d / "taxi-valid.csv").string() +
           " --output_dir " + (d / "m").string() + " --spec /nonexistent/spec.json --label_column x",
       "/nonexistent/spec.json", 1},
      {"evaluate --model_dir " + d.string() + " --eval_data_paths " + (d / "taxi-test.csv").string(), "holds no trained model", 1},
      {"report " + d.string(), "is it a tg train output directory", 1},
  };
  for (const auto& c : cases) {
    Result r = tg(c.args);
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

TEST(TgCli, HelpDocumentsTheFlags) {
  Result r = tg("split --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--output_prefix", "--fractions", "--seed", "--taxi_filters", "--header"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  r = tg("train --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--train_data_paths", "--eval_data_paths", "--output_dir", "--job-dir", "--num_epochs",
                           "--train_steps", "--batch_size", "--hidden_units", "--learning_rate", "--optimizer", "--model",
                           "--task", "--label_column", "--spec", "--eval_every_steps", "--early_stopping_patience",
                           "--seed", "--device"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
}

// A feature that overflows float32 stops training with file, line and column, before a
// model directory or a spec with "mean": null exists; an input without rows names its files.
TEST(TgCli, Float32OverflowAndEmptyInputAreNamedBeforeTraining) {
  fs::path d = tg::test::fresh_dir("cli_bad_numbers");
  {
    std::FILE* f = std::fopen((d / "train.csv").c_str(), "w");
    for (int i = 0; i < 50; ++i) std::fprintf(f, "%d.5,-73.9,40.7,-73.8,40.8,1,%d\n", 5 + i % 7, i);
    std::fprintf(f, "9.5,1e39,40.7,-73.8,40.8,1,50\n");  // line 51
    std::fclose(f);
    std::fclose(std::fopen((d / "empty.csv").c_str(), "w"));
  }
  std::string common = std::string(" ") + kTaxiColumns + " --label_column fare_amount --num_epochs 1";
  Result r = tg("train --train_data_paths " + (d / "train.csv").string() + " --eval_data_paths " +
                (d / "train.csv").string() + " --output_dir " + (d / "model").string() + common);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("train.csv:51: column 2 (pickuplon): '1e39' overflows float32"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "model" / "tg_spec.json"));
  r = tg("train --train_data_paths " + (d / "empty.csv").string() + " --eval_data_paths " +
         (d / "train.csv").string() + " --output_dir " + (d / "model2").string() + common);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find((d / "empty.csv").string() + "' holds 0 rows"), std::string::npos) << r.output;
}

}  // namespace
