// tg evaluate and tg predict: a trained output directory applied to new CSV files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "data/dataset.h"
#include "data/line_reader.h"
#include "runtime/checkpoint.h"
#include "serving/predictor.h"
#include "serving/rest.h"
#include "tools/tg/commands.h"
#include "tools/tg/model_dir.h"

namespace tg::cli {

using namespace tg::estimator;

namespace {

struct ModelFlags {
  std::string model_dir, checkpoint = "best", output = "-", format = "csv", json;
  std::vector<std::string> paths;
  int64_t batch_size = 4096;
};

// The estimator of a model directory holding the chosen checkpoint's weights.
Estimator load(const ModelFlags& f, Json& saved) {
  std::string spec_path = f.model_dir + "/tg_spec.json";
  TG_CHECK(std::filesystem::exists(spec_path), "'", f.model_dir, "' holds no trained model (no tg_spec.json)");
  saved = read_json_file(spec_path);
  Estimator est = make_estimator(saved, f.model_dir);  // restores the latest checkpoint
  if (f.checkpoint == "best") {
    CheckpointManager best(f.model_dir + "/best", 1);
    auto steps = best.steps();
    if (!steps.empty()) est.restore(best.path_for(steps.back()));
  }
  return est;
}

int run_evaluate(const ModelFlags& f) {
  Json saved;
  Estimator est = load(f, saved);
  EvalResult r = est.evaluate(csv_files(saved["spec"], f.paths, f.batch_size, 1, false, 0), -1, "cli");
  print_metrics(r);
  if (!f.json.empty()) {
    Json m;
    for (const auto& [k, v] : r.metrics) m[k] = v;
    write_json_file(f.json, m);
  }
  return 0;
}

// Predictions from an export (tg train --export_dir, Estimator::export_model): the export
// alone, no training directory needed.
int predict_from_export(const ModelFlags& f) {
  auto versions = serving::export_versions(f.model_dir);
  TG_CHECK(!versions.empty(), "'", f.model_dir, "' holds no export version");
  serving::LoadOptions limits;
  limits.max_batch_rows = f.batch_size;  // the model runs on batches of this many rows
  auto p = serving::Predictor::load(f.model_dir + "/" + std::to_string(versions.back()), limits);
  // The rows are read with every column as its signature says; other columns are skipped.
  std::vector<std::string> names = data::read_header(data::expand_files(f.paths)[0]);
  std::vector<data::ColumnSpec> cols;
  for (const auto& n : names) {
    data::ColumnSpec c{n, DType::Float32};
    bool used = false;
    for (const auto& s : p->inputs())
      if (s.name == n) c.dtype = s.dtype, used = true;
    c.skip = !used;
    cols.push_back(c);
  }
  data::DatasetOptions o;
  o.files = f.paths;
  o.header = true;
  o.batch_size = f.batch_size;
  data::CsvDataset ds(o, data::CsvSchema(cols));
  auto it = ds.iterate();
  std::ofstream file;
  if (f.output != "-") file.open(f.output);
  std::ostream& out = f.output == "-" ? std::cout : file;
  while (auto b = it->next()) {
    std::map<std::string, Tensor> in;
    for (const auto& s : p->inputs()) in[s.name] = (*b)[s.name];
    auto res = p->predict(in);
    for (const auto& row : serving::rows_json(res, p->outputs())) out << row.dump() << "\n";
  }
  return 0;
}

int run_predict(const ModelFlags& f) {
  if (!serving::export_versions(f.model_dir).empty()) return predict_from_export(f);
  Json saved;
  Estimator est = load(f, saved);
  const Json& spec = saved["spec"];
  // Input rows may carry the label column or leave it out.
  auto files = data::expand_files(f.paths);
  size_t fields = 0;
  {
    data::LineReader reader(files[0], 1 << 16);
    std::string_view record;
    if (spec.value("header", false)) reader.next(record);
    std::vector<std::string_view> parts;
    std::string scratch;
    if (reader.next(record) && data::split_fields(record, parts, scratch)) fields = parts.size();
  }
  bool with_label = fields == spec["columns"].size();
  auto preds = est.predict(csv_files(spec, f.paths, f.batch_size, 1, false, 0, with_label));
  std::ofstream file;
  if (f.output != "-") {
    file.open(f.output);
    TG_CHECK(file.good(), "cannot write '", f.output, "'");
  }
  std::ostream& out = f.output == "-" ? std::cout : file;
  std::string task = saved["model"]["task"];
  if (f.format == "csv") {
    if (task == "regression") out << "predicted\n";
    else {
      out << "class_id,class_label";
      for (size_t k = 0; k < (preds.empty() ? 0 : preds[0].probabilities.size()); ++k) out << ",probability_" << k;
      out << "\n";
    }
  }
  for (const auto& p : preds) {
    if (f.format == "json") {
      Json j = task == "regression" ? Json{{"predicted", p.value}}
                                    : Json{{"class_id", p.class_id}, {"class_label", p.class_label}, {"probabilities", p.probabilities}};
      out << j.dump() << "\n";
    } else if (task == "regression") {
      out << p.value << "\n";
    } else {
      out << p.class_id << "," << p.class_label;
      for (float v : p.probabilities) out << "," << v;
      out << "\n";
    }
  }
  return 0;
}

void add_model_flags(CLI::App* c, ModelFlags& f, const char* paths_flag, const char* paths_help) {
  c->add_option("--model_dir,--output_dir", f.model_dir, "the output directory of tg train")->required()->check(CLI::ExistingDirectory);
  c->add_option(paths_flag, f.paths, paths_help)->required()->expected(1, -1);
  c->add_option("--checkpoint", f.checkpoint, "best (the best evaluation's) or latest")->check(CLI::IsMember({"best", "latest"}));
  c->add_option("--batch_size", f.batch_size, "rows per batch")->check(CLI::PositiveNumber);
}

}  // namespace

Command add_evaluate_command(CLI::App& app) {
  auto f = std::make_shared<ModelFlags>();
  auto* c = app.add_subcommand("evaluate", "Evaluate a trained model on CSV files and print its metrics");
  add_model_flags(c, *f, "--eval_data_paths", "CSV files or glob patterns with labels");
  c->add_option("--json", f->json, "also write the metrics as JSON here");
  return [c, f] { return c->parsed() ? run_evaluate(*f) : -1; };
}

Command add_predict_command(CLI::App& app) {
  auto f = std::make_shared<ModelFlags>();
  auto* c = app.add_subcommand("predict", "Predict with a trained model: CSV rows in, CSV or JSON lines out");
  add_model_flags(c, *f, "--input",
                  "CSV files or glob patterns, with or without the label column (with a header line when "
                  "--model_dir is an export directory; output is then one JSON object a row)");
  c->add_option("--output", f->output, "where to write the predictions (- for standard output)");
  c->add_option("--format", f->format, "csv or json (one JSON object a line)")->check(CLI::IsMember({"csv", "json"}));
  return [c, f] { return c->parsed() ? run_predict(*f) : -1; };
}

}  // namespace tg::cli
