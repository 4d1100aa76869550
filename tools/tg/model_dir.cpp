#include "tools/tg/model_dir.h"

#include <algorithm>
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

std::pair<std::string, bool> selection_metric(const std::string& task, const std::string& metric) {
  if (metric.empty()) {
    if (task == "regression") return {"rmse", false};
    if (task == "binary") return {"auc", true};
    return {"accuracy", true};
  }
  std::vector<std::string> known =
      task == "regression" ? std::vector<std::string>{"rmse", "mae", "mse", "loss", "average_loss"}
      : task == "binary"   ? std::vector<std::string>{"auc", "auc_precision_recall", "accuracy", "precision", "recall", "loss", "average_loss"}
                           : std::vector<std::string>{"accuracy", "precision_macro", "recall_macro", "loss", "average_loss"};
  if (std::find(known.begin(), known.end(), metric) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail("--eval_metric: a ", task, " model reports no '", metric, "'; it can be one of ", list);
  }
  return {metric, *higher_is_better(metric)};
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
