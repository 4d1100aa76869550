// Estimators over feature columns lowered to the JSON specification (estimator/spec.h), their
// input functions (numpy columns in memory, CSV files), train_and_evaluate, and the taxi data
// generator and splitter of the samples.
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nlohmann/json.hpp>

#include "common.h"
#include "data/split.h"
#include "data/taxi_generator.h"
#include "estimator/spec.h"
#include "estimator/train_and_evaluate.h"

namespace tg::python {

using namespace nb::literals;
using estimator::Json;

namespace {

// The name the label column goes by inside the model, whatever the data calls it.
constexpr const char* kLabel = "__label__";

struct InputHandle {
  estimator::InputFn fn;
};

// A stream whose batches call one column by another name (a CSV file's label column).
class RenamedStream : public estimator::BatchStream {
 public:
  RenamedStream(std::unique_ptr<estimator::BatchStream> inner, std::string from, std::string to)
      : inner_(std::move(inner)), from_(std::move(from)), to_(std::move(to)) {}
  std::optional<data::Batch> next() override {
    auto b = inner_->next();
    if (b)
      for (auto& n : b->names)
        if (n == from_) n = to_;
    return b;
  }
  bool resume(const data::Position& p) override { return inner_->resume(p); }
  std::string source() const override { return inner_->source(); }

 private:
  std::unique_ptr<estimator::BatchStream> inner_;
  std::string from_, to_;
};

Json parse(const std::string& s, const char* what) {
  try {
    return Json::parse(s);
  } catch (const Json::exception& e) {
    fail(what, " is not valid JSON: ", e.what());
  }
}

std::vector<estimator::Column> columns_of(const std::string& features_json) {
  Json spec{{"features", parse(features_json, "the feature columns")}};
  return estimator::features_of(spec);
}

struct EstimatorHandle {
  std::unique_ptr<estimator::Estimator> est;
  std::mutex mu;
  estimator::Head::Kind kind;
};

estimator::Head head_of(const Json& o) {
  std::string task = o.value("task", "regression");
  if (task == "regression") return estimator::Head::regression();
  auto vocab = o.value("label_vocabulary", std::vector<std::string>{});
  int64_t n = o.value("n_classes", int64_t{2});
  if (!vocab.empty()) n = static_cast<int64_t>(vocab.size());
  if (task == "binary" || (task == "classification" && n == 2 && vocab.empty()))
    return estimator::Head::binary(o.value("threshold", 0.5));
  return estimator::Head::multi_class(n, vocab);
}

nb::dict metrics_dict(const estimator::EvalResult& r) {
  nb::dict d;
  for (const auto& [k, v] : r.metrics) d[k.c_str()] = v;
  return d;
}

template <class T>
nb::object array_of(std::vector<T> v, std::vector<int64_t> shape) {
  return tensor_to_python(Tensor::from_vector(Shape(shape), v));
}

}  // namespace

void init_estimator(nb::module_& m) {
  m.attr("LABEL_KEY") = kLabel;
  nb::class_<InputHandle>(m, "Input");

  // Columns held in memory: names and arrays of shape [n] (the label may be [n, k]).
  m.def("memory_input", [](const std::vector<std::string>& names, const std::vector<nb::object>& arrays,
                           int64_t batch_size, int64_t epochs, bool shuffle, uint64_t seed) {
    TG_CHECK(names.size() == arrays.size(), "memory_input: ", names.size(), " names for ", arrays.size(), " arrays");
    estimator::MemoryData d;
    d.names = names;
    for (size_t i = 0; i < arrays.size(); ++i) {
      d.columns.push_back(tensor_from_python(arrays[i]));
      TG_CHECK(d.columns.back().shape().rank() >= 1, "column '", names[i], "' is a scalar, not an array of rows");
      TG_CHECK(d.columns.back().shape().dim(0) == d.columns[0].shape().dim(0), "column '", names[i], "' has ",
               d.columns.back().shape().dim(0), " rows but '", names[0], "' has ", d.columns[0].shape().dim(0));
    }
    TG_CHECK(batch_size > 0, "batch_size must be positive, got ", batch_size);
    return InputHandle{estimator::memory_input(std::move(d), batch_size, epochs, shuffle, seed)};
  }, "names"_a, "arrays"_a, "batch_size"_a, "epochs"_a, "shuffle"_a, "seed"_a);

  // CSV files: columns as the specification's "columns" (name, dtype, default, skip).
  m.def("csv_input", [](const std::string& columns_json, const std::vector<std::string>& files,
                        const std::string& label, bool header, int64_t batch_size, int64_t epochs, bool shuffle,
                        int64_t shuffle_buffer, uint64_t seed) {
    Json spec{{"columns", parse(columns_json, "the CSV columns")}, {"label", label}};
    data::DatasetOptions o;
    o.files = files;
    o.header = header;
    o.batch_size = batch_size;
    o.epochs = epochs;
    o.shuffle_files = shuffle;
    o.shuffle_buffer = shuffle ? shuffle_buffer : 0;
    o.seed = seed;
    o.on_epoch_end = [](const data::EpochStats&) {};
    auto inner = estimator::csv_input(data::CsvDataset(o, estimator::schema_of(spec)));
    if (label.empty()) return InputHandle{inner};
    return InputHandle{[inner, label]() -> std::unique_ptr<estimator::BatchStream> {
      return std::make_unique<RenamedStream>(inner(), label, kLabel);
    }};
  }, "columns_json"_a, "files"_a, "label"_a, "header"_a, "batch_size"_a, "epochs"_a, "shuffle"_a,
     "shuffle_buffer"_a, "seed"_a);

  // Every batch of an input as columns of numpy arrays (for tests and heuristics).
  m.def("input_batches", [](const InputHandle& in) {
    std::vector<data::Batch> batches;
    {
      nb::gil_scoped_release release;
        InFlight in_flight;
      auto s = in.fn();
      while (auto b = s->next()) batches.push_back(std::move(*b));
    }
    nb::list r;
    for (auto& b : batches) {
      nb::dict d;
      for (size_t i = 0; i < b.names.size(); ++i) d[b.names[i].c_str()] = tensor_to_python(b.columns[i]);
      r.append(d);
    }
    return r;
  });

  // The features (a JSON list of the specification's features) with z-score normalizers fitted
  // over one pass of the input for the numeric and derived ones marked "normalize".
  m.def("fit_normalizers", [](const std::string& features_json, const InputHandle& in) {
    Json spec{{"features", parse(features_json, "the feature columns")}};
    {
      nb::gil_scoped_release release;
        InFlight in_flight;
      estimator::fit_normalizers(spec, in.fn);
    }
    return spec["features"].dump();
  });
  // Checks that the features build (raises the spec's error otherwise).
  m.def("check_features", [](const std::string& features_json) { (void)columns_of(features_json); });

  nb::class_<EstimatorHandle>(m, "Estimator")
      .def("__init__", [](EstimatorHandle* h, const std::string& linear_json, const std::string& dnn_json,
                          const std::string& options_json) {
        Json o = parse(options_json, "the estimator options");
        estimator::ModelSpec s;
        s.head = head_of(o);
        s.linear_columns = columns_of(linear_json);
        s.dnn_columns = columns_of(dnn_json);
        s.hidden_units = o.value("hidden_units", std::vector<int64_t>{});
        s.activation = o.value("activation", "relu");
        s.dropout = o.value("dropout", 0.0);
        s.linear_optimizer = o.value("linear_optimizer", s.linear_optimizer);
        s.linear_learning_rate = o.value("linear_learning_rate", s.linear_learning_rate);
        s.dnn_optimizer = o.value("dnn_optimizer", s.dnn_optimizer);
        s.dnn_learning_rate = o.value("dnn_learning_rate", s.dnn_learning_rate);
        s.label_column = kLabel;
        s.weight_column = o.value("weight_column", "");
        estimator::RunConfig c;
        c.model_dir = o.value("model_dir", "");
        c.save_checkpoints_steps = o.value("save_checkpoints_steps", c.save_checkpoints_steps);
        c.save_checkpoints_secs = o.value("save_checkpoints_secs", c.save_checkpoints_secs);
        c.keep_checkpoint_max = o.value("keep_checkpoint_max", c.keep_checkpoint_max);
        c.log_step_count_steps = o.value("log_step_count_steps", c.log_step_count_steps);
        c.seed = o.value("seed", c.seed);
        c.num_threads = o.value("num_threads", 0);
        c.device = o.value("device", "");
        c.summaries = o.value("summaries", true);
        c.overwrite = o.value("overwrite", false);
        auto* e = new (h) EstimatorHandle();
        e->kind = s.head.kind();
        e->est = std::make_unique<estimator::Estimator>(std::move(s), std::move(c));
      }, "linear_features"_a, "dnn_features"_a, "options"_a)
      .def("train", [](EstimatorHandle& h, const InputHandle& in, int64_t steps, int64_t max_steps) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        h.est->train(in.fn, steps, max_steps);
      }, "input"_a, "steps"_a = -1, "max_steps"_a = -1)
      .def("evaluate", [](EstimatorHandle& h, const InputHandle& in, int64_t steps, const std::string& name) {
        estimator::EvalResult r;
        int64_t step;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          std::lock_guard<std::mutex> lock(h.mu);
          r = h.est->evaluate(in.fn, steps, name);
          step = h.est->global_step();
        }
        nb::dict d = metrics_dict(r);
        d["global_step"] = step;
        return d;
      }, "input"_a, "steps"_a = -1, "name"_a = "")
      // Predictions as columns: {"predictions": [n]} or {"logits", "probabilities", "class_ids"}.
      .def("predict", [](EstimatorHandle& h, const InputHandle& in) {
        std::vector<estimator::Prediction> p;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          std::lock_guard<std::mutex> lock(h.mu);
          p = h.est->predict(in.fn);
        }
        int64_t n = static_cast<int64_t>(p.size());
        nb::dict d;
        if (h.kind == estimator::Head::Kind::Regression) {
          std::vector<float> v;
          for (const auto& x : p) v.push_back(static_cast<float>(x.value));
          d["predictions"] = array_of(v, {n});
        } else {
          std::vector<int64_t> ids;
          std::vector<float> probs, logits;
          nb::list labels;
          for (const auto& x : p) {
            ids.push_back(x.class_id);
            probs.insert(probs.end(), x.probabilities.begin(), x.probabilities.end());
            logits.insert(logits.end(), x.logits.begin(), x.logits.end());
            labels.append(x.class_label.empty() ? std::to_string(x.class_id) : x.class_label);
          }
          int64_t c = n ? static_cast<int64_t>(p[0].probabilities.size()) : 0;
          int64_t l = n ? static_cast<int64_t>(p[0].logits.size()) : 0;
          d["class_ids"] = array_of(ids, {n});
          d["probabilities"] = array_of(probs, {n, c});
          d["logits"] = array_of(logits, {n, l});
          d["classes"] = labels;
        }
        return d;
      })
      .def("global_step", [](EstimatorHandle& h) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        return h.est->global_step();
      })
      .def("export", [](EstimatorHandle& h, const std::string& dir, const std::map<std::string, double>& metrics) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        return h.est->export_model(dir, metrics);
      }, "export_dir"_a, "metrics"_a = std::map<std::string, double>{})
      .def("save_checkpoint", [](EstimatorHandle& h) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        h.est->save_checkpoint();
      })
      .def("variable_names", [](EstimatorHandle& h) {
        std::lock_guard<std::mutex> lock(h.mu);
        std::vector<std::string> r;
        for (Node* n : h.est->graph().variables()) r.push_back(n->name);
        return r;
      })
      .def("variable_value", [](EstimatorHandle& h, const std::string& name) {
        Tensor t;
        {
          std::lock_guard<std::mutex> lock(h.mu);
          Node* n = h.est->graph().find(name);
          TG_CHECK_CODE(n && n->op == "Variable", NotFound, "no variable named '", name, "'");
          t = h.est->session().variable_value(n->out());
        }
        return tensor_to_python(std::move(t));
      })
      .def("train_and_evaluate", [](EstimatorHandle& h, const InputHandle& train, int64_t max_steps,
                                    const InputHandle& eval, int64_t eval_steps, int64_t every_steps, double every_secs,
                                    const std::string& metric, bool higher_is_better, int patience) {
        estimator::TrainAndEvaluateResult r;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          std::lock_guard<std::mutex> lock(h.mu);
          estimator::TrainSpec t{train.fn, max_steps};
          estimator::EvalSpec e{.input = eval.fn, .steps = eval_steps, .every_steps = every_steps, .every_secs = every_secs, .metric = metric, .higher_is_better = higher_is_better, .early_stopping_patience = patience};
          r = estimator::train_and_evaluate(*h.est, t, e);
        }
        nb::list history;
        for (const auto& ev : r.history) {
          nb::dict d = metrics_dict(ev.result);
          d["global_step"] = ev.step;
          history.append(d);
        }
        nb::dict best = metrics_dict(r.best.result);
        best["global_step"] = r.best.step;
        nb::dict out;
        out["best"] = best;
        out["history"] = history;
        out["best_checkpoint"] = r.best_checkpoint;
        out["stopped_early"] = r.stopped_early;
        return out;
      }, "train"_a, "max_steps"_a, "eval"_a, "eval_steps"_a, "every_steps"_a, "every_secs"_a, "metric"_a,
         "higher_is_better"_a, "early_stopping_patience"_a);

  m.def("generate_taxi_csv", [](const std::string& path, int64_t rows, uint64_t seed, double dirty_fraction,
                                double outlier_fraction, int64_t first_key) {
    data::TaxiGeneratorOptions o;
    o.rows = rows;
    o.seed = seed;
    o.dirty_fraction = dirty_fraction;
    o.outlier_fraction = outlier_fraction;
    o.first_key = first_key;
    nb::gil_scoped_release release;
        InFlight in_flight;
    return data::generate_taxi_csv(path, o);
  }, "path"_a, "rows"_a, "seed"_a = 1, "dirty_fraction"_a = 0.0, "outlier_fraction"_a = 0.01, "first_key"_a = 0);
  m.def("split_csv", [](const std::string& input, const std::string& prefix, std::vector<double> fractions,
                        std::vector<std::string> names, uint64_t seed, bool header, bool taxi_filters) {
    data::SplitOptions o;
    o.fractions = fractions;
    o.names = names;
    o.seed = seed;
    o.header = header;
    if (taxi_filters) o.keep = data::taxi_row_filter();
    data::SplitResult r;
    {
      nb::gil_scoped_release release;
        InFlight in_flight;
      r = data::split_csv(input, prefix, o);
    }
    return nb::make_tuple(r.paths, r.rows, r.dropped);
  }, "input"_a, "output_prefix"_a, "fractions"_a, "names"_a, "seed"_a = 1, "header"_a = false,
     "taxi_filters"_a = false);
  m.def("haversine_km", &data::haversine_km);
}

}  // namespace tg::python
