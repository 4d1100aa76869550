#include "tools/tg/tune_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"
#include "base/log.h"
#include "tools/tg/svg.h"
#include "tuning/study.h"

namespace tg::cli {

using namespace tg::tuning;

namespace {

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

bool has_objective(const Trial& t) { return t.has_objective && std::isfinite(t.objective) && t.state != TrialState::Failed; }

// The trial's own report when it is a tg train output directory: its relative link, or "".
std::string trial_report(const std::string& dir, const Trial& t) {
  std::string tdir = dir + "/trials/" + std::to_string(t.id);
  for (const char* name : {"tg_spec.json", "history.json", "metrics.json", "details.json"})
    if (!std::filesystem::exists(tdir + "/" + name)) return "";
  try {
    write_train_report(tdir, tdir + "/report.html");
  } catch (const std::exception& e) {
    log_warn("no report for trial ", t.id, ": ", e.what());
    return "";
  }
  return "trials/" + std::to_string(t.id) + "/report.html";
}

std::string trials_table(const Study& s, const std::string& dir) {
  const auto& params = s.config.space.params;
  std::string h = "<table class=\"trials\"><tr><th>trial</th>";
  for (const auto& p : params) h += "<th>" + html_escape(p.name) + "</th>";
  h += "<th>" + html_escape(s.config.metric) + "</th><th>step</th><th>state</th><th>time (s)</th><th>report</th></tr>";
  const Trial* best = s.best();
  for (const Trial& t : s.trials) {
    h += std::string("<tr") + (&t == best ? " class=\"best\" style=\"font-weight:bold\"" : "") + "><td>" + std::to_string(t.id) + "</td>";
    for (size_t k = 0; k < params.size(); ++k) h += "<td>" + html_escape(format_value(params[k], t.params[k])) + "</td>";
    h += "<td>" + (t.has_objective ? fmt(t.objective) : std::string("-")) + "</td><td>" +
         (t.has_objective ? std::to_string(t.step) : std::string("-")) + "</td><td>" +
         (t.state == TrialState::Running ? std::string("UNFINISHED") : trial_state_name(t.state)) + "</td><td>" + fmt(t.seconds) + "</td>";
    std::string link = trial_report(dir, t);
    std::string target = link.empty() ? "trials/" + std::to_string(t.id) + "/" : link;
    h += "<td><a class=\"trial-report\" href=\"" + html_escape(target) + "\">" + (link.empty() ? "directory" : "report") + "</a></td></tr>";
  }
  return h + "</table>";
}

std::string parameter_charts(const Study& s) {
  std::string h;
  const auto& params = s.config.space.params;
  for (size_t k = 0; k < params.size(); ++k) {
    const ParamSpec& p = params[k];
    Series pts{s.config.metric, {}, "#1f77b4"};
    for (const Trial& t : s.trials)
      if (has_objective(t)) pts.points.emplace_back(p.numeric() ? t.params[k].number : t.params[k].category, t.objective);
    std::string label = p.name;
    if (!p.numeric()) {
      label += " (";
      for (size_t c = 0; c < p.categories.size(); ++c) label += (c ? ", " : "") + std::to_string(c) + ": " + p.categories[c];
      label += ")";
    }
    bool log_x = p.numeric() && p.scale == ScaleType::Log;
    if (log_x) label += ", log scale";
    h += scatter_chart("objective-vs-" + p.name, s.config.metric + " against " + p.name, pts, label, s.config.metric, false,
                       false, log_x);
  }
  return h;
}

std::string progress_chart(const Study& s) {
  Series best{"best so far", {}, "#d62728"};
  Series each{"trial", {}, "#1f77b4"};
  double b = NAN;
  for (const Trial& t : s.trials) {
    if (!has_objective(t)) continue;
    if (std::isnan(b) || (s.config.maximize ? t.objective > b : t.objective < b)) b = t.objective;
    best.points.emplace_back(t.id, b);
    each.points.emplace_back(t.id, t.objective);
  }
  return line_chart("best-so-far", "Best " + s.config.metric + " so far", {best}, "trial", s.config.metric) +
         scatter_chart("objective-by-trial", s.config.metric + " of each trial", each, "trial", s.config.metric, false);
}

}  // namespace

bool is_tuning_dir(const std::string& dir) { return std::filesystem::exists(dir + "/study.json"); }

void write_tune_report(const std::string& dir, const std::string& output) {
  auto study = load_study(dir + "/study.json");
  TG_CHECK(study.has_value(), "'", dir, "' has no study.json: is it a tg tune output directory?");
  const Study& s = *study;
  std::string html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tensorgraph tuning report</title><style>"
                     "body{font-family:sans-serif;margin:24px;color:#222}svg{margin:8px;border:1px solid #ddd}"
                     "table{border-collapse:collapse;margin:8px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                     "</style></head><body>";
  html += "<h1>tensorgraph tuning report</h1><p>" +
          html_escape(cat(s.config.maximize ? "Maximize " : "Minimize ", s.config.metric, " by ", algorithm_name(s.config.algorithm),
                          ": ", s.trials.size(), " of ", s.config.max_trials, " trials, ", s.count(TrialState::Succeeded),
                          " succeeded, ", s.count(TrialState::Stopped), " stopped early, ", s.count(TrialState::Failed), " failed.")) +
          "</p>";
  if (const Trial* b = s.best()) {
    std::string params;
    for (size_t k = 0; k < s.config.space.params.size(); ++k)
      params += (k ? ", " : "") + s.config.space.params[k].name + " " + format_value(s.config.space.params[k], b->params[k]);
    html += "<p class=\"best\">" + html_escape(cat("Best: trial ", b->id, ", ", s.config.metric, " ", fmt(b->objective),
                                                   " at step ", b->step, " (", params, ")")) + "</p>";
  }
  html += "<h2>Trials</h2>" + trials_table(s, dir);
  html += "<h2>Search</h2>" + progress_chart(s);
  html += "<h2>Objective against each parameter</h2>" + parameter_charts(s);
  html += "</body></html>\n";
  std::string out = output.empty() ? dir + "/report.html" : output;
  write_file_atomic(out, html);
  std::printf("wrote %s\n", out.c_str());
}

}  // namespace tg::cli
