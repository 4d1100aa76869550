#include "tools/tg/model_dir.h"

#include <cstdio>

#include "base/file_util.h"

namespace tg::cli {

using namespace tg::estimator;

Json read_json_file(const std::string& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    fail("'", path, "' is not valid JSON: ", e.what());
  }
}

void write_json_file(const std::string& path, const Json& j) { write_file_atomic(path, j.dump(2)); }

Estimator make_estimator(const Json& saved, const std::string& model_dir, bool overwrite) {
  const Json& spec = saved.at("spec");
  const Json& m = saved.at("model");
  ModelSpec s;
  std::string task = m.at("task"), type = m.at("type");
  int64_t n = m.value("n_classes", 2);
  auto vocab = spec.value("label_vocabulary", std::vector<std::string>{});
  if (task == "binary") s.head = Head::binary();
  else if (task == "multiclass") s.head = Head::multi_class(vocab.empty() ? n : static_cast<int64_t>(vocab.size()), vocab);
  auto features = features_of(spec);
  if (type == "linear" || type == "wide_deep") s.linear_columns = features;
  if (type == "dnn" || type == "wide_deep") s.dnn_columns = features;
  s.hidden_units = m.value("hidden_units", std::vector<int64_t>{});
  s.activation = m.value("activation", "relu");
  s.dropout = m.value("dropout", 0.0);
  s.linear_optimizer = m.value("linear_optimizer", "ftrl");
  s.linear_learning_rate = m.value("linear_learning_rate", 0.2);
  s.dnn_optimizer = m.value("dnn_optimizer", "adagrad");
  s.dnn_learning_rate = m.value("dnn_learning_rate", 0.05);
  s.label_column = spec.at("label");
  s.weight_column = spec.value("weight", "");
  RunConfig cfg;
  cfg.model_dir = model_dir;
  cfg.seed = m.value("seed", 42);
  cfg.save_checkpoints_steps = m.value("save_checkpoints_steps", 1000);
  cfg.log_step_count_steps = m.value("log_every_steps", 100);
  cfg.device = m.value("device", "");
  cfg.overwrite = overwrite;
  return Estimator(s, cfg);
}

InputFn csv_files(const Json& spec, const std::vector<std::string>& files, int64_t batch, int64_t epochs, bool shuffle,
                  uint64_t seed, bool with_label) {
  data::DatasetOptions o;
  o.files = files;
  o.header = spec.value("header", false);
  o.batch_size = batch;
  o.epochs = epochs;
  o.shuffle_files = shuffle;
  o.shuffle_buffer = shuffle ? 10000 : 0;
  o.cycle_length = shuffle ? 4 : 1;
  o.seed = seed;
  return csv_input(data::CsvDataset(o, schema_of(spec, with_label)));
}

std::pair<std::string, bool> selection_metric(const std::string& task) {
  if (task == "regression") return {"rmse", false};
  if (task == "binary") return {"auc", true};
  return {"accuracy", true};
}

void write_details(const std::string& dir, const std::string& task, const EvalResult& r, Estimator& est,
                   const InputFn& eval) {
  Json d{{"kind", task}};
  if (task == "regression") {
    Json actual = Json::array(), predicted = Json::array();
    auto stream = eval();
    auto preds = est.predict(eval);
    size_t i = 0;
    while (auto b = stream->next()) {
      const Tensor& y = (*b)[est.spec().label_column];
      for (int64_t k = 0; k < b->rows && i < preds.size() && actual.size() < 2000; ++k, ++i) {
        actual.push_back(y.dtype() == DType::Float32 ? y.data<float>()[k] : y.scalar_as_double());
        predicted.push_back(preds[i].value);
      }
    }
    d["actual"] = actual;
    d["predicted"] = predicted;
  } else {
    d["confusion"] = r.confusion;
    auto curve = [](const std::vector<CurvePoint>& c) {
      Json a = Json::array();
      size_t stride = std::max<size_t>(1, c.size() / 400);  // enough points to draw, not to bloat
      for (size_t i = 0; i < c.size(); i += stride) a.push_back({std::isfinite(c[i].threshold) ? c[i].threshold : 1.0, c[i].x, c[i].y});
      if (!c.empty()) a.push_back({c.back().threshold, c.back().x, c.back().y});
      return a;
    };
    if (task == "binary") {
      d["roc"] = curve(r.roc);
      d["pr"] = curve(r.pr);
      d["threshold"] = est.spec().head.threshold();
      d["precision"] = r["precision"];
      d["recall"] = r["recall"];
    }
  }
  write_json_file(dir + "/details.json", d);
}

void print_metrics(const EvalResult& r) {
  std::printf("\n%-24s %14s\n", "metric", "value");
  for (const auto& [k, v] : r.metrics) std::printf("%-24s %14.6g\n", k.c_str(), v);
}

}  // namespace tg::cli
