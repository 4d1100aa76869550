#include "estimator/spec.h"

#include "base/file_util.h"
#include "data/dataset.h"
#include "graph/ops.h"

namespace tg::estimator {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> r;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) r.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) r.push_back(cur);
  return r;
}

void require(bool ok, const std::string& what) { TG_CHECK(ok, "feature specification: ", what); }

bool is_derived(const std::string& type) { return type == "difference" || type == "euclidean"; }

Categorical categorical_of(const Json& f) {
  std::string type = f.value("type", "");
  if (type == "bucketized")
    return estimator::bucketized_column(f.at("input").get<std::string>(), f.at("boundaries").get<std::vector<double>>());
  if (type == "vocabulary")
    return estimator::categorical_column_with_vocabulary_list(f.at("name").get<std::string>(),
                                                              f.at("vocabulary").get<std::vector<std::string>>(),
                                                              f.value("oov_buckets", 1));
  if (type == "hash")
    return estimator::categorical_column_with_hash_bucket(f.at("name").get<std::string>(), f.at("buckets").get<int64_t>());
  if (type == "identity")
    return estimator::categorical_column_with_identity(f.at("name").get<std::string>(), f.at("buckets").get<int64_t>(),
                                                       f.value("default", -1));
  if (type == "crossed") {
    std::vector<Categorical> parts;
    for (const auto& c : f.at("columns")) parts.push_back(categorical_of(c));
    return estimator::crossed_column(parts, f.at("buckets").get<int64_t>());
  }
  fail("feature specification: unknown categorical type '", type, "'");
}

std::function<Output(Graph&, const std::vector<Output>&)> derived_fn(const std::string& type) {
  if (type == "difference") return [](Graph&, const std::vector<Output>& x) { return x[0] - x[1]; };
  return [](Graph&, const std::vector<Output>& x) {
    return ops::sqrt(ops::square(x[2] - x[0]) + ops::square(x[3] - x[1]));
  };
}

// The feature without its normalizer (to fit one) or with the spec's.
Column column_of(const Json& f, bool with_normalizer) {
  std::string type = f.value("type", "numeric");
  std::optional<estimator::Normalizer> norm;
  if (with_normalizer && f.contains("mean")) norm = estimator::Normalizer{f.at("mean").get<double>(), f.at("stddev").get<double>()};
  if (type == "numeric") return estimator::numeric_column(f.at("name").get<std::string>(), norm);
  if (is_derived(type)) {
    auto inputs = f.at("inputs").get<std::vector<std::string>>();
    require(inputs.size() == (type == "difference" ? 2u : 4u), "'" + type + "' feature '" + f.value("name", "") +
                                                                  "' needs " + (type == "difference" ? "2" : "4") + " inputs");
    return estimator::derived_column(f.at("name").get<std::string>(), inputs, derived_fn(type), norm);
  }
  auto cat = categorical_of(f);
  if (f.contains("embedding")) return estimator::embedding_column(cat, f["embedding"].get<int64_t>());
  return estimator::indicator_column(cat);
}

}  // namespace

Json load_spec_file(const std::string& path) {
  Json j;
  try {
    j = Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    fail("'", path, "' is not valid JSON: ", e.what());
  }
  TG_CHECK(j.is_object(), "'", path, "': the specification must be a JSON object");
  TG_CHECK(j.contains("label"), "'", path, "': the specification names no \"label\"");
  return j;
}

Json inline_spec(const std::string& columns, const std::string& label, const std::string& features, bool header) {
  Json j;
  j["header"] = header;
  j["label"] = label;
  j["columns"] = Json::array();
  for (const auto& c : split(columns, ',')) {
    auto parts = split(c, ':');
    Json col{{"name", parts[0]}};
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "skip") col["skip"] = true;
      else if (parts[i].rfind("default=", 0) == 0) col["default"] = parts[i].substr(8);
      else col["dtype"] = parts[i];
    }
    j["columns"].push_back(col);
  }
  j["features"] = Json::array();
  for (const auto& f : split(features, ',')) j["features"].push_back({{"type", "numeric"}, {"name", f}});
  return j;
}

void resolve_columns(Json& spec, const std::vector<std::string>& files) {
  if (!spec.contains("columns") || spec["columns"].empty()) {
    TG_CHECK(spec.value("header", false), "no columns given: pass --columns, a --spec file, or --header");
    spec["columns"] = Json::array();
    for (const auto& n : data::read_header(data::expand_files(files)[0])) spec["columns"].push_back({{"name", n}});
  }
  bool has_label = false;
  for (const auto& c : spec["columns"]) has_label = has_label || c.at("name") == spec.at("label");
  TG_CHECK(has_label, "the label column '", spec.at("label").get<std::string>(), "' is not among the columns");
  if (!spec.contains("features") || spec["features"].empty()) {
    spec["features"] = Json::array();
    for (const auto& c : spec["columns"]) {
      std::string dt = c.value("dtype", "float32");
      if (c.at("name") != spec["label"] && !c.value("skip", false) && dt != "string" && c.at("name") != spec.value("weight", ""))
        spec["features"].push_back({{"type", "numeric"}, {"name", c["name"]}});
    }
    TG_CHECK(!spec["features"].empty(), "no numeric columns to use as features");
  }
}

data::CsvSchema schema_of(const Json& spec, bool with_label) {
  std::vector<data::ColumnSpec> cols;
  for (const auto& c : spec.at("columns")) {
    data::ColumnSpec s{c.at("name").get<std::string>(), dtype_from_name(c.value("dtype", "float32"))};
    if (c.contains("default")) s.default_value = c["default"].get<std::string>();
    s.skip = c.value("skip", false);
    if (!with_label && s.name == spec.at("label")) continue;
    cols.push_back(s);
  }
  return data::CsvSchema(cols);
}

void fit_normalizers(Json& spec, const InputFn& train) {
  std::vector<std::string> numeric;
  for (auto& f : spec["features"]) {
    std::string type = f.value("type", "numeric");
    if ((type != "numeric" && !is_derived(type)) || !f.value("normalize", true) || f.contains("mean")) continue;
    if (type == "numeric") {
      numeric.push_back(f.at("name").get<std::string>());
    } else {
      auto n = estimator::fit_normalizer(train, column_of(f, false));
      f["mean"] = n.mean;
      f["stddev"] = n.stddev;
    }
  }
  if (numeric.empty()) return;
  auto norms = estimator::compute_normalizers(train, numeric);
  for (auto& f : spec["features"])
    if (f.value("type", "numeric") == "numeric" && norms.count(f.value("name", ""))) {
      f["mean"] = norms[f["name"]].mean;
      f["stddev"] = norms[f["name"]].stddev;
    }
}

std::vector<Column> features_of(const Json& spec) {
  std::vector<Column> cols;
  try {
    for (const auto& f : spec.at("features")) cols.push_back(column_of(f, true));
  } catch (const Json::exception& e) {
    fail("feature specification: ", e.what());
  }
  return cols;
}

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
  cfg.precision = precision_from_name(m.value("precision", "f32"));
  cfg.overwrite = overwrite;
  cfg.allreduce_bucket_bytes = m.value("allreduce_bucket_bytes", cfg.allreduce_bucket_bytes);
  cfg.distribute = m.value("distribute", true);
  return Estimator(s, cfg);
}

InputFn csv_files(const Json& spec, const std::vector<std::string>& files, int64_t batch, int64_t epochs, bool shuffle,
                  uint64_t seed, bool with_label, int shard_index, int shard_count) {
  data::DatasetOptions o;
  o.files = files;
  o.header = spec.value("header", false);
  o.batch_size = batch;
  o.epochs = epochs;
  o.shuffle_files = shuffle;
  o.shuffle_buffer = shuffle ? 10000 : 0;
  o.cycle_length = shuffle ? 4 : 1;
  o.seed = seed;
  o.shard_index = shard_index;
  o.shard_count = shard_count;
  return csv_input(data::CsvDataset(o, schema_of(spec, with_label)));
}

}  // namespace tg::estimator
