// tg report on a `tg tune` output directory: the study's trials as a table, the objective
// against each parameter (log axes for log-scaled ones), the best objective so far against the
// trial number, and each trial's own tg train report, linked.
#pragma once

#include <string>

namespace tg::cli {

// Whether the directory holds a study (study.json).
bool is_tuning_dir(const std::string& dir);
// Writes the study's report to `output` (default DIR/report.html), and each trial's own.
void write_tune_report(const std::string& dir, const std::string& output);
// tg train's report of one output directory (report_command.cpp).
void write_train_report(const std::string& dir, const std::string& output);

}  // namespace tg::cli
