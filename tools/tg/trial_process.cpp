#include "tools/tg/trial_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/error.h"

extern char** environ;

namespace tg::cli {

TrialProcess::TrialProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                           const std::string& log_path) {
  TG_CHECK(!argv.empty(), "a trial needs a command");
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    size_t eq = s.find('=');
    if (eq != std::string::npos) vars[s.substr(0, eq)] = s;
  }
  for (const auto& s : env) vars[s.substr(0, s.find('='))] = s;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : vars) env_strings.push_back(v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  TG_CHECK(log_fd >= 0, "cannot open the trial log '", log_path, "': ", std::strerror(errno));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a tuner killed with -9 takes its trials along
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::execvpe(args[0], args.data(), envp.data());
    const char* msg = "tg tune: cannot start the trial's program: ";
    ssize_t ignored = ::write(2, msg, std::strlen(msg));
    ignored = ::write(2, std::strerror(errno), std::strlen(std::strerror(errno)));
    ignored = ::write(2, "\n", 1);
    (void)ignored;
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  TG_CHECK(pid > 0, "cannot start a trial: fork failed: ", std::strerror(fork_errno));
  ::setpgid(pid, pid);  // also here, so that a stop right after the start reaches the group
  pid_ = pid;
}

TrialProcess::~TrialProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

std::optional<int> TrialProcess::poll() {
  if (reaped_) return std::nullopt;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return status;
  }
  return std::nullopt;
}

void TrialProcess::stop(std::chrono::duration<double> grace) {
  if (reaped_) return;
  if (!stop_sent_) {
    stop_sent_ = true;
    stop_time_ = std::chrono::steady_clock::now();
    ::kill(-pid_, SIGTERM);
  } else if (!kill_sent_ && std::chrono::steady_clock::now() - stop_time_ >= grace) {
    kill_sent_ = true;
    ::kill(-pid_, SIGKILL);
  }
}

void TrialProcess::kill_group() {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string r;
  for (const auto& a : argv) {
    bool plain = !a.empty();
    for (char c : a)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c))) plain = false;
    if (!r.empty()) r += ' ';
    if (plain) {
      r += a;
      continue;
    }
    r += '\'';
    for (char c : a) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    r += '\'';
  }
  return r;
}

std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  TG_CHECK(!ec, "cannot find this program's path (/proc/self/exe): ", ec.message(), "; pass --trainer");
  return p.string();
}

std::string last_line(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  f.seekg(0, std::ios::end);
  std::streamoff size = f.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 4096);
  f.seekg(from);
  std::string tail(static_cast<size_t>(size - from), '\0');
  f.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) tail.pop_back();
  size_t nl = tail.find_last_of('\n');
  std::string line = nl == std::string::npos ? tail : tail.substr(nl + 1);
  for (auto& c : line)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = ' ';
  return line.size() > 300 ? line.substr(line.size() - 300) : line;
}

}  // namespace tg::cli
