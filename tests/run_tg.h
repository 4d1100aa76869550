// Runs the tg program as a user would: a real process, its exit status and its output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace tg::test {

struct Result {
  int status;
  std::string output;  // stdout and stderr
};

// `tg ARGS` through the shell (ARGS may quote); the binary is the one this build made.
inline Result run_tg(const std::string& args) {
  std::string cmd = std::string(TG_BINARY) + " " + args + " 2>&1";
  Result r{0, ""};
  std::FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) r.output += buf.data();
  int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

}  // namespace tg::test
