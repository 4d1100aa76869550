// What a trial's output directory says about it, read the way `tg train` writes it:
//   history.json   {"eval": [{"step": S, "metrics": {"rmse": ...}}, ...]}: every evaluation
//                  (written at the end of tg train; a trainer may also rewrite it as it goes)
//   ckpt-S.json    while tg train runs: the progress saved with its newest checkpoint, whose
//                  "evaluations" are the same list
//   metrics.json   at the end: the best model's metrics, and "best_step"
// Files are read whole each time (they are small, and written atomically); one that cannot be
// read yet counts as absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "study.h"

namespace tg::tuning {

// The metric at each evaluation so far, in step order (empty when none is readable).
std::vector<EvalPoint> read_curve(const std::string& dir, const std::string& metric);

struct FinalMetric {
  double value;
  int64_t step;
};
// The trial's objective: metrics.json's value of the metric (at its best_step), else the best
// value of the curve; nothing when neither has the metric.
std::optional<FinalMetric> read_final_metric(const std::string& dir, const std::string& metric, bool maximize,
                                             const std::vector<EvalPoint>& curve);
// The best value of a curve and its step.
std::optional<FinalMetric> best_of(const std::vector<EvalPoint>& curve, bool maximize);

}  // namespace tg::tuning
