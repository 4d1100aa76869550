// What `tg train` leaves in its output directory besides checkpoints and event files, and
// how `tg evaluate` and `tg predict` rebuild the model from it.
//   tg_spec.json   the resolved specification and model settings
//   metrics.json   the final metrics of the best model on the evaluation data
//   history.json   training loss and every evaluation, for the report
//   details.json   curves, confusion matrix or predicted-against-actual pairs, for the report
#pragma once

#include <string>

#include "estimator/estimator.h"
#include "estimator/spec.h"

namespace tg::cli {

// The specification's names (Json, make_estimator, csv_files, ...) are the tool's vocabulary.
using namespace tg::estimator;

Json read_json_file(const std::string& path);
void write_json_file(const std::string& path, const Json& j);

// The metric that picks the best model of a task (the task's usual one when metric is ""), and
// whether higher is better; a metric the task does not report, or of unknown direction, is an
// error naming the ones it could be.
std::pair<std::string, bool> selection_metric(const std::string& task, const std::string& metric = "");
// Writes details.json from an evaluation (and a sample of predictions for regressions).
void write_details(const std::string& model_dir, const std::string& task, const estimator::EvalResult& r,
                   estimator::Estimator& est, const estimator::InputFn& eval);
void print_metrics(const estimator::EvalResult& r);

}  // namespace tg::cli
