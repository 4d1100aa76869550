// A training process killed with SIGKILL at random moments, restarted each time, resumes from
// its last checkpoint and finishes with the same step count and a model as good as an
// uninterrupted run's.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "data/taxi_generator.h"
#include "runtime/checkpoint.h"

namespace {

namespace fs = std::filesystem;

pid_t spawn(const std::string& dir, const std::string& data, int64_t max_steps, const std::string& json) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string steps = std::to_string(max_steps);
    execl(TG_RESUMABLE_TRAINER, TG_RESUMABLE_TRAINER, dir.c_str(), data.c_str(), steps.c_str(), json.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

nlohmann::json read_json(const std::string& path) {
  nlohmann::json j;
  std::ifstream(path) >> j;
  return j;
}

int64_t latest_step(const std::string& dir) {
  if (!fs::exists(dir)) return -1;
  auto steps = tg::CheckpointManager(dir).steps();
  return steps.empty() ? -1 : steps.back();
}

TEST(KillResume, SigkillAtRandomMomentsThenResume) {
  fs::path work = fs::temp_directory_path() / "tg_kill_resume";
  fs::remove_all(work);
  fs::create_directories(work);
  std::string data = (work / "taxi.csv").string();
  tg::data::TaxiGeneratorOptions g;
  g.rows = 20000;
  tg::data::generate_taxi_csv(data, g);
  const int64_t max_steps = 20000;

  std::string ref_json = (work / "reference.json").string();
  ASSERT_EQ(wait_exit(spawn((work / "reference").string(), data, max_steps, ref_json)), 0);
  auto ref = read_json(ref_json);
  ASSERT_EQ(ref["global_step"].get<int64_t>(), max_steps);

  std::string dir = (work / "killed").string(), json = (work / "killed.json").string();
  std::mt19937 rng(12345);
  int kills = 0;
  int64_t last = -1;
  for (int attempt = 0; attempt < 5; ++attempt) {
    pid_t pid = spawn(dir, data, max_steps, json);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 500)(rng)));
    if (kill(pid, SIGKILL) == 0 && wait_exit(pid) == -SIGKILL) {
      ++kills;
      int64_t now = latest_step(dir);
      EXPECT_GE(now, last) << "checkpoints went backwards";
      last = now;
    } else {
      break;  // it finished before the kill
    }
  }
  EXPECT_GE(kills, 3) << "the trainer finished too fast to be killed";
  EXPECT_GT(last, 0) << "no checkpoint survived the kills";
  ASSERT_EQ(wait_exit(spawn(dir, data, max_steps, json)), 0);
  auto resumed = read_json(json);
  EXPECT_EQ(resumed["global_step"].get<int64_t>(), max_steps);
  double r = resumed["rmse"].get<double>(), baseline = ref["rmse"].get<double>();
  EXPECT_LT(r, baseline * 1.05 + 0.1) << "resumed " << r << " vs uninterrupted " << baseline;
}

}  // namespace
