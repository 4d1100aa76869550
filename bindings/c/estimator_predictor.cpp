// The C API: estimators built from a specification, their metrics and predictions, and
// predictors loaded from an export.
#include <filesystem>
#include <map>

#include "base/file_util.h"
#include "c_api_internal.h"
#include "estimator/spec.h"
#include "runtime/checkpoint.h"
#include "serving/predictor.h"

struct tg_Estimator {
  tg::estimator::Json saved;  // {"spec": ..., "model": ...}, as tg train saves it
  std::string model_dir;
  std::unique_ptr<tg::estimator::Estimator> est;  // built on first use
  std::string export_path;
};

struct tg_Metrics {
  std::vector<std::pair<std::string, double>> values;  // in name order
};

struct tg_Predictions {
  std::vector<tg::estimator::Prediction> rows;
};

struct tg_Predictor {
  std::shared_ptr<tg::serving::Predictor> p;
  std::string task;
};

namespace tg::capi {
namespace {

using estimator::Json;
namespace fs = std::filesystem;

tg_Estimator& estimator_arg(tg_Estimator* e, const char* call) {
  require_handle(e, call, "the estimator");
  return *e;
}

std::vector<std::string> files_arg(const char* const* files, int n, const char* call) {
  require_count(files, n, call, "files");
  TG_CHECK(n > 0, call, ": no files");
  std::vector<std::string> r;
  for (int i = 0; i < n; ++i) {
    TG_CHECK(files[i] != nullptr, call, ": files[", i, "] is NULL");
    r.emplace_back(files[i]);
  }
  return r;
}

// The spec in tg train's saved form, with the model's defaults filled in.
Json saved_form(const char* text) {
  Json j = Json::parse(text);
  TG_CHECK(j.is_object(), "the specification must be a JSON object");
  Json saved;
  if (j.contains("spec")) {
    saved = j;
  } else {
    saved["model"] = j.value("model", Json::object());
    j.erase("model");
    saved["spec"] = j;
  }
  Json& spec = saved["spec"];
  Json& model = saved["model"];
  TG_CHECK(spec.is_object() && model.is_object(), "\"spec\" and \"model\" must be JSON objects");
  TG_CHECK(spec.contains("label") && spec["label"].is_string() && !spec["label"].get<std::string>().empty(),
           "the specification names no \"label\"");
  if (!model.contains("type")) model["type"] = "linear";
  if (!model.contains("task")) model["task"] = "regression";
  std::string type = model["type"], task = model["task"];
  TG_CHECK(type == "linear" || type == "dnn" || type == "wide_deep", "model type '", type,
           "' is not linear, dnn or wide_deep");
  TG_CHECK(task == "regression" || task == "binary" || task == "multiclass", "model task '", task,
           "' is not regression, binary or multiclass");
  TG_CHECK(type == "linear" || !model.value("hidden_units", Json::array()).empty(), "a '", type,
           "' model needs \"hidden_units\"");
  if (spec.contains("features")) estimator::features_of(spec);  // validates them early
  return saved;
}

// Whether a feature still needs normalizer statistics computed from training data.
bool needs_statistics(const Json& spec) {
  for (const auto& f : spec.value("features", Json::array())) {
    std::string type = f.value("type", "numeric");
    bool normalized = type == "numeric" || type == "difference" || type == "euclidean";
    if (normalized && f.value("normalize", true) && !f.contains("mean")) return true;
  }
  return false;
}

// Builds the estimator at its first use: from model_dir's saved spec when it has one, else from
// the given spec with its columns resolved (from the files' header if need be) and its normalizer
// statistics computed over `files` when training.
estimator::Estimator& built(tg_Estimator& e, const std::vector<std::string>& files, bool training) {
  if (e.est) return *e.est;
  Json saved = e.saved;
  std::string spec_path = e.model_dir.empty() ? "" : e.model_dir + "/tg_spec.json";
  if (!spec_path.empty() && fs::exists(spec_path)) {
    Json old;
    try {
      old = Json::parse(read_file(spec_path));
    } catch (const Json::exception& x) {
      throw Error(ErrorCode::DataLoss, cat("'", spec_path, "' is not valid JSON: ", x.what()),
                  ErrorContext{.file = spec_path});
    }
    TG_CHECK(old.is_object() && old.contains("spec"), "'", spec_path, "' holds no \"spec\"");
    saved["spec"] = old["spec"];  // the statistics the model there was trained with
  } else {
    Json& spec = saved["spec"];
    if (!spec.contains("columns") || spec["columns"].empty())
      TG_CHECK_CODE(!files.empty(), FailedPrecondition,
                    "the specification has no \"columns\": train first, on files with a header");
    if (!files.empty() || spec.contains("columns")) estimator::resolve_columns(spec, files);
    if (saved["model"]["task"] == "multiclass" && spec.value("label_vocabulary", Json::array()).empty())
      for (auto& c : spec["columns"])
        if (c["name"] == spec["label"] && !c.contains("dtype")) c["dtype"] = "int64";
    if (needs_statistics(spec)) {
      TG_CHECK_CODE(training, FailedPrecondition,
                    "the model's normalizer statistics come from its training data: train it first "
                    "(or give \"mean\" and \"stddev\" in the features)");
      estimator::fit_normalizers(spec, estimator::csv_files(spec, files, 4096, 1, false, 0));
    }
  }
  auto est = std::make_unique<estimator::Estimator>(estimator::make_estimator(saved, e.model_dir));
  est->global_step();  // builds it, restoring model_dir's newest checkpoint
  if (!spec_path.empty()) write_file_atomic(spec_path, saved.dump(2));
  e.saved = std::move(saved);
  e.est = std::move(est);
  return *e.est;
}

uint64_t seed_of(const tg_Estimator& e) { return static_cast<uint64_t>(e.saved["model"].value("seed", 42)); }

const serving::Predictor& predictor_of(const tg_Predictor* p) { return *p->p; }

}  // namespace
}  // namespace tg::capi

using namespace tg;
using namespace tg::capi;

extern "C" {

// ---- estimators ----

tg_Estimator* tg_NewEstimator(const char* spec_json, const char* model_dir, tg_Status* status) {
  return guard<tg_Estimator*>(status, nullptr, [&] {
    require_handle(spec_json, "tg_NewEstimator", "the specification");
    auto e = std::make_unique<tg_Estimator>();
    e->saved = saved_form(spec_json);
    e->model_dir = str_arg(model_dir);
    return e.release();
  });
}

void tg_DeleteEstimator(tg_Estimator* e) { delete e; }

void tg_EstimatorTrain(tg_Estimator* e, const char* const* files, int num_files, int64_t batch_size, int64_t epochs,
                       int64_t max_steps, tg_Status* status) {
  guard_void(status, [&] {
    const char* call = "tg_EstimatorTrain";
    tg_Estimator& x = estimator_arg(e, call);
    auto paths = files_arg(files, num_files, call);
    TG_CHECK(batch_size > 0, call, ": batch_size must be positive, got ", batch_size);
    TG_CHECK(epochs > 0 || epochs == -1, call, ": epochs must be positive or -1, got ", epochs);
    TG_CHECK(max_steps > 0 || max_steps == -1, call, ": max_steps must be positive or -1, got ", max_steps);
    TG_CHECK(epochs > 0 || max_steps > 0, call, ": endless training: give epochs or max_steps");
    auto& est = built(x, paths, true);
    est.train(estimator::csv_files(x.saved["spec"], paths, batch_size, epochs, true, seed_of(x)), max_steps);
  });
}

int64_t tg_EstimatorGlobalStep(tg_Estimator* e, tg_Status* status) {
  return guard<int64_t>(status, -1, [&] {
    tg_Estimator& x = estimator_arg(e, "tg_EstimatorGlobalStep");
    // Nothing trained and nothing to restore: step 0 without building the model.
    if (!x.est && (x.model_dir.empty() || !fs::exists(fs::path(x.model_dir) / "tg_spec.json"))) return int64_t{0};
    return built(x, {}, false).global_step();
  });
}

tg_Metrics* tg_EstimatorEvaluate(tg_Estimator* e, const char* const* files, int num_files, int64_t batch_size,
                                 tg_Status* status) {
  return guard<tg_Metrics*>(status, nullptr, [&] {
    const char* call = "tg_EstimatorEvaluate";
    tg_Estimator& x = estimator_arg(e, call);
    auto paths = files_arg(files, num_files, call);
    TG_CHECK(batch_size > 0, call, ": batch_size must be positive, got ", batch_size);
    auto& est = built(x, paths, false);
    auto r = est.evaluate(estimator::csv_files(x.saved["spec"], paths, batch_size, 1, false, 0));
    auto m = std::make_unique<tg_Metrics>();
    for (const auto& [name, value] : r.metrics) m->values.emplace_back(name, value);
    return m.release();
  });
}

tg_Predictions* tg_EstimatorPredict(tg_Estimator* e, const char* const* files, int num_files, int64_t batch_size,
                                    unsigned char has_label, tg_Status* status) {
  return guard<tg_Predictions*>(status, nullptr, [&] {
    const char* call = "tg_EstimatorPredict";
    tg_Estimator& x = estimator_arg(e, call);
    auto paths = files_arg(files, num_files, call);
    TG_CHECK(batch_size > 0, call, ": batch_size must be positive, got ", batch_size);
    auto& est = built(x, {}, false);
    auto p = std::make_unique<tg_Predictions>();
    p->rows = est.predict(estimator::csv_files(x.saved["spec"], paths, batch_size, 1, false, 0, has_label != 0));
    return p.release();
  });
}

const char* tg_EstimatorExport(tg_Estimator* e, const char* export_dir, tg_Status* status) {
  return guard<const char*>(status, nullptr, [&] {
    const char* call = "tg_EstimatorExport";
    tg_Estimator& x = estimator_arg(e, call);
    require_handle(export_dir, call, "the export directory");
    x.export_path = built(x, {}, false).export_model(export_dir);
    return x.export_path.c_str();
  });
}

int tg_MetricsCount(const tg_Metrics* m) { return m ? static_cast<int>(m->values.size()) : 0; }
const char* tg_MetricsName(const tg_Metrics* m, int i) {
  if (!m || i < 0 || i >= tg_MetricsCount(m)) return nullptr;
  return m->values[static_cast<size_t>(i)].first.c_str();
}
double tg_MetricsValueAt(const tg_Metrics* m, int i) {
  if (!m || i < 0 || i >= tg_MetricsCount(m)) return 0;
  return m->values[static_cast<size_t>(i)].second;
}
double tg_MetricsValue(const tg_Metrics* m, const char* name, tg_Status* status) {
  return guard(status, 0.0, [&] {
    require_handle(m, "tg_MetricsValue", "the metrics");
    require_handle(name, "tg_MetricsValue", "the name");
    for (const auto& [n, v] : m->values)
      if (n == name) return v;
    std::string known;
    for (const auto& [n, v] : m->values) known += (known.empty() ? "" : ", ") + n;
    fail_with(ErrorCode::NotFound, "no metric '", name, "' (there are: ", known, ")");
  });
}
void tg_DeleteMetrics(tg_Metrics* m) { delete m; }

int64_t tg_PredictionsCount(const tg_Predictions* p) { return p ? static_cast<int64_t>(p->rows.size()) : 0; }
double tg_PredictionsValue(const tg_Predictions* p, int64_t i) {
  if (!p || i < 0 || i >= tg_PredictionsCount(p)) return 0;
  return p->rows[static_cast<size_t>(i)].value;
}
int64_t tg_PredictionsClassId(const tg_Predictions* p, int64_t i) {
  if (!p || i < 0 || i >= tg_PredictionsCount(p)) return -1;
  return p->rows[static_cast<size_t>(i)].class_id;
}
const float* tg_PredictionsProbabilities(const tg_Predictions* p, int64_t i, int* num_classes) {
  if (num_classes) *num_classes = 0;
  if (!p || i < 0 || i >= tg_PredictionsCount(p)) return nullptr;
  const auto& pr = p->rows[static_cast<size_t>(i)].probabilities;
  if (pr.empty()) return nullptr;
  if (num_classes) *num_classes = static_cast<int>(pr.size());
  return pr.data();
}
void tg_DeletePredictions(tg_Predictions* p) { delete p; }

// ---- predictors ----

tg_Predictor* tg_LoadPredictor(const char* dir, tg_Status* status) {
  return guard<tg_Predictor*>(status, nullptr, [&] {
    require_handle(dir, "tg_LoadPredictor", "the directory");
    std::string path = dir;
    if (!fs::exists(fs::path(path) / "model.json")) {
      TG_CHECK_CODE(fs::is_directory(path), NotFound, "tg_LoadPredictor: no export at '", path, "'");
      auto versions = serving::export_versions(path);
      TG_CHECK_CODE(!versions.empty(), NotFound, "tg_LoadPredictor: '", path,
                    "' holds neither model.json nor version directories");
      path = (fs::path(path) / std::to_string(versions.back())).string();
    }
    auto p = std::make_unique<tg_Predictor>();
    p->p = serving::Predictor::load(path);
    p->task = p->p->task();
    return p.release();
  });
}

void tg_DeletePredictor(tg_Predictor* p) { delete p; }
int64_t tg_PredictorVersion(const tg_Predictor* p) { return p ? predictor_of(p).version() : -1; }
const char* tg_PredictorTask(const tg_Predictor* p) { return p ? p->task.c_str() : nullptr; }
int tg_PredictorNumInputs(const tg_Predictor* p) { return p ? static_cast<int>(predictor_of(p).inputs().size()) : 0; }
const char* tg_PredictorInputName(const tg_Predictor* p, int i) {
  if (i < 0 || i >= tg_PredictorNumInputs(p)) return nullptr;
  return predictor_of(p).inputs()[static_cast<size_t>(i)].name.c_str();
}
tg_DataType tg_PredictorInputType(const tg_Predictor* p, int i) {
  if (i < 0 || i >= tg_PredictorNumInputs(p)) return TG_FLOAT;
  return c_dtype(predictor_of(p).inputs()[static_cast<size_t>(i)].dtype);
}
int tg_PredictorNumOutputs(const tg_Predictor* p) { return p ? static_cast<int>(predictor_of(p).outputs().size()) : 0; }
const char* tg_PredictorOutputName(const tg_Predictor* p, int i) {
  if (i < 0 || i >= tg_PredictorNumOutputs(p)) return nullptr;
  return predictor_of(p).outputs()[static_cast<size_t>(i)].name.c_str();
}
tg_DataType tg_PredictorOutputType(const tg_Predictor* p, int i) {
  if (i < 0 || i >= tg_PredictorNumOutputs(p)) return TG_FLOAT;
  return c_dtype(predictor_of(p).outputs()[static_cast<size_t>(i)].dtype);
}

void tg_PredictorRun(tg_Predictor* p, const char* const* input_names, tg_Tensor* const* inputs, int ninputs,
                     const char* const* output_names, tg_Tensor** outputs, int noutputs, tg_Status* status) {
  if (outputs && noutputs > 0)
    for (int i = 0; i < noutputs; ++i) outputs[i] = nullptr;
  guard_void(status, [&] {
    const char* call = "tg_PredictorRun";
    require_handle(p, call, "the predictor");
    require_count(input_names, ninputs, call, "input_names");
    require_count(inputs, ninputs, call, "inputs");
    require_count(output_names, noutputs, call, "output_names");
    require_count(outputs, noutputs, call, "outputs");
    std::map<std::string, Tensor> feeds;
    for (int i = 0; i < ninputs; ++i) {
      TG_CHECK(input_names[i] != nullptr, call, ": input_names[", i, "] is NULL");
      bool fresh = feeds.emplace(input_names[i], tensor_arg(inputs[i], call, cat("inputs[", i, "]").c_str())).second;
      TG_CHECK(fresh, call, ": input '", input_names[i], "' is given twice");
    }
    auto result = p->p->predict(feeds);
    std::vector<std::unique_ptr<tg_Tensor>> made;
    for (int i = 0; i < noutputs; ++i) {
      TG_CHECK(output_names[i] != nullptr, call, ": output_names[", i, "] is NULL");
      auto it = result.find(output_names[i]);
      TG_CHECK_CODE(it != result.end(), NotFound, call, ": the model has no output '", output_names[i], "'");
      made.push_back(std::make_unique<tg_Tensor>(tg_Tensor{it->second}));
    }
    for (int i = 0; i < noutputs; ++i) outputs[i] = made[static_cast<size_t>(i)].release();
  });
}

}  // extern "C"
