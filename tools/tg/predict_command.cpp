// tg evaluate and tg predict: a trained output directory (or, for predict, an export) applied
// to new CSV files. Neither writes into the training run's TensorBoard folders.
//
// tg predict reads the same input from both: a header line is optional (detected, or
// --header); with one, columns are matched by name and those the model does not read (the
// label, a key) are ignored; without one, the columns are the training files' (with or without
// the label). --key_column passes a column through to the output. Outputs have the same names
// for both and in both formats: "predictions" (regression) or "class_ids", "class_label" (with a
// label vocabulary) and "probabilities" (in CSV, probabilities_0, probabilities_1, ...).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/log.h"
#include "data/dataset.h"
#include "data/line_reader.h"
#include "estimator/model.h"
#include "runtime/checkpoint.h"
#include "serving/predictor.h"
#include "serving/rest.h"
#include "tools/tg/commands.h"
#include "tools/tg/model_dir.h"

namespace tg::cli {

using namespace tg::estimator;

namespace {

struct ModelFlags {
  std::string model_dir, checkpoint = "best", output = "-", format = "csv", json, key_column;
  std::vector<std::string> paths;
  int64_t batch_size = 4096;
  bool header = false;
};

void check_model_dir(const std::string& dir) {
  TG_CHECK(std::filesystem::is_directory(dir), "--model_dir: '", dir, "' does not exist");
}

// The estimator of a model directory holding the chosen checkpoint's weights. It writes no
// event files: evaluations and predictions stay out of the training run's TensorBoard folders.
Estimator load(const ModelFlags& f, Json& saved) {
  check_model_dir(f.model_dir);
  std::string spec_path = f.model_dir + "/tg_spec.json";
  TG_CHECK(std::filesystem::exists(spec_path), "'", f.model_dir, "' holds no trained model (no tg_spec.json)");
  saved = read_json_file(spec_path);
  Json quiet = saved;
  quiet["model"]["summaries"] = false;
  quiet["model"]["distribute"] = false;
  Estimator est = make_estimator(quiet, f.model_dir);  // restores the latest checkpoint
  std::string used;
  auto steps = CheckpointManager(f.model_dir).steps();
  if (!steps.empty()) used = CheckpointManager(f.model_dir).path_for(steps.back());
  if (f.checkpoint == "best") {
    CheckpointManager best(f.model_dir + "/best", 1);
    auto best_steps = best.steps();
    if (!best_steps.empty()) {
      used = best.path_for(best_steps.back());
      est.restore(used);
    } else {
      log_warn("'", f.model_dir, "' has no best model (best/): using the latest checkpoint");
    }
  }
  TG_CHECK(!used.empty(), "'", f.model_dir, "' holds no checkpoint");
  log_info("using the ", f.checkpoint == "best" && used.find("/best/") != std::string::npos ? "best" : "latest",
           " model, step ", est.global_step(), ": ", used);
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

// One batch as an input function (the estimator predicts batch by batch).
class OneBatch : public BatchStream {
 public:
  explicit OneBatch(const data::Batch& b) : b_(b) {}
  std::optional<data::Batch> next() override {
    auto r = std::move(b_);
    b_.reset();
    return r;
  }

 private:
  std::optional<data::Batch> b_;
};

// What predicts: a training directory's estimator or an export's predictor, behind one face.
struct Model {
  std::string task;
  std::vector<std::string> label_vocabulary;
  std::vector<std::pair<std::string, DType>> inputs;  // the columns it reads
  Json spec;                                          // the training spec, when known (column order)
  std::function<std::vector<Prediction>(const data::Batch&)> predict;
};

Model from_training_dir(const ModelFlags& f, std::shared_ptr<Estimator>& keep) {
  Json saved;
  keep = std::make_shared<Estimator>(load(f, saved));
  Model m;
  m.task = saved["model"]["task"];
  m.label_vocabulary = saved["spec"].value("label_vocabulary", std::vector<std::string>{});
  m.spec = saved["spec"];
  for (const auto& [name, ph] : keep->model_graph().raw) m.inputs.emplace_back(name, ph.dtype());
  Estimator* est = keep.get();
  m.predict = [est](const data::Batch& b) { return est->predict([&b] { return std::make_unique<OneBatch>(b); }); };
  return m;
}

float value_at(const Tensor& t, int64_t i) { return t.data<float>()[i]; }

Model from_export(const ModelFlags& f, std::shared_ptr<serving::Predictor>& keep) {
  auto versions = serving::export_versions(f.model_dir);
  std::string dir = f.model_dir + "/" + std::to_string(versions.back());
  serving::LoadOptions limits;
  limits.max_batch_rows = f.batch_size;  // the model runs on batches of this many rows
  keep = serving::Predictor::load(dir, limits);
  log_info("using the export ", dir);
  Model m;
  m.task = keep->task();
  m.label_vocabulary = keep->metadata().value("label_vocabulary", std::vector<std::string>{});
  if (std::filesystem::exists(dir + "/tg_spec.json")) m.spec = read_json_file(dir + "/tg_spec.json")["spec"];
  for (const auto& s : keep->inputs()) m.inputs.emplace_back(s.name, s.dtype);
  serving::Predictor* p = keep.get();
  std::string task = m.task;
  auto vocab = m.label_vocabulary;
  m.predict = [p, task, vocab](const data::Batch& b) {
    std::map<std::string, Tensor> in;
    for (const auto& s : p->inputs()) in[s.name] = convert_column(b[s.name], s.dtype, s.name);
    auto out = p->predict(in);
    std::vector<Prediction> r(static_cast<size_t>(b.rows));
    for (int64_t i = 0; i < b.rows; ++i) {
      Prediction& q = r[static_cast<size_t>(i)];
      if (task == "regression") {
        q.value = value_at(out.at("predictions"), i);
        continue;
      }
      const Tensor& pr = out.at("probabilities");
      if (pr.shape().rank() == 1) {
        q.probabilities = {1 - value_at(pr, i), value_at(pr, i)};
      } else {
        int64_t c = pr.shape().dim(1);
        q.probabilities.assign(pr.data<float>() + i * c, pr.data<float>() + (i + 1) * c);
      }
      q.class_id = out.at("class_ids").data<int64_t>()[i];
      if (!vocab.empty()) q.class_label = vocab[static_cast<size_t>(q.class_id)];
    }
    return r;
  };
  return m;
}

std::string first_record(const std::string& path) {
  data::LineReader reader(path, 1 << 16);
  std::string_view rec;
  return reader.next(rec) ? std::string(rec) : std::string();
}

std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (const auto& x : v) r += (r.empty() ? "" : ", ") + x;
  return r;
}

// The columns of the input files as the model reads them.
data::CsvSchema input_schema(const ModelFlags& f, const Model& m, const std::string& first_file, bool& header) {
  std::string first = first_record(first_file);
  header = f.header || data::looks_like_header(first);
  std::vector<std::string> names;
  std::map<std::string, Json> trained;  // the training spec's columns, by name
  if (!m.spec.is_null())
    for (const auto& c : m.spec["columns"]) trained[c["name"]] = c;
  if (header) {
    names = data::read_header(first_file);
  } else {
    TG_CHECK(!m.spec.is_null(), "'", first_file, "' has no header line, and the export does not say the columns of its "
             "training files: add a header line naming the columns");
    std::vector<std::string_view> fields;
    std::string scratch;
    size_t n = data::split_fields(first, fields, scratch) ? fields.size() : 0;
    std::vector<std::string> all, no_label;
    std::string label = m.spec.value("label", "");
    for (const auto& c : m.spec["columns"]) {
      all.push_back(c["name"]);
      if (c["name"] != label) no_label.push_back(c["name"]);
    }
    TG_CHECK(n == all.size() || n == no_label.size(), "'", first_file, "' has no header line and ", n,
             " fields; the model's training files had ", all.size(), " (", join(all), "), or ", no_label.size(),
             " without the label: add a header line naming the columns");
    names = n == all.size() ? all : no_label;
  }
  std::vector<data::ColumnSpec> cols;
  for (const auto& n : names) {
    data::ColumnSpec c{n, DType::String};
    c.skip = true;
    for (const auto& [in, dt] : m.inputs)
      if (in == n) c.dtype = dt, c.skip = false;
    if (!c.skip && trained.count(n)) {
      const Json& t = trained[n];
      if (t.contains("default")) c.default_value = t["default"].get<std::string>();
      c.timestamp = t.value("timestamp", false);
    }
    if (n == f.key_column) c.skip = false;
    cols.push_back(c);
  }
  for (const auto& [in, dt] : m.inputs)
    TG_CHECK(std::find(names.begin(), names.end(), in) != names.end(), "'", first_file, "' has no column '", in,
             "', which the model reads (its columns: ", join(names), ")");
  if (!f.key_column.empty())
    TG_CHECK(std::find(names.begin(), names.end(), f.key_column) != names.end(), "--key_column: '", first_file,
             "' has no column '", f.key_column, "' (its columns: ", join(names), ")");
  return data::CsvSchema(cols);
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += c == '"' ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}

std::string text_at(const Tensor& t, int64_t i) {
  if (t.dtype() == DType::String) return t.data<std::string>()[i];
  Tensor d = convert_column(t, DType::Float64, "key");
  double v = d.data<double>()[i];
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

int run_predict(const ModelFlags& f) {
  check_model_dir(f.model_dir);
  std::shared_ptr<Estimator> est;
  std::shared_ptr<serving::Predictor> predictor;
  Model m = serving::export_versions(f.model_dir).empty() ? from_training_dir(f, est) : from_export(f, predictor);
  auto files = data::expand_files(f.paths);
  bool header = false;
  data::CsvSchema schema = input_schema(f, m, files[0], header);
  data::DatasetOptions o;
  o.files = f.paths;
  o.header = header;
  o.batch_size = f.batch_size;
  data::CsvDataset ds(o, schema);
  auto it = ds.iterate();

  std::ofstream file;
  if (f.output != "-") {
    file.open(f.output);
    TG_CHECK(file.good(), "cannot write '", f.output, "'");
  }
  std::ostream& out = f.output == "-" ? std::cout : file;
  bool regression = m.task == "regression", with_label = !m.label_vocabulary.empty();
  bool wrote_header = false;
  while (auto b = it->next()) {
    auto preds = m.predict(*b);
    if (f.format == "csv" && !wrote_header) {
      if (!f.key_column.empty()) out << csv_quote(f.key_column) << ",";
      if (regression) {
        out << "predictions";
      } else {
        out << "class_ids";
        if (with_label) out << ",class_label";
        for (size_t k = 0; k < (preds.empty() ? 0 : preds[0].probabilities.size()); ++k) out << ",probabilities_" << k;
      }
      out << "\n";
      wrote_header = true;
    }
    for (int64_t i = 0; i < b->rows; ++i) {
      const Prediction& p = preds[static_cast<size_t>(i)];
      if (f.format == "json") {
        Json j = Json::object();
        if (!f.key_column.empty()) j[f.key_column] = text_at((*b)[f.key_column], i);
        if (regression) {
          j["predictions"] = p.value;
        } else {
          j["class_ids"] = p.class_id;
          if (with_label) j["class_label"] = p.class_label;
          j["probabilities"] = p.probabilities;
        }
        out << j.dump() << "\n";
        continue;
      }
      if (!f.key_column.empty()) out << csv_quote(text_at((*b)[f.key_column], i)) << ",";
      if (regression) {
        out << p.value;
      } else {
        out << p.class_id;
        if (with_label) out << "," << csv_quote(p.class_label);
        for (float v : p.probabilities) out << "," << v;
      }
      out << "\n";
    }
  }
  if (f.format == "csv" && !wrote_header) out << (f.key_column.empty() ? "" : f.key_column + ",") << (regression ? "predictions" : "class_ids") << "\n";
  return 0;
}

void add_model_flags(CLI::App* c, ModelFlags& f, const char* paths_flag, const char* paths_help) {
  c->option_defaults()->always_capture_default();
  c->add_option("--model_dir,--output_dir", f.model_dir, "the output directory of tg train (or, for predict, an export)")->required();
  c->add_option(paths_flag, f.paths, paths_help)->required()->expected(1, -1);
  c->add_option("--checkpoint", f.checkpoint, "best (the best evaluation's) or latest")->check(CLI::IsMember({"best", "latest"}));
  c->add_option("--batch_size", f.batch_size, "rows per batch")->check(CLI::PositiveNumber);
}

}  // namespace

Command add_evaluate_command(CLI::App& app) {
  auto f = std::make_shared<ModelFlags>();
  auto* c = app.add_subcommand("evaluate", "Evaluate a trained model on CSV files and print its metrics");
  add_model_flags(c, *f, "--eval_data_paths", "CSV files or glob patterns with labels, like the training files");
  c->add_option("--json", f->json, "also write the metrics as JSON here");
  return [c, f] { return c->parsed() ? run_evaluate(*f) : -1; };
}

Command add_predict_command(CLI::App& app) {
  auto f = std::make_shared<ModelFlags>();
  auto* c = app.add_subcommand("predict", "Predict with a trained model or an export: CSV rows in, CSV or JSON lines out");
  add_model_flags(c, *f, "--input",
                  "CSV files or glob patterns: a header line is optional (then the columns are the training "
                  "files', with or without the label); columns the model does not read are ignored");
  c->add_option("--output", f->output, "where to write the predictions (- for standard output)");
  c->add_option("--format", f->format, "csv or json (one JSON object a line); the same names in both")
      ->check(CLI::IsMember({"csv", "json"}));
  c->add_flag("--header", f->header, "the input files start with a header line (detected when not given)");
  c->add_option("--key_column", f->key_column, "a column copied to the output beside each prediction (e.g. key)");
  return [c, f] { return c->parsed() ? run_predict(*f) : -1; };
}

}  // namespace tg::cli
