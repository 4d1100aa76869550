// Training progress for `tg train`: a progress bar redrawn in place on a terminal (step,
// epoch, loss, examples per second, time left); nothing when stderr is not a terminal, where
// the estimator's log lines every N steps take its place.
#pragma once

#include <chrono>
#include <cstdint>

namespace tg::cli {

class Progress {
 public:
  // max_steps: the step training stops at (-1 when only epochs bound it).
  Progress(int64_t first_step, int64_t max_steps, int64_t num_epochs);
  static bool on_terminal();
  void update(int64_t step, int64_t epoch, double loss, int64_t rows);
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  int64_t first_step_, max_steps_, num_epochs_;
  int64_t epoch_steps_ = 0, last_epoch_ = 0, steps_in_epoch_ = 0, rows_ = 0;
  Clock::time_point start_ = Clock::now(), last_draw_{};
  bool drawn_ = false;
};

}  // namespace tg::cli
