// scripts/gpu_check.sh's `run` on a fake bundle whose programs all fail, as on a GPU machine
// where everything goes wrong: every stage must still run and leave its log, and the script
// must end with a failure that says where the logs are -- never stop silently part-way.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include "test_dirs.h"

namespace tg {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(GpuCheckScript, EveryStageLeavesItsLogWhenAllFail) {
  namespace fs = std::filesystem;
  fs::path root = test::fresh_dir("gpu_check");
  fs::create_directories(root / "bundle" / "lib");
  for (const char* program : {"tg_gpu_tests", "tg_train_bench", "sample_taxi_fare"}) {
    fs::path p = root / "bundle" / program;
    std::ofstream(p) << "#!/bin/sh\necho \"" << program << " failed\" >&2\nexit 3\n";
    fs::permissions(p, fs::perms::owner_all);
  }
  std::string cmd = std::string("cd '") + TG_SOURCE_DIR + "' && TG_GPU_BUILD='" + root.string() + "' OUT='" +
                    (root / "out").string() + "' TG_BENCH_OUT='" + (root / "results").string() +
                    "' TG_BENCH_SECONDS=0.1 scripts/gpu_check.sh run > '" + (root / "stdout").string() + "' 2> '" +
                    (root / "stderr").string() + "'";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << read_all(root / "stderr");
  std::string err = read_all(root / "stderr");
  EXPECT_NE(err.find("gpu_check: FAILED"), std::string::npos) << err;
  EXPECT_NE(err.find("does not start"), std::string::npos) << err;
  EXPECT_NE(err.find("does not run on the GPU"), std::string::npos) << err;
  for (const char* log : {"start.log", "sees_gpu.log", "gpu_tests.log", "gpu_bench.log", "taxi_sample.log"})
    EXPECT_TRUE(fs::exists(root / "out" / log)) << log;
  EXPECT_NE(read_all(root / "out" / "taxi_sample.log").find("sample_taxi_fare failed"), std::string::npos);
}

}  // namespace
}  // namespace tg
