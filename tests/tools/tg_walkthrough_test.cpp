// The README's walk-through of tg (generate, split, train, evaluate, predict, report, export,
// serve, export-onnx), run as written: on a file without a header and on one with a header and
// a timestamp. The blocks are read from README.md between their markers; the only change is
// the port tg serve listens on (a free one rather than 8501).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_tg.h"
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;

std::string readme_block(const std::string& marker) {
  std::ifstream f(fs::path(TG_SOURCE_DIR) / "README.md");
  std::stringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  size_t begin = text.find("<!-- " + marker + ": begin -->");
  size_t end = text.find("<!-- " + marker + ": end -->");
  EXPECT_NE(begin, std::string::npos) << marker;
  EXPECT_NE(end, std::string::npos) << marker;
  if (begin == std::string::npos || end == std::string::npos) return "";
  std::string block = text.substr(begin, end - begin);
  size_t code = block.find("```sh\n");
  return block.substr(code + 6, block.rfind("```") - code - 6);
}

// Runs a shell script in dir with tg on the PATH; returns the exit status and the output.
tg::test::Result run_script(const fs::path& dir, std::string script) {
  std::string port = std::to_string(20000 + ::getpid() % 20000);
  for (size_t at; (at = script.find("8501")) != std::string::npos;) script.replace(at, 4, port);
  std::ofstream(dir / "walkthrough.sh") << "set -e\n" << script;
  fs::create_directory_symlink(fs::path(TG_SOURCE_DIR) / "samples", dir / "samples");
  std::string cmd = "cd '" + dir.string() + "' && PATH='" + fs::path(TG_BINARY).parent_path().string() +
                    "':\"$PATH\" bash walkthrough.sh 2>&1";
  tg::test::Result r{0, ""};
  std::FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) r.output += buf;
  int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(TgWalkthrough, WithoutAHeader) {
  fs::path d = tg::test::fresh_dir("walkthrough");
  auto r = run_script(d, readme_block("walkthrough"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "best model at step")) << r.output;
  EXPECT_TRUE(has(r.output, "distance heuristic")) << r.output;
  EXPECT_TRUE(has(r.output, "{\"predictions\":[{\"logits\"")) << r.output;  // the served model answered
  EXPECT_TRUE(has(r.output, "\"key\":")) << r.output;
  for (const char* f : {"predictions.csv", "taxi_model/report.html", "taxi.onnx"}) EXPECT_TRUE(fs::exists(d / f)) << f;
  std::ifstream pred(d / "predictions.csv");
  std::string first;
  std::getline(pred, first);
  EXPECT_EQ(first, "key,predictions");
}

TEST(TgWalkthrough, WithAHeaderAndATimestamp) {
  fs::path d = tg::test::fresh_dir("walkthrough_header");
  auto r = run_script(d, readme_block("walkthrough with a header"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "key,predictions")) << r.output;
  for (const char* f : {"rides_model/report.html", "rides.onnx", "rides_time/metrics.json"}) EXPECT_TRUE(fs::exists(d / f)) << f;
}

}  // namespace
