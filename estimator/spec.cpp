#include "estimator/spec.h"

#include <algorithm>
#include <functional>
#include <type_traits>

#include "base/file_util.h"
#include "data/dataset.h"
#include "graph/ops.h"

namespace tg::estimator {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (const auto& x : v) r += (r.empty() ? "" : ", ") + x;
  return r;
}

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

// How a feature is named in messages: "feature 3 (bucketized of 'pickuplat')".
std::string describe(const Json& f) {
  std::string type = f.is_object() ? f.value("type", "numeric") : "?";
  std::string name;
  if (f.is_object())
    for (const char* k : {"name", "input"})
      if (f.contains(k) && f[k].is_string()) {
        name = f[k].get<std::string>();
        break;
      }
  if (f.is_object() && f.contains("part") && f["part"].is_string()) name += "." + f["part"].get<std::string>();
  if (name.empty()) return cat("a '", type, "' feature");
  return cat("the ", type, " feature '", name, "'");
}

// f[key] as T; a missing key or a value of another type is an error naming the feature and the key.
template <class T>
T need(const Json& f, const char* key) {
  TG_CHECK(f.is_object(), "feature specification: a feature must be a JSON object, not ", f.dump());
  TG_CHECK(f.contains(key), "feature specification: ", describe(f), " has no \"", key, "\"");
  try {
    return f[key].get<T>();
  } catch (const Json::exception&) {
    fail("feature specification: ", describe(f), ": \"", key, "\" is ", f[key].dump(), ", not ",
         std::is_same_v<T, std::string> ? "a string" : std::is_arithmetic_v<T> ? "a number" : "a list of the right kind");
  }
}

// A timestamp part as a categorical column: its ids, or buckets of its value.
Categorical datetime_categorical(const Json& f) {
  std::string name = need<std::string>(f, "name"), part = need<std::string>(f, "part");
  if (f.contains("boundaries")) return estimator::bucketized_timestamp_column(name, part, need<std::vector<double>>(f, "boundaries"));
  return estimator::timestamp_part_column(name, part);
}

// A datetime feature is a number (its "epoch" part, or any part with "as": "numeric") or
// categorical (the other parts, one-hot or embedded).
bool datetime_numeric(const Json& f) {
  return f.value("part", "") == "epoch" || f.value("as", "") == "numeric";
}

Categorical categorical_of(const Json& f) {
  std::string type = f.is_object() ? f.value("type", "") : "";
  if (type == "bucketized") {
    if (f.contains("part"))
      return estimator::bucketized_timestamp_column(need<std::string>(f, "input"), need<std::string>(f, "part"),
                                                    need<std::vector<double>>(f, "boundaries"));
    return estimator::bucketized_column(need<std::string>(f, "input"), need<std::vector<double>>(f, "boundaries"));
  }
  if (type == "vocabulary")
    return estimator::categorical_column_with_vocabulary_list(need<std::string>(f, "name"),
                                                              need<std::vector<std::string>>(f, "vocabulary"),
                                                              f.value("oov_buckets", 1));
  if (type == "hash")
    return estimator::categorical_column_with_hash_bucket(need<std::string>(f, "name"), need<int64_t>(f, "buckets"));
  if (type == "identity")
    return estimator::categorical_column_with_identity(need<std::string>(f, "name"), need<int64_t>(f, "buckets"),
                                                       f.value("default", -1));
  if (type == "datetime") {
    TG_CHECK(!f.contains("parts"), "feature specification: ", describe(f),
             " inside a crossed column names one \"part\", not \"parts\"");
    return datetime_categorical(f);
  }
  if (type == "crossed") {
    std::vector<Categorical> parts;
    for (const auto& c : need<Json>(f, "columns")) parts.push_back(categorical_of(c));
    return estimator::crossed_column(parts, need<int64_t>(f, "buckets"));
  }
  fail("feature specification: ", describe(f), ": unknown type '", type,
       "' (numeric, difference, euclidean, datetime, bucketized, vocabulary, hash, identity or crossed)");
}

std::function<Output(Graph&, const std::vector<Output>&)> derived_fn(const std::string& type) {
  if (type == "difference") return [](Graph&, const std::vector<Output>& x) { return x[0] - x[1]; };
  return [](Graph&, const std::vector<Output>& x) {
    return ops::sqrt(ops::square(x[2] - x[0]) + ops::square(x[3] - x[1]));
  };
}

// The feature without its normalizer (to fit one) or with the spec's.
Column column_of(const Json& f, bool with_normalizer) {
  TG_CHECK(f.is_object(), "feature specification: a feature must be a JSON object, not ", f.dump());
  std::string type = f.value("type", "numeric");
  std::optional<estimator::Normalizer> norm;
  if (with_normalizer && f.contains("mean")) norm = estimator::Normalizer{need<double>(f, "mean"), need<double>(f, "stddev")};
  if (type == "numeric") return estimator::numeric_column(need<std::string>(f, "name"), norm);
  if (is_derived(type)) {
    auto inputs = need<std::vector<std::string>>(f, "inputs");
    require(inputs.size() == (type == "difference" ? 2u : 4u), describe(f) + " needs " + (type == "difference" ? "2" : "4") +
                                                                  " inputs");
    return estimator::derived_column(need<std::string>(f, "name"), inputs, derived_fn(type), norm);
  }
  if (type == "datetime") {
    TG_CHECK(!f.contains("parts"), "feature specification: ", describe(f), " is not expanded (see expand_features)");
    if (datetime_numeric(f) && !f.contains("boundaries") && !f.contains("embedding"))
      return estimator::timestamp_numeric_column(need<std::string>(f, "name"), need<std::string>(f, "part"), norm);
  }
  auto cat = categorical_of(f);
  if (f.contains("embedding")) return estimator::embedding_column(cat, need<int64_t>(f, "embedding"));
  return estimator::indicator_column(cat);
}

// The names of the columns that datetime features read (timestamps).
std::vector<std::string> timestamp_inputs(const Json& spec) {
  std::vector<std::string> r;
  std::function<void(const Json&)> visit = [&](const Json& f) {
    if (!f.is_object()) return;
    std::string type = f.value("type", "numeric");
    if (type == "datetime" && f.contains("name") && f["name"].is_string()) r.push_back(f["name"]);
    if (type == "bucketized" && f.contains("part") && f.contains("input") && f["input"].is_string()) r.push_back(f["input"]);
    if (f.contains("columns") && f["columns"].is_array())
      for (const auto& c : f["columns"]) visit(c);
  };
  for (const auto& f : spec.value("features", Json::array())) visit(f);
  return r;
}

bool is_numeric_feature(const Json& f) {
  std::string type = f.value("type", "numeric");
  return type == "numeric" || is_derived(type) || (type == "datetime" && datetime_numeric(f) && !f.contains("boundaries"));
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
  if (j.contains("features")) {
    try {
      features_of(j);  // every feature has what it needs
    } catch (const Error& e) {
      fail("'", path, "': ", e.what());
    }
  }
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

void expand_features(Json& spec) {
  if (!spec.contains("features") || !spec["features"].is_array()) return;
  Json out = Json::array();
  for (const auto& f : spec["features"]) {
    if (f.is_object() && f.value("type", "") == "datetime" && f.contains("parts")) {
      TG_CHECK(f["parts"].is_array() && !f["parts"].empty(), "feature specification: ", describe(f),
               ": \"parts\" must be a list such as [\"hour\", \"dayofweek\"]");
      for (const auto& p : f["parts"]) {
        Json one = f;
        one.erase("parts");
        one["part"] = p;
        out.push_back(one);
      }
    } else {
      out.push_back(f);
    }
  }
  spec["features"] = out;
}

void resolve_columns(Json& spec, const std::vector<std::string>& files) {
  TG_CHECK(spec.contains("label") && spec["label"].is_string(), "the specification names no label column (\"label\")");
  std::string label = spec["label"];
  expand_features(spec);
  bool header = spec.value("header", false);
  Json given = spec.value("columns", Json::array());
  if (header) {
    // The file names its columns and their types are read off its first rows; given columns
    // (--columns, the spec's) change only the ones they name.
    auto paths = files.empty() ? std::vector<std::string>{} : data::expand_files(files);
    TG_CHECK(!paths.empty(), "\"header\": true, but no file to read the column names from");
    auto inferred = data::infer_columns(paths[0], true);
    Json cols = Json::array();
    std::vector<std::string> names;
    for (const auto& c : inferred) {
      Json col{{"name", c.name}};
      if (c.dtype == DType::String) col["dtype"] = "string";
      names.push_back(c.name);
      cols.push_back(col);
    }
    for (const auto& g : given) {
      std::string n = g.at("name");
      auto it = std::find(names.begin(), names.end(), n);
      TG_CHECK(it != names.end(), "column '", n, "' is not in the header of '", paths[0],
               "', which names: ", join(names));
      Json& c = cols[static_cast<size_t>(it - names.begin())];
      for (const auto& [k, v] : g.items()) c[k] = v;
      if (g.contains("dtype") && g["dtype"] != "string" && c.value("dtype", "") == "string" && !g.contains("skip"))
        c["dtype"] = g["dtype"];
    }
    spec["columns"] = cols;
  } else {
    TG_CHECK(!given.empty(), "no columns given: pass --columns, a --spec file, or --header for files with a header line");
  }
  // Timestamps are strings, checked as they are read.
  for (const auto& t : timestamp_inputs(spec)) {
    bool found = false;
    for (auto& c : spec["columns"])
      if (c.at("name") == t) {
        c["dtype"] = "string";
        c["timestamp"] = true;
        found = true;
      }
    std::vector<std::string> names;
    for (const auto& c : spec["columns"]) names.push_back(c.at("name"));
    TG_CHECK(found, "the datetime feature reads column '", t, "', which is not among the columns: ", join(names));
  }
  bool has_label = false;
  std::vector<std::string> names;
  for (const auto& c : spec["columns"]) {
    has_label = has_label || c.at("name") == label;
    names.push_back(c.at("name"));
  }
  TG_CHECK(has_label, "the label column '", label, "' is not among the columns read: ", join(names));
  if (!spec.contains("features") || spec["features"].empty()) {
    spec["features"] = Json::array();
    for (const auto& c : spec["columns"]) {
      std::string dt = c.value("dtype", "float32");
      if (c.at("name") != label && !c.value("skip", false) && dt != "string" && c.at("name") != spec.value("weight", ""))
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
    s.timestamp = c.value("timestamp", false);
    if (!with_label && s.name == spec.at("label")) continue;
    cols.push_back(s);
  }
  return data::CsvSchema(cols);
}

void fit_normalizers(Json& spec, const InputFn& train) {
  expand_features(spec);
  std::vector<std::string> numeric;
  for (auto& f : spec["features"]) {
    std::string type = f.value("type", "numeric");
    if (!is_numeric_feature(f) || !f.value("normalize", true) || f.contains("mean")) continue;
    if (type == "numeric") {
      numeric.push_back(need<std::string>(f, "name"));
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
  Json expanded = spec;
  expand_features(expanded);
  TG_CHECK(expanded.contains("features") && expanded["features"].is_array(),
           "feature specification: \"features\" must be a list");
  size_t i = 0;
  for (const auto& f : expanded["features"]) {
    ++i;
    try {
      cols.push_back(column_of(f, true));
    } catch (const Json::exception& e) {
      fail("feature specification: feature ", i, " (", describe(f), "): ", e.what());
    }
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
  if (task == "binary") s.head = Head::binary(m.value("threshold", 0.5));
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
  s.l1 = m.value("l1", 0.0);
  s.l2 = m.value("l2", 0.0);
  s.clip_norm = m.value("clip_norm", 0.0);
  s.batch_norm = m.value("batch_norm", false);
  if (m.contains("learning_rate_decay") && m["learning_rate_decay"].is_object()) {
    const Json& d = m["learning_rate_decay"];
    s.learning_rate_decay.type = d.value("type", "");
    s.learning_rate_decay.decay_steps = d.value("decay_steps", int64_t{0});
    s.learning_rate_decay.decay_rate = d.value("decay_rate", 1.0);
    s.learning_rate_decay.staircase = d.value("staircase", false);
    s.learning_rate_decay.boundaries = d.value("boundaries", std::vector<int64_t>{});
    s.learning_rate_decay.values = d.value("values", std::vector<double>{});
  }
  RunConfig cfg;
  cfg.model_dir = model_dir;
  cfg.seed = m.value("seed", 42);
  cfg.save_checkpoints_steps = m.value("save_checkpoints_steps", 1000);
  cfg.log_step_count_steps = m.value("log_every_steps", 100);
  cfg.device = m.value("device", "");
  cfg.precision = precision_from_name(m.value("precision", "f32"));
  cfg.overwrite = overwrite;
  cfg.summaries = m.value("summaries", true);
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
