// tg tune: hyperparameter tuning, as Cloud ML Engine's tuning service does it for a packaged
// trainer. Each trial is the trainer's command (tg train by default) with `--output_dir
// OUTPUT_DIR/trials/<id>` and `--<parameterName> <value>` added, run as a child process (or
// through a launcher template such as "srun -N1 -n1 {}"), at most maxParallelTrials at once,
// each with its share of the cores (OMP_NUM_THREADS). The objective is the metric tag in the
// trial's metrics.json; its evaluations so far (history.json, or the newest checkpoint's
// progress while tg train runs) drive the median stopping rule. The study is kept in
// OUTPUT_DIR/study.json after every change: rerunning the same command continues it. Ctrl-C or
// SIGTERM stops every trial and leaves the study to be continued.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "tools/tg/commands.h"
#include "tools/tg/trial_process.h"
#include "tuning/search.h"
#include "tuning/study.h"
#include "tuning/trial_files.h"

namespace tg::cli {

using namespace tg::tuning;
using Clock = std::chrono::steady_clock;

namespace {

struct TuneFlags {
  std::string config, output_dir, trainer, launcher;
  std::vector<std::string> train_args;
  uint64_t seed = 1;
  int threads_per_trial = 0;
  double grace_secs = 10, poll_secs = 0.5;
  int stop_min_trials = 3, stop_min_evals = 2;
};

volatile sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

double now_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string describe_params(const Study& s, const Trial& t) {
  std::string r;
  for (size_t k = 0; k < s.config.space.params.size(); ++k)
    r += (r.empty() ? "" : " ") + std::string("--") + s.config.space.params[k].name + " " +
         shell_join({format_value(s.config.space.params[k], t.params[k])});
  return r;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string clip(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

// The terminal's table: numbers to 6 significant digits (trials.json has them whole).
void print_table(const Study& s) {
  const auto& params = s.config.space.params;
  auto shown = [&](size_t k, const Trial& t) {
    return clip(params[k].type == ParamType::Double ? fmt(t.params[k].number) : format_value(params[k], t.params[k]), 16);
  };
  std::vector<int> widths;
  for (size_t k = 0; k < params.size(); ++k) {
    size_t w = clip(params[k].name, 16).size();
    for (const Trial& t : s.trials) w = std::max(w, shown(k, t).size());
    widths.push_back(static_cast<int>(w));
  }
  std::printf("\n%5s", "trial");
  for (size_t k = 0; k < params.size(); ++k) std::printf("  %*s", widths[k], clip(params[k].name, 16).c_str());
  std::printf("  %12s  %8s  %-10s  %8s\n", clip(s.config.metric, 12).c_str(), "step", "state", "time (s)");
  for (const Trial& t : s.trials) {
    std::printf("%5d", t.id);
    for (size_t k = 0; k < params.size(); ++k) std::printf("  %*s", widths[k], shown(k, t).c_str());
    std::string obj = t.has_objective ? fmt(t.objective) : "-";
    std::string step = t.has_objective ? std::to_string(t.step) : "-";
    std::string state = t.state == TrialState::Running ? "unfinished" : trial_state_name(t.state);
    for (auto& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::printf("  %12s  %8s  %-10s  %8.1f\n", obj.c_str(), step.c_str(), state.c_str(), t.seconds);
  }
}

class Tuner {
 public:
  Tuner(const TuneFlags& f, Study study) : f_(f), s_(std::move(study)), search_(make_search(s_.config, s_.seed)) {
    dir_ = std::filesystem::absolute(f.output_dir).lexically_normal().string();
    int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_ = f.threads_per_trial > 0 ? f.threads_per_trial : std::max(1, cores / s_.config.max_parallel_trials);
    for (const Trial& t : s_.trials)
      if (t.state == TrialState::Running) restart_.push_back(t.id);  // interrupted: run again
  }

  int run() {
    const StudyConfig& c = s_.config;
    auto last_progress = Clock::now() - std::chrono::hours(1);
    if (!restart_.empty()) std::printf("continuing the study in %s: %zu interrupted trial(s) run again\n", dir_.c_str(), restart_.size());
    bool failed_out = false;
    for (;;) {
      reap();
      if (g_signal) return interrupt();
      if (c.max_failed_trials > 0 && s_.count(TrialState::Failed) >= c.max_failed_trials) {
        std::printf("%d trials failed (maxFailedTrials %d): the study stops\n", s_.count(TrialState::Failed), c.max_failed_trials);
        failed_out = true;
        stop_all();
        break;
      }
      if (Clock::now() - last_progress >= std::chrono::duration<double>(f_.poll_secs)) {
        last_progress = Clock::now();
        progress();
      }
      while (static_cast<int>(running_.size()) < c.max_parallel_trials && launch_next()) {
      }
      if (running_.empty() && !more_to_launch()) break;
      struct timespec ts{0, 50 * 1000 * 1000};
      nanosleep(&ts, nullptr);  // a signal ends it early
    }
    finish();
    return failed_out ? 1 : 0;
  }

 private:
  struct Running {
    int id;
    std::unique_ptr<TrialProcess> proc;
    Clock::time_point started;
    bool early_stop = false;  // stopped by the median rule (else: interrupted)
  };

  Trial& trial(int id) { return s_.trials[static_cast<size_t>(id - 1)]; }
  std::string trial_dir(int id) const { return dir_ + "/trials/" + std::to_string(id); }
  void save() { save_study(dir_ + "/study.json", s_); }

  bool more_to_launch() {
    if (!restart_.empty()) return true;
    if (exhausted_ || static_cast<int>(s_.trials.size()) >= s_.config.max_trials) return false;
    return true;
  }

  // Starts an interrupted trial again, or a new one; false when there is none to start.
  bool launch_next() {
    int id;
    if (!restart_.empty()) {
      id = restart_.front();
      restart_.erase(restart_.begin());
    } else {
      if (!more_to_launch()) return false;
      auto a = search_->propose(static_cast<int>(s_.trials.size()), s_.observations(), s_.pending());
      if (!a) {
        exhausted_ = true;
        return false;
      }
      Trial t;
      t.id = static_cast<int>(s_.trials.size()) + 1;
      t.params = *a;
      s_.trials.push_back(std::move(t));
      id = s_.trials.back().id;
    }
    Trial& t = trial(id);
    t.state = TrialState::Running;
    t.start_time = now_epoch();
    t.starts += 1;
    std::string tdir = trial_dir(id);
    std::filesystem::create_directories(tdir);
    std::vector<std::string> argv = s_.command;
    if (f_.trainer.empty()) argv[0] = self_executable();  // "tg train" of this very program
    argv.push_back("--output_dir");
    argv.push_back(tdir);
    for (size_t k = 0; k < s_.config.space.params.size(); ++k) {
      argv.push_back("--" + s_.config.space.params[k].name);
      argv.push_back(format_value(s_.config.space.params[k], t.params[k]));
    }
    if (!f_.launcher.empty()) {
      std::string cmd = f_.launcher;
      cmd.replace(cmd.find("{}"), 2, shell_join(argv));
      argv = {"/bin/sh", "-c", cmd};
    }
    save();  // before the start: a kill right after it finds the trial in the study
    Running r{id, std::make_unique<TrialProcess>(argv, std::vector<std::string>{"OMP_NUM_THREADS=" + std::to_string(threads_)},
                                                 tdir + "/trial.log"),
              Clock::now()};
    std::printf("trial %d started%s: %s\n", id, t.starts > 1 ? " again" : "", describe_params(s_, t).c_str());
    std::fflush(stdout);
    running_.push_back(std::move(r));
    return true;
  }

  // Reads the running trials' evaluations and applies the median stopping rule.
  void progress() {
    std::vector<std::vector<EvalPoint>> completed;
    for (const Trial& t : s_.trials)
      if (t.state == TrialState::Succeeded) completed.push_back(t.curve);
    bool changed = false;
    for (Running& r : running_) {
      Trial& t = trial(r.id);
      auto curve = read_curve(trial_dir(r.id), s_.config.metric);
      if (curve != t.curve && curve.size() >= t.curve.size()) {
        t.curve = std::move(curve);
        changed = true;
      }
      if (s_.config.early_stopping && !r.proc->stopping() &&
          median_stopping(t.curve, completed, s_.config.maximize, {f_.stop_min_trials, f_.stop_min_evals})) {
        r.early_stop = true;
        r.proc->stop(std::chrono::duration<double>(f_.grace_secs));
        std::printf("trial %d: stopping early at step %lld: its best %s so far is worse than the median of the completed trials\n",
                    r.id, static_cast<long long>(t.curve.back().step), s_.config.metric.c_str());
        std::fflush(stdout);
      }
    }
    for (Running& r : running_)
      if (r.proc->stopping()) r.proc->stop(std::chrono::duration<double>(f_.grace_secs));  // SIGKILL after the grace
    if (changed) save();
  }

  void reap() {
    for (size_t i = 0; i < running_.size();) {
      auto status = running_[i].proc->poll();
      if (!status) {
        ++i;
        continue;
      }
      Running r = std::move(running_[i]);
      running_.erase(running_.begin() + static_cast<long>(i));
      finish_trial(r, *status);
    }
  }

  void finish_trial(Running& r, int status) {
    Trial& t = trial(r.id);
    std::string tdir = trial_dir(r.id);
    t.seconds += std::chrono::duration<double>(Clock::now() - r.started).count();
    auto curve = read_curve(tdir, s_.config.metric);
    if (curve.size() >= t.curve.size()) t.curve = curve;
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r.early_stop) {
      r.proc->kill_group();  // whatever the trainer started
      t.state = TrialState::Stopped;
      if (auto b = best_of(t.curve, s_.config.maximize)) t.objective = b->value, t.step = b->step, t.has_objective = true;
      t.message = "stopped early by the median rule";
    } else if (ok) {
      if (auto m = read_final_metric(tdir, s_.config.metric, s_.config.maximize, t.curve)) {
        t.state = TrialState::Succeeded;
        t.objective = m->value, t.step = m->step, t.has_objective = true;
      } else {
        t.state = TrialState::Failed;
        t.message = cat("finished without reporting '", s_.config.metric, "' (no metrics.json or history.json with it)");
      }
    } else {
      t.state = TrialState::Failed;
      std::string why = WIFEXITED(status) ? cat("exited with status ", WEXITSTATUS(status)) : cat("killed by signal ", WTERMSIG(status));
      std::string line = last_line(tdir + "/trial.log");
      t.message = line.empty() ? why : cat(why, ": ", line);
    }
    save();
    if (t.state == TrialState::Failed)
      std::printf("trial %d failed (%d failed so far%s): %s\n", t.id, s_.count(TrialState::Failed),
                  s_.config.max_failed_trials > 0 ? cat("; the study stops at ", s_.config.max_failed_trials).c_str() : "",
                  t.message.c_str());
    else
      std::printf("trial %d %s: %s %s at step %lld (%.1f s)\n", t.id, t.state == TrialState::Stopped ? "stopped" : "succeeded",
                  s_.config.metric.c_str(), fmt(t.objective).c_str(), static_cast<long long>(t.step), t.seconds);
    std::fflush(stdout);
  }

  // Stops every running trial and waits for them; they stay RUNNING in the study (interrupted).
  void stop_all() {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(f_.grace_secs));
    for (Running& r : running_) r.proc->stop(std::chrono::duration<double>(f_.grace_secs));
    while (!running_.empty()) {
      for (size_t i = 0; i < running_.size();) {
        Running& r = running_[i];
        if (Clock::now() >= deadline) r.proc->kill_group();
        if (auto st = r.proc->poll()) {
          r.proc->kill_group();
          if (r.early_stop) {
            finish_trial(r, *st);  // it was being stopped by the median rule anyway
          } else {
            Trial& t = trial(r.id);
            t.seconds += std::chrono::duration<double>(Clock::now() - r.started).count();
            auto curve = read_curve(trial_dir(r.id), s_.config.metric);
            if (curve.size() >= t.curve.size()) t.curve = curve;
          }
          running_.erase(running_.begin() + static_cast<long>(i));
        } else {
          ++i;
        }
      }
      struct timespec ts{0, 20 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
    save();
  }

  int interrupt() {
    int sig = g_signal;
    std::printf("\n%s: stopping %zu running trial(s); run the same command again to continue the study\n",
                sig == SIGINT ? "interrupted" : "terminated", running_.size());
    std::fflush(stdout);
    stop_all();
    write_file_atomic(dir_ + "/trials.json", trials_output(s_).dump(2) + "\n");
    print_table(s_);
    return 128 + sig;
  }

  void finish() {
    write_file_atomic(dir_ + "/trials.json", trials_output(s_).dump(2) + "\n");
    print_table(s_);
    if (const Trial* b = s_.best())
      std::printf("\nbest trial: %d, %s %s at step %lld: %s\n  in %s\n", b->id, s_.config.metric.c_str(), fmt(b->objective).c_str(),
                  static_cast<long long>(b->step), describe_params(s_, *b).c_str(), trial_dir(b->id).c_str());
    else
      std::printf("\nno trial reported '%s'\n", s_.config.metric.c_str());
    std::printf("results in %s/trials.json; tg report %s draws them\n", dir_.c_str(), dir_.c_str());
  }

  const TuneFlags& f_;
  Study s_;
  std::unique_ptr<Search> search_;
  std::string dir_;
  int threads_ = 1;
  std::vector<int> restart_;
  std::vector<Running> running_;
  bool exhausted_ = false;
};

// Holds an exclusive lock on OUTPUT_DIR/study.lock while the study runs (released by the kernel
// however the process ends; not inherited by trials).
class StudyLock {
 public:
  explicit StudyLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    TG_CHECK(fd_ >= 0, "cannot open '", path, "': ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail_with(ErrorCode::FailedPrecondition, "another tg tune is running the study in this directory ('", path, "' is locked)");
    }
  }
  ~StudyLock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

int run_tune(TuneFlags& f) {
  StudyConfig config = load_study_config(f.config);
  TG_CHECK(f.launcher.empty() || f.launcher.find("{}") != std::string::npos,
           "--launcher: the template has no {} for the trial's command");
  for (const auto& a : f.train_args) {
    TG_CHECK(a != "--output_dir" && a != "--job-dir" && a.rfind("--output_dir=", 0) != 0 && a.rfind("--job-dir=", 0) != 0,
             "the trainer's flags must not set --output_dir: tg tune gives each trial its own (OUTPUT_DIR/trials/<id>)");
    for (const auto& p : config.space.params)
      TG_CHECK(a != "--" + p.name && a.rfind("--" + p.name + "=", 0) != 0, "the trainer's flags set --", p.name,
               ", which the study tunes: leave it out");
  }
  Study now;
  now.config = config;
  now.seed = f.seed;
  if (f.trainer.empty()) {
    now.command = {"tg", "train"};
  } else {
    std::istringstream in(f.trainer);
    for (std::string w; in >> w;) now.command.push_back(w);
    TG_CHECK(!now.command.empty(), "--trainer is empty");
  }
  now.command.insert(now.command.end(), f.train_args.begin(), f.train_args.end());

  std::error_code ec;
  std::filesystem::create_directories(f.output_dir + "/trials", ec);
  TG_CHECK(!ec, "cannot create the output directory '", f.output_dir, "': ", ec.message());
  StudyLock lock(f.output_dir + "/study.lock");
  std::string path = f.output_dir + "/study.json";
  Study study = now;
  if (auto saved = load_study(path)) {
    if (std::string d = study_difference(*saved, now); !d.empty())
      fail("'", f.output_dir, "' holds another study (", d, "): continue it with its own configuration and command, or use another --output_dir");
    study = std::move(*saved);
    study.config = now.config;  // the limits may change between runs
  }
  save_study(path, study);

  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  int rc;
  try {
    Tuner tuner(f, std::move(study));
    rc = tuner.run();
  } catch (...) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    throw;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return rc;
}

}  // namespace

Command add_tune_command(CLI::App& app) {
  auto f = std::make_shared<TuneFlags>();
  auto* c = app.add_subcommand("tune", "Tune hyperparameters: run trials of a trainer and search for the best (tg tune --config hptuning.yaml --output_dir DIR -- <tg train flags>)");
  c->add_option("--config", f->config, "the study: YAML with trainingInput.hyperparameters, as Cloud ML Engine reads it")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--output_dir", f->output_dir, "the study (study.json, trials.json) and each trial in trials/<id>/")->required();
  c->add_option("--trainer", f->trainer, "the trainer program and its first arguments (default: this tg's own 'train')");
  c->add_option("--launcher", f->launcher, "run each trial through a command template, {} standing for the trial's command, e.g. \"srun -N1 -n1 {}\"");
  c->add_option("--seed", f->seed, "seed of the search: the same seed and results give the same trials");
  c->add_option("--threads_per_trial", f->threads_per_trial, "OMP_NUM_THREADS of each trial (default: the cores divided by maxParallelTrials)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--stop_grace_secs", f->grace_secs, "seconds between SIGTERM and SIGKILL when a trial is stopped")->check(CLI::NonNegativeNumber);
  c->add_option("--poll_secs", f->poll_secs, "how often the trials' progress is read")->check(CLI::PositiveNumber);
  c->add_option("--early_stopping_min_trials", f->stop_min_trials, "completed trials the median rule needs before it stops any")
      ->check(CLI::PositiveNumber);
  c->add_option("--early_stopping_min_evals", f->stop_min_evals, "evaluations a trial has before the median rule may stop it")
      ->check(CLI::PositiveNumber);
  c->add_option("trainer_flags", f->train_args, "after --: the trainer's flags, the same for every trial");
  return [c, f] { return c->parsed() ? run_tune(*f) : -1; };
}

}  // namespace tg::cli
