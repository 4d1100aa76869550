// The tg program run as a user would: real processes, exit codes and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string output;  // stdout and stderr
};

Result tg(const std::string& args) {
  std::string cmd = std::string(TG_BINARY) + " " + args + " 2>&1";
  Result r{0, ""};
  std::FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) r.output += buf.data();
  int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / "tg_cli_test";
  fs::create_directories(d);
  return d;
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

TEST(TgCli, BadFlagIsOneLineAndExitCodeTwo) {
  Result r = tg("generate-taxi --rows 10 --output /tmp/x.csv --bogus 1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("--bogus"), std::string::npos) << r.output;
  r = tg("split /nonexistent.csv --output_prefix /tmp/x");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("/nonexistent.csv"), std::string::npos) << r.output;
}

TEST(TgCli, UnwritableOutputIsAClearError) {
  Result r = tg("generate-taxi --rows 10 --output /nonexistent-dir/x.csv");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot write '/nonexistent-dir/x.csv'"), std::string::npos) << r.output;
}

TEST(TgCli, HelpDocumentsTheFlags) {
  Result r = tg("split --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--output_prefix", "--fractions", "--seed", "--taxi_filters", "--header"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
}

}  // namespace
