#include "tools/tg/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace tg::cli {

Progress::Progress(int64_t first_step, int64_t max_steps, int64_t num_epochs)
    : first_step_(first_step), max_steps_(max_steps), num_epochs_(num_epochs) {}

bool Progress::on_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::update(int64_t step, int64_t epoch, double loss, int64_t rows) {
  rows_ += rows;
  if (epoch != last_epoch_) {  // the first epoch's length tells how long the rest will take
    if (epoch_steps_ == 0) epoch_steps_ = steps_in_epoch_;
    last_epoch_ = epoch;
    steps_in_epoch_ = 0;
  }
  ++steps_in_epoch_;
  if (!on_terminal()) return;
  auto now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  double secs = std::max(1e-9, std::chrono::duration<double>(now - start_).count());
  int64_t total = max_steps_ > 0 ? max_steps_ : (epoch_steps_ > 0 && num_epochs_ > 0 ? epoch_steps_ * num_epochs_ : -1);
  double steps_per_sec = static_cast<double>(step - first_step_) / secs;
  std::string bar, eta = "?";
  if (total > 0) {
    double f = std::min(1.0, static_cast<double>(step) / static_cast<double>(total));
    int filled = static_cast<int>(f * 24);
    bar = "[" + std::string(static_cast<size_t>(filled), '=') + std::string(static_cast<size_t>(24 - filled), ' ') + "] ";
    int64_t left = steps_per_sec > 0 ? static_cast<int64_t>(static_cast<double>(total - step) / steps_per_sec) : 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", static_cast<long>(left / 60), static_cast<long>(left % 60));
    eta = buf;
  }
  std::fprintf(stderr, "\r%sstep %ld%s  epoch %ld  loss %.4f  %.0f examples/s  left %s   ", bar.c_str(),
               static_cast<long>(step), total > 0 ? ("/" + std::to_string(total)).c_str() : "",
               static_cast<long>(epoch + 1), loss, static_cast<double>(rows_) / secs, eta.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
}

}  // namespace tg::cli
