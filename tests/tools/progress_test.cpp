// tg train's progress bar: cleared before a log line, ending at its total.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "base/log.h"
#include "tools/tg/progress.h"

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) s.append(buf, n);
  std::fseek(f, 0, SEEK_END);  // writing again after reading needs a seek
  return s;
}

TEST(Progress, ClearedBeforeALogLineAndEndsAtItsTotal) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    tg::cli::Progress p(0, -1, 2, out, true);
    // Two epochs of 5 steps; training stops at step 9 (an early stop, say).
    for (int64_t step = 1; step <= 9; ++step) p.update(step, step <= 5 ? 0 : 1, 1.0 / static_cast<double>(step), 10);
    std::string drawn = contents(out);
    ASSERT_NE(drawn.find("step 1"), std::string::npos) << drawn;
    // A log line while the bar is drawn: the hook clears the bar first ("\r\033[K").
    tg::log_info("a log line");  // stderr; the hook writes the clearing sequence to `out`
    std::string after = contents(out);
    EXPECT_EQ(after.substr(after.size() - 4), "\r\033[K") << after;
    p.finish();
  }
  std::string all = contents(out);
  // The last draw: step 9 of 9, the bar full, then the end of its line.
  std::string end = all.substr(all.rfind('\r'));
  EXPECT_NE(end.find("[========================] step 9/9"), std::string::npos) << end;
  EXPECT_EQ(all.back(), '\n');
  // After finish, log lines no longer touch the bar.
  size_t size = all.size();
  tg::log_info("another line");
  EXPECT_EQ(contents(out).size(), size);
  std::fclose(out);
}

}  // namespace
