// Training progress for `tg train`: a progress bar redrawn in place on a terminal (step,
// epoch, loss, examples per second, time left); nothing when stderr is not a terminal, where
// the estimator's log lines every N steps take its place. A log line printed while the bar is
// drawn clears the bar first (the bar is redrawn by the next step), and finish() draws the
// bar at its end: the last step over the total, full.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tg::cli {

class Progress {
 public:
  // max_steps: the step training stops at (-1 when only epochs bound it). out: where the bar
  // is drawn (stderr); on_terminal: whether to draw it at all (tests pass true and a file).
  Progress(int64_t first_step, int64_t max_steps, int64_t num_epochs, std::FILE* out = stderr,
           bool draw = on_terminal());
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  static bool on_terminal();
  void update(int64_t step, int64_t epoch, double loss, int64_t rows);
  // Draws the bar once more at the last step (as its total) and ends its line.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(int64_t step, int64_t total);
  void clear();
  static void clear_active();
  int64_t first_step_, max_steps_, num_epochs_;
  std::FILE* out_;
  bool draw_;
  int64_t epoch_steps_ = 0, last_epoch_ = 0, steps_in_epoch_ = 0, rows_ = 0, last_step_ = 0, epoch_ = 0;
  double loss_ = 0;
  Clock::time_point start_ = Clock::now(), last_draw_{};
  bool drawn_ = false, visible_ = false, finished_ = false;
};

}  // namespace tg::cli
