// tg report OUTPUT_DIR: one self-contained HTML file with SVG charts of a `tg train` run:
// learning curves, predicted against actual and residuals (regression), ROC and
// precision-recall curves, the threshold's precision and recall, and the confusion matrix
// (classification).
#include <cmath>
#include <filesystem>

#include "base/file_util.h"
#include "tools/tg/commands.h"
#include "tools/tg/model_dir.h"
#include "tools/tg/svg.h"
#include "tools/tg/tune_report.h"

namespace tg::cli {

namespace {

struct ReportFlags {
  std::string dir, output;
};

std::string metrics_table(const Json& metrics) {
  std::string s = "<table class=\"metrics\"><tr><th>metric</th><th>value</th></tr>";
  for (auto it = metrics.begin(); it != metrics.end(); ++it) {
    char v[32];
    std::snprintf(v, sizeof v, "%.6g", it.value().get<double>());
    s += "<tr><td>" + html_escape(it.key()) + "</td><td>" + v + "</td></tr>";
  }
  return s + "</table>";
}

std::string learning_curves(const Json& history) {
  std::string metric = history.value("metric", "loss");
  Series train{"train loss", {}, "#1f77b4"}, eval_loss{"eval loss", {}, "#d62728"}, eval_metric{"eval " + metric, {}, "#2ca02c"};
  for (const auto& p : history["train"]) train.points.emplace_back(p[0].get<double>(), p[1].get<double>());
  for (const auto& e : history["eval"]) {
    double step = e["step"].get<double>();
    eval_loss.points.emplace_back(step, e["metrics"].value("loss", NAN));
    eval_metric.points.emplace_back(step, e["metrics"].value(metric, NAN));
  }
  std::string s = line_chart("learning-curves", "Learning curves: loss", {train, eval_loss}, "global step", "loss");
  if (metric != "loss") s += line_chart("eval-metric", "Evaluation " + metric, {eval_metric}, "global step", metric);
  return s;
}

std::string regression_charts(const Json& d) {
  Series fit{"predicted", {}, "#1f77b4"}, residual{"residual", {}, "#9467bd"};
  for (size_t i = 0; i < d["actual"].size(); ++i) {
    double a = d["actual"][i].get<double>(), p = d["predicted"][i].get<double>();
    fit.points.emplace_back(a, p);
    residual.points.emplace_back(a, p - a);
  }
  return scatter_chart("predicted-vs-actual", "Predicted against actual", fit, "actual", "predicted", true) +
         scatter_chart("residuals", "Residuals (predicted - actual)", residual, "actual", "residual", false, true);
}

std::string classification_charts(const Json& d, const Json& saved) {
  std::string s;
  if (d.contains("roc")) {
    Series roc{"ROC", {}, "#d62728"}, pr{"precision-recall", {}, "#1f77b4"};
    for (const auto& p : d["roc"]) roc.points.emplace_back(p[1].get<double>(), p[2].get<double>());
    for (const auto& p : d["pr"]) pr.points.emplace_back(p[1].get<double>(), p[2].get<double>());
    s += line_chart("roc-curve", "ROC curve", {roc}, "false positive rate", "true positive rate", true);
    s += line_chart("pr-curve", "Precision-recall curve", {pr}, "recall", "precision");
    char b[160];
    std::snprintf(b, sizeof b, "<p class=\"threshold\">At the threshold %.3g: precision %.4f, recall %.4f.</p>",
                  d["threshold"].get<double>(), d["precision"].get<double>(), d["recall"].get<double>());
    s += b;
  }
  std::vector<std::vector<long long>> m = d["confusion"].get<std::vector<std::vector<long long>>>();
  std::vector<std::string> labels = saved["spec"].value("label_vocabulary", std::vector<std::string>{});
  if (labels.size() != m.size()) {
    labels.clear();
    for (size_t i = 0; i < m.size(); ++i) labels.push_back(std::to_string(i));
  }
  return s + "<h3>Confusion matrix</h3>" + confusion_table(m, labels);
}

int run_report(const ReportFlags& f) {
  if (is_tuning_dir(f.dir)) {  // a tg tune output directory
    write_tune_report(f.dir, f.output);
    return 0;
  }
  for (const char* name : {"tg_spec.json", "history.json", "metrics.json", "details.json"})
    TG_CHECK(std::filesystem::exists(f.dir + "/" + name), "'", f.dir, "' has no ", name, ": is it a tg train output directory?");
  Json saved = read_json_file(f.dir + "/tg_spec.json"), history = read_json_file(f.dir + "/history.json");
  Json metrics = read_json_file(f.dir + "/metrics.json"), details = read_json_file(f.dir + "/details.json");
  const Json& m = saved["model"];
  std::string task = m["task"], features;
  for (const auto& ft : saved["spec"]["features"]) features += (features.empty() ? "" : ", ") + ft.value("name", ft.value("input", ft.value("type", "")));
  std::string html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tensorgraph report</title><style>"
                     "body{font-family:sans-serif;margin:24px;color:#222}svg{margin:8px;border:1px solid #ddd}"
                     "table{border-collapse:collapse;margin:8px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                     "</style></head><body>";
  html += "<h1>tensorgraph training report</h1><p>" + html_escape(m.value("type", "") + " model, " + task + ", label '" +
                                                                   saved["spec"]["label"].get<std::string>() + "'; features: " + features) + "</p>";
  html += "<h2>Final metrics (best model, evaluation data)</h2>" + metrics_table(metrics);
  html += "<h2>Learning</h2>" + learning_curves(history);
  html += "<h2>Predictions</h2>" + (task == "regression" ? regression_charts(details) : classification_charts(details, saved));
  html += "</body></html>\n";
  std::string out = f.output.empty() ? f.dir + "/report.html" : f.output;
  write_file_atomic(out, html);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace

void write_train_report(const std::string& dir, const std::string& output) { run_report({dir, output}); }

Command add_report_command(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  auto* c = app.add_subcommand("report", "Write one self-contained HTML report with charts of a tg train run");
  c->add_option("output_dir", f->dir, "the output directory of tg train (or of tg tune)")->required()->check(CLI::ExistingDirectory);
  c->add_option("--output", f->output, "the HTML file (default OUTPUT_DIR/report.html)");
  return [c, f] { return c->parsed() ? run_report(*f) : -1; };
}

}  // namespace tg::cli
