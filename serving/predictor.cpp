#include "serving/predictor.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <limits>

#include "base/file_util.h"
#include "graph/serialize.h"
#include "runtime/checkpoint.h"
#include "serving/rest.h"

namespace tg::serving {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::vector<TensorSpec> specs_of(const Json& list, Graph& g, const std::string& what, size_t max_name) {
  std::vector<TensorSpec> r;
  for (const auto& j : list) {
    TensorSpec s{j.at("name").get<std::string>(), j.at("node").get<std::string>(),
                 dtype_from_name(j.at("dtype").get<std::string>()), Shape(j.at("shape").get<std::vector<int64_t>>())};
    TG_CHECK(s.name.size() <= max_name, "the signature's ", what, " name ", quote(s.name), " exceeds ", max_name, " bytes");
    Output o = g.output_by_name(s.node);
    TG_CHECK(o.dtype() == s.dtype, "the signature's ", what, " '", clip(s.name), "' says ", dtype_name(s.dtype),
             ", the graph has ", dtype_name(o.dtype()));
    r.push_back(s);
  }
  TG_CHECK(!r.empty(), "the signature has no ", what, "s");
  return r;
}

int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

std::string megabytes(int64_t bytes) { return cat(bytes >> 20, " MB"); }

// A node's outputs for a batch of `rows`, unknown dimensions taken as `rows`.
int64_t output_bytes(const Node& n, int64_t rows) {
  int64_t bytes = 0;
  for (size_t k = 0; k < n.out_shapes.size(); ++k) {
    int64_t b = static_cast<int64_t>(dtype_size(n.out_dtypes[k]));
    for (int64_t d : n.out_shapes[k].dims()) b = saturating_mul(b, d < 0 ? rows : d);
    bytes = saturating_add(bytes, b);
  }
  return bytes;
}

}  // namespace

int64_t estimate_run_bytes(const Graph& g, int64_t rows, const Node** largest) {
  int64_t total = 0, most = -1;
  for (const auto& n : g.nodes()) {
    int64_t bytes = output_bytes(*n, rows);
    if (bytes > most && largest) *largest = n.get();
    most = std::max(most, bytes);
    total = saturating_add(total, bytes);
  }
  return total;
}

std::vector<int64_t> export_versions(const std::string& dir) {
  std::vector<int64_t> r;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (!e.is_directory() || n.empty() || !std::all_of(n.begin(), n.end(), ::isdigit) || n.size() > 18) continue;
    if (fs::exists(e.path() / "model.json") && fs::exists(e.path() / "variables.tgc")) r.push_back(std::stoll(n));
  }
  std::sort(r.begin(), r.end());
  return r;
}

std::shared_ptr<Predictor> Predictor::load(const std::string& dir, const LoadOptions& o) {
  auto p = std::shared_ptr<Predictor>(new Predictor());
  std::string path = dir + "/model.json";
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  TG_CHECK(!ec, "cannot read '", path, "': ", ec.message());
  TG_CHECK(size <= o.max_file_bytes, "'", path, "' holds ", size, " bytes, over the limit of ", o.max_file_bytes);
  Json model;
  try {
    // Depth-bounded: a copy or dump of the metadata recurses, and 100,000 levels overflow the stack.
    model = parse_json(read_file(path), JsonLimits{o.max_json_depth, o.max_string_bytes});
    TG_CHECK(model.is_object(), "not a tensorgraph export");
    TG_CHECK(model.value("format", "") == "tensorgraph-export", "not a tensorgraph export");
    int version = model.value("format_version", 0);
    TG_CHECK(version == 1, "format version ", version, " (this build reads version 1)");
    deserialize_graph(model.at("graph"), p->graph_, o.max_name_bytes);
    p->inputs_ = specs_of(model.at("signature").at("inputs"), p->graph_, "input", o.max_name_bytes);
    p->outputs_ = specs_of(model.at("signature").at("outputs"), p->graph_, "output", o.max_name_bytes);
    if (model["signature"].contains("training_flag"))
      p->training_ = p->graph_.output_by_name(model["signature"]["training_flag"].get<std::string>());
    p->metadata_ = model.value("metadata", Json::object());
    const Json& m = p->metadata_;
    TG_CHECK(m.is_object() && m.value("task", Json("")).is_string(), "the metadata must be an object with a string \"task\"");
    Json labels = m.value("label_vocabulary", Json::array());
    TG_CHECK(labels.is_array() && std::all_of(labels.begin(), labels.end(), [](const Json& l) { return l.is_string(); }),
             "the metadata's label_vocabulary must be a list of strings");
  } catch (const Json::exception& e) {
    fail("'", path, "': ", clip(e.what(), 300));
  } catch (const Error& e) {
    fail("'", path, "': ", e.what());
  }
  // Refused now rather than on every request: the plan for the largest batch would not fit.
  const Node* largest = nullptr;
  int64_t need = estimate_run_bytes(p->graph_, o.max_batch_rows, &largest);
  if (need > o.max_memory_bytes) {
    fail("'", path, "': a batch of ", o.max_batch_rows, " rows would need about ", megabytes(need),
         ", over the limit of ", megabytes(o.max_memory_bytes), "; the largest output is node '", clip(largest->name),
         "' (", largest->op, ", shape ", largest->out_shapes[0].to_string(), ", ",
         megabytes(output_bytes(*largest, o.max_batch_rows)), ")");
  }
  for (const auto& s : p->outputs_) p->fetches_.push_back(p->graph_.output_by_name(s.node));
  std::vector<Node*> vars;
  for (const auto& n : p->graph_.nodes())
    if (n->op == "Variable") vars.push_back(n.get());
  p->session_ = std::make_unique<Session>(p->graph_);
  restore_checkpoint(*p->session_, vars, dir + "/variables.tgc");
  std::string name = fs::path(dir).filename().string();
  if (std::from_chars(name.data(), name.data() + name.size(), p->version_).ptr != name.data() + name.size()) p->version_ = 0;
  return p;
}

std::map<std::string, Tensor> Predictor::predict(const std::map<std::string, Tensor>& inputs) {
  FeedList feeds;
  int64_t rows = -1;
  for (const auto& spec : inputs_) {
    auto it = inputs.find(spec.name);
    TG_CHECK(it != inputs.end(), "missing input '", spec.name, "'");
    const Tensor& t = it->second;
    TG_CHECK(t.dtype() == spec.dtype, "input '", spec.name, "' must be ", dtype_name(spec.dtype), ", got ",
             dtype_name(t.dtype()));
    TG_CHECK(t.shape().rank() == 1, "input '", spec.name, "' must be a list of values, got shape ", t.shape().to_string());
    TG_CHECK(rows < 0 || t.shape().dim(0) == rows, "inputs differ in length: '", spec.name, "' has ", t.shape().dim(0),
             " values, others ", rows);
    rows = t.shape().dim(0);
    feeds.emplace_back(graph_.output_by_name(spec.node), t);
  }
  for (const auto& input : inputs) {
    const std::string& name = input.first;  // not a structured binding: lambdas capture it
    bool known = std::any_of(inputs_.begin(), inputs_.end(), [&](const TensorSpec& s) { return s.name == name; });
    TG_CHECK(known, "unknown input ", quote(name));
  }
  TG_CHECK(rows > 0, "empty batch: no rows to predict");
  if (training_) feeds.emplace_back(training_, Tensor::scalar<float>(0));
  std::lock_guard<std::mutex> lock(mu_);
  auto out = session_->run(feeds, fetches_);
  std::map<std::string, Tensor> r;
  for (size_t i = 0; i < outputs_.size(); ++i) r[outputs_[i].name] = out[i];
  return r;
}

}  // namespace tg::serving
