// What `tg train` leaves in its output directory besides checkpoints and event files, and
// how `tg evaluate` and `tg predict` rebuild the model from it.
//   tg_spec.json   the resolved specification and model settings
//   metrics.json   the final metrics of the best model on the evaluation data
//   history.json   training loss and every evaluation, for the report
//   details.json   curves, confusion matrix or predicted-against-actual pairs, for the report
#pragma once

#include <string>

#include "estimator/estimator.h"
#include "tools/tg/spec.h"

namespace tg::cli {

Json read_json_file(const std::string& path);
void write_json_file(const std::string& path, const Json& j);

// The estimator described by a saved tg_spec.json, over the given model directory (replacing
// the model there with overwrite, see RunConfig::overwrite).
estimator::Estimator make_estimator(const Json& saved, const std::string& model_dir, bool overwrite = false);
// Batches of CSV files under a saved specification.
estimator::InputFn csv_files(const Json& spec, const std::vector<std::string>& files, int64_t batch, int64_t epochs,
                             bool shuffle, uint64_t seed, bool with_label = true);
// The metric that picks the best model of a task, and whether higher is better.
std::pair<std::string, bool> selection_metric(const std::string& task);
// Writes details.json from an evaluation (and a sample of predictions for regressions).
void write_details(const std::string& model_dir, const std::string& task, const estimator::EvalResult& r,
                   estimator::Estimator& est, const estimator::InputFn& eval);
void print_metrics(const estimator::EvalResult& r);

}  // namespace tg::cli
