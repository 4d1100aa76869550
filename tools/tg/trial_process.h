// One trial of `tg tune` as a child process: started in its own process group (so that it and
// whatever it starts can be stopped together), its output appended to a log file, killed with
// the tuner if the tuner dies (Linux's parent-death signal), stopped with SIGTERM and, after a
// grace period, SIGKILL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tg::cli {

class TrialProcess {
 public:
  // Starts argv[0] (searched in PATH) with the environment `env` (NAME=VALUE entries replacing
  // or adding to this process's), stdout and stderr appended to log_path, stdin /dev/null.
  // A program that cannot be started exits with status 127, its reason in the log.
  TrialProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log_path);
  TrialProcess(const TrialProcess&) = delete;
  TrialProcess& operator=(const TrialProcess&) = delete;
  // Kills the process group if it is still running, and reaps it.
  ~TrialProcess();

  pid_t pid() const { return pid_; }
  // The exit status once it has ended (without waiting), as waitpid's raw status.
  std::optional<int> poll();
  // SIGTERM to the group, once; SIGKILL to the group once `grace` has passed since (call again
  // to escalate).
  void stop(std::chrono::duration<double> grace);
  bool stopping() const { return stop_sent_; }
  // SIGKILL to the group (what is left after the leader exited, or a hard stop).
  void kill_group();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  bool stop_sent_ = false, kill_sent_ = false;
  std::chrono::steady_clock::time_point stop_time_;
};

// A command line for `sh -c`: each argument single-quoted when it needs to be.
std::string shell_join(const std::vector<std::string>& argv);
// This program's own path (/proc/self/exe), for running `tg train` as the default trainer.
std::string self_executable();
// The last non-empty line of a file (at most its last 4 KB), "" when none.
std::string last_line(const std::string& path);

}  // namespace tg::cli
