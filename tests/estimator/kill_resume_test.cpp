// A training process killed with SIGKILL twice, each time once it has written a checkpoint of
// its own (the test watches the directory, not a clock) and at a random moment after it, then
// restarted, ends where an uninterrupted run does: the same global step (the input continues
// where the checkpoint left it), every evaluation in its history, a best model no worse than the
// best recorded before the kills, and no stray files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "data/taxi_generator.h"
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;

pid_t spawn(const std::string& dir, const std::string& data, int epochs, const std::string& json, int delay_ms) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string e = std::to_string(epochs), d = std::to_string(delay_ms);
    execl(TG_RESUMABLE_TRAINER, TG_RESUMABLE_TRAINER, dir.c_str(), data.c_str(), e.c_str(), json.c_str(), d.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return exit_code(status);
}

nlohmann::json read_json(const fs::path& path) {
  nlohmann::json j;
  std::ifstream(path) >> j;
  return j;
}

// The newest ckpt-<step>.<ext> in dir (-1 when none), read without touching the directory.
int64_t latest(const fs::path& dir, const std::string& ext) {
  int64_t best = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt-", 0) != 0 || n.size() <= 5 + ext.size() || n.substr(n.size() - ext.size()) != ext) continue;
    try {
      best = std::max<int64_t>(best, std::stoll(n.substr(5, n.size() - 5 - ext.size())));
    } catch (...) {
    }
  }
  return best;
}

TEST(KillResume, KilledTwiceEndsWhereAnUninterruptedRunDoes) {
  fs::path work = tg::test::fresh_dir("kill_resume");
  std::string data = (work / "taxi.csv").string();
  tg::data::TaxiGeneratorOptions g;
  g.rows = 20000;
  tg::data::generate_taxi_csv(data, g);
  const int epochs = 6;  // 157 steps each: 942 steps, 10 evaluations

  ASSERT_EQ(wait_exit(spawn((work / "reference").string(), data, epochs, (work / "reference.json").string(), 0)), 0);
  auto ref = read_json(work / "reference.json");
  ASSERT_EQ(ref["global_step"].get<int64_t>(), epochs * 157);

  // 2 ms a step: the kills come by step 600, with at least half a second of training left.
  fs::path dir = work / "killed";
  std::string json = (work / "killed.json").string();
  std::mt19937 rng(12345);
  int64_t restored = -1;
  double best_before_kills = std::numeric_limits<double>::infinity();
  for (int kill_no = 0; kill_no < 2; ++kill_no) {
    pid_t pid = spawn(dir.string(), data, epochs, json, 2);
    // Wait for a checkpoint this process wrote, 50 to 300 steps on (the first kill comes after
    // a few evaluations); a process that ends first fails the test.
    int64_t target = std::max<int64_t>(restored, 0) + 50 * std::uniform_int_distribution<int>(1, 6)(rng);
    int status = 0;
    while (latest(dir, ".tgc") < target) {
      ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the trainer ended (" << exit_code(status)
                                                   << ") before writing a checkpoint";
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 60)(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    ASSERT_EQ(wait_exit(pid), -SIGKILL) << "the trainer finished before the kill";
    int64_t now = latest(dir, ".tgc");
    EXPECT_GT(now, restored) << "checkpoints went backwards";
    restored = now;
    // The best model so far: the evaluation saved beside the best checkpoint (metrics.json,
    // written after it, may be one best behind).
    fs::path best = dir / "best" / ("ckpt-" + std::to_string(latest(dir / "best", ".tgc")) + ".json");
    if (!fs::exists(best)) best = dir / "best" / "metrics.json";
    if (fs::exists(best)) best_before_kills = read_json(best)["metrics"]["rmse"];
  }
  ASSERT_LT(restored, epochs * 157) << "the kills came after the end";
  ASSERT_EQ(wait_exit(spawn(dir.string(), data, epochs, json, 0)), 0);
  auto resumed = read_json(json);
  int64_t step = resumed["global_step"].get<int64_t>(), ref_step = ref["global_step"].get<int64_t>();
  std::printf("final step: uninterrupted %ld, killed twice %ld; best RMSE: uninterrupted %.4f, before the kills %.4f, "
              "after %.4f\n", static_cast<long>(ref_step), static_cast<long>(step), ref["best_rmse"].get<double>(),
              best_before_kills, resumed["best_rmse"].get<double>());
  EXPECT_LE(std::abs(step - ref_step), 1) << "the killed run trained on other data than the uninterrupted one";
  EXPECT_EQ(resumed["evaluations"].get<int64_t>(), ref["evaluations"].get<int64_t>());
  EXPECT_LE(resumed["best_rmse"].get<double>(), best_before_kills) << "the restarts forgot the best model";
  double r = resumed["best_rmse"].get<double>(), baseline = ref["best_rmse"].get<double>();
  EXPECT_LT(r, baseline * 1.05 + 0.1) << "resumed " << r << " vs uninterrupted " << baseline;
  for (const fs::path& d : {dir, dir / "best"})
    for (const auto& e : fs::directory_iterator(d))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "stray " << e.path();
}

}  // namespace
