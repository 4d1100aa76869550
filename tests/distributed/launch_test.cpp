// `tg train` as a job of several processes under mpirun, run as a user would: the real taxi
// files on two ranks meet the single process's bar; killing a rank ends the whole job with an
// error naming it, never a hang; and rerunning the command continues from the last checkpoint
// with another number of ranks, or with none.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "run_tg.h"
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// mpirun on this machine alone: as many ranks as asked on any number of cores, no binding, one
// thread each (TG_MPIRUN_FLAGS adds flags, e.g. "--mca btl self,tcp").
std::string mpirun(int ranks) {
  const char* extra = std::getenv("TG_MPIRUN_FLAGS");
  return std::string(TG_MPIRUN) + " -np " + std::to_string(ranks) +
         " --oversubscribe --bind-to none -x OMP_NUM_THREADS=1 " + (extra ? extra : "") + " ";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<int64_t> checkpoint_steps(const fs::path& dir) {
  std::vector<int64_t> steps;
  if (!fs::exists(dir)) return steps;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt-", 0) == 0 && e.path().extension() == ".tgc") steps.push_back(std::stoll(n.substr(5)));
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

TEST(Launch, TaxiOnTwoRanksMeetsTheBarOfOneProcess) {
  std::string data = TG_SHARED_DATA_DIR "/taxi";
  if (!fs::exists(data + "/taxi-train.csv")) GTEST_SKIP() << "no shared taxi data beside the project";
  fs::path out = tg::test::fresh_dir("dist_taxi");
  // 2 ranks x 64 = the global batch of the single-process test (128), evaluated every epoch.
  std::string cmd = mpirun(2) + TG_BINARY + " train --train_data_paths " + data + "/taxi-train.csv --eval_data_paths " +
                    data + "/taxi-valid.csv --output_dir " + out.string() + " --spec " + TG_SOURCE_DIR +
                    "/samples/specs/taxi_engineered.json --optimizer adam --learning_rate 0.001 --batch_size 64"
                    " --hidden_units '128 64 32' --num_epochs 60 --eval_every_steps 58 --early_stopping_patience 15"
                    " > " + (out / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read_text(out / "log.txt");
  nlohmann::json m = nlohmann::json::parse(read_text(out / "metrics.json"));
  EXPECT_LE(m["rmse"].get<double>(), 4.1);
  std::string log = read_text(out / "log.txt");
  EXPECT_NE(log.find("2 ranks x batch 64 = a global batch of 128"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1/2: "), std::string::npos) << "logs carry the rank";
  // Rank 0 alone wrote the output directory: one set of files, read back whole.
  EXPECT_TRUE(fs::exists(out / "details.json"));
  EXPECT_FALSE(checkpoint_steps(out).empty());
}

// Starts a shell command in the background with its output in a file; returns its pid.
pid_t start(const std::string& cmd, const fs::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string full = "exec " + cmd + " > " + log.string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", full.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// The pid of the process of this rank among the descendants of mpirun (by its environment).
pid_t rank_pid(pid_t launcher, int rank) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid != launcher) continue;
    std::ifstream env(e.path() / "environ");
    std::string vars((std::istreambuf_iterator<char>(env)), {});
    if (vars.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// Waits for pid to exit (at most `limit`); returns its wait status, or -1 if it did not.
int wait_for(pid_t pid, std::chrono::seconds limit, double* seconds) {
  auto t0 = Clock::now();
  int status = 0;
  while (Clock::now() - t0 < limit) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

// A small regression problem in dir; returns the tg train arguments over it (output in dir/model).
std::string small_problem(const fs::path& dir) {
  fs::path train = dir / "train.csv", valid = dir / "valid.csv";
  std::ofstream t(train), v(valid);
  for (int i = 0; i < 4000; ++i) {
    double x1 = (i % 97) / 97.0, x2 = (i % 13) / 13.0;
    (i % 5 ? t : v) << x1 << "," << x2 << "," << 3 * x1 - 2 * x2 + 0.5 << "\n";
  }
  return std::string(TG_BINARY) + " train --train_data_paths " + train.string() + " --eval_data_paths " +
         valid.string() + " --output_dir " + (dir / "model").string() +
         " --columns x1,x2,y --label_column y --hidden_units 8 --batch_size 16 --eval_every_steps 20";
}

TEST(Launch, KilledRankEndsTheJobAndARerunContinuesWithOtherRankCounts) {
  fs::path dir = tg::test::fresh_dir("dist_kill"), out = dir / "model";
  std::string common = small_problem(dir);
  // A long run on 2 ranks, killed (kill -9) on rank 1 once checkpoints exist.
  pid_t job = start(mpirun(2) + common + " --train_steps 1000000", dir / "killed.txt");
  auto t0 = Clock::now();
  while (checkpoint_steps(out).size() < 2 && Clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(checkpoint_steps(out).size(), 2u) << read_text(dir / "killed.txt");
  pid_t victim = rank_pid(job, 1);
  ASSERT_GT(victim, 0) << "rank 1 not found among mpirun's children";
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  double seconds = 0;
  int status = wait_for(job, std::chrono::seconds(180), &seconds);
  if (status == -1) {
    kill(job, SIGKILL);
    waitpid(job, &status, 0);
    FAIL() << "the job did not end after rank 1 was killed:\n" << read_text(dir / "killed.txt");
  }
  std::string log = read_text(dir / "killed.txt");
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  EXPECT_NE(log.find("rank 1"), std::string::npos) << "the message names the lost rank:\n" << log;
  std::printf("the job ended %.1f s after rank 1 was killed\n", seconds);

  // The same command on 3 ranks continues from the last checkpoint.
  int64_t saved = checkpoint_steps(out).back();
  std::string cmd = mpirun(3) + common + " --train_steps " + std::to_string(saved + 30) + " > " +
                    (dir / "three.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir / "three.txt");
  std::string three = read_text(dir / "three.txt");
  EXPECT_NE(three.find("ckpt-" + std::to_string(saved) + ".tgc"), std::string::npos) << three;
  EXPECT_NE(three.find("written by 2 processes, this run has 3"), std::string::npos) << three;
  EXPECT_EQ(checkpoint_steps(out).back(), saved + 30) << three;
  nlohmann::json st = nlohmann::json::parse(read_text(out / ("ckpt-" + std::to_string(saved + 30) + ".json")));
  EXPECT_EQ(st["ranks"], 3);
  EXPECT_EQ(st["inputs"].size(), 3u);

  // And one process, without a launcher, continues that.
  auto alone = tg::test::run_tg(common.substr(std::string(TG_BINARY).size() + 1) + " --train_steps " +
                                std::to_string(saved + 50));
  ASSERT_EQ(alone.status, 0) << alone.output;
  EXPECT_NE(alone.output.find("written by 3 processes, this run has 1"), std::string::npos) << alone.output;
  EXPECT_EQ(checkpoint_steps(out).back(), saved + 50);
}

// A rank that stops answering (SIGSTOP) without dying: the others' collective times out and
// the job ends, naming the collective.
TEST(Launch, StalledRankEndsTheJobAfterTheCollectiveTimeout) {
  fs::path dir = tg::test::fresh_dir("dist_stall"), out = dir / "model";
  std::string common = small_problem(dir);
  pid_t job = start("env TG_COLLECTIVE_TIMEOUT=3 " + mpirun(2) + common + " --train_steps 1000000", dir / "log.txt");
  auto t0 = Clock::now();
  while (checkpoint_steps(out).empty() && Clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  pid_t victim = rank_pid(job, 1);
  ASSERT_GT(victim, 0) << read_text(dir / "log.txt");
  ASSERT_EQ(kill(victim, SIGSTOP), 0);
  double seconds = 0;
  int status = wait_for(job, std::chrono::seconds(180), &seconds);
  kill(victim, SIGKILL);  // if the launcher left it stopped
  if (status == -1) {
    kill(job, SIGKILL);
    waitpid(job, &status, 0);
    FAIL() << "the job did not end after rank 1 stalled:\n" << read_text(dir / "log.txt");
  }
  std::string log = read_text(dir / "log.txt");
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  EXPECT_NE(log.find("rank 0 of 2: an all-reduce has waited"), std::string::npos) << log;
  std::printf("the job ended %.1f s after rank 1 stalled (timeout 3 s)\n", seconds);
}

}  // namespace
