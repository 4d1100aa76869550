#include "tools/tg/progress.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "base/log.h"

namespace tg::cli {

namespace {
// The bar on the terminal now, which a log line clears first (one bar at a time).
std::atomic<Progress*> active{nullptr};
}  // namespace

Progress::Progress(int64_t first_step, int64_t max_steps, int64_t num_epochs, std::FILE* out, bool draw)
    : first_step_(first_step), max_steps_(max_steps), num_epochs_(num_epochs), out_(out), draw_(draw),
      last_step_(first_step) {
  if (draw_) {
    active = this;
    set_log_line_hook(&Progress::clear_active);
  }
}

Progress::~Progress() {
  if (draw_ && active == this) {
    set_log_line_hook(nullptr);
    active = nullptr;
  }
}

bool Progress::on_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::clear_active() {
  if (Progress* p = active.load()) p->clear();
}

void Progress::clear() {
  if (!visible_) return;
  std::fprintf(out_, "\r\033[K");  // back to the line's start, erase it
  std::fflush(out_);
  visible_ = false;
}

void Progress::update(int64_t step, int64_t epoch, double loss, int64_t rows) {
  rows_ += rows;
  last_step_ = step;
  epoch_ = epoch;
  loss_ = loss;
  if (epoch != last_epoch_) {  // the first epoch's length tells how long the rest will take
    if (epoch_steps_ == 0) epoch_steps_ = steps_in_epoch_;
    last_epoch_ = epoch;
    steps_in_epoch_ = 0;
  }
  ++steps_in_epoch_;
  if (!draw_) return;
  auto now = Clock::now();
  if (drawn_ && visible_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  int64_t total = max_steps_ > 0 ? max_steps_ : (epoch_steps_ > 0 && num_epochs_ > 0 ? epoch_steps_ * num_epochs_ : -1);
  draw(step, total);
}

void Progress::draw(int64_t step, int64_t total) {
  auto now = Clock::now();
  last_draw_ = now;
  drawn_ = true;
  double secs = std::max(1e-9, std::chrono::duration<double>(now - start_).count());
  double steps_per_sec = static_cast<double>(step - first_step_) / secs;
  char bar[32] = "", eta[32] = "?", of[32] = "";
  if (total > 0) {
    double f = std::min(1.0, static_cast<double>(step) / static_cast<double>(total));
    int filled = static_cast<int>(f * 24);
    bar[0] = '[';
    for (int k = 0; k < 24; ++k) bar[1 + k] = k < filled ? '=' : ' ';
    bar[25] = ']';
    bar[26] = ' ';
    bar[27] = '\0';
    int64_t left = steps_per_sec > 0 ? std::max<int64_t>(0, static_cast<int64_t>(static_cast<double>(total - step) / steps_per_sec)) : 0;
    std::snprintf(eta, sizeof eta, "%ld:%02ld", static_cast<long>(left / 60), static_cast<long>(left % 60));
    std::snprintf(of, sizeof of, "/%ld", static_cast<long>(total));
  }
  std::fprintf(out_, "\r\033[K%sstep %ld%s  epoch %ld  loss %.4f  %.0f examples/s  left %s", bar,
               static_cast<long>(step), of, static_cast<long>(epoch_ + 1), loss_,
               static_cast<double>(rows_) / secs, eta);
  std::fflush(out_);
  visible_ = true;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  // Training is over: the step it stopped at is the total (epochs may end early, or early
  // stopping may end the run), and the bar is full.
  if (draw_ && drawn_) {
    draw(last_step_, last_step_);
    std::fprintf(out_, "\n");
    std::fflush(out_);
    visible_ = false;
  }
  if (draw_ && active == this) {
    set_log_line_hook(nullptr);
    active = nullptr;
  }
}

}  // namespace tg::cli
