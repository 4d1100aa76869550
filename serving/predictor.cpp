#include "serving/predictor.h"

#include <algorithm>
#include <filesystem>

#include "base/file_util.h"
#include "graph/serialize.h"
#include "runtime/checkpoint.h"

namespace tg::serving {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

std::vector<TensorSpec> specs_of(const Json& list, Graph& g, const std::string& what) {
  std::vector<TensorSpec> r;
  for (const auto& j : list) {
    TensorSpec s{j.at("name").get<std::string>(), j.at("node").get<std::string>(),
                 dtype_from_name(j.at("dtype").get<std::string>()), Shape(j.at("shape").get<std::vector<int64_t>>())};
    Output o = g.output_by_name(s.node);
    TG_CHECK(o.dtype() == s.dtype, "the signature's ", what, " '", s.name, "' says ", dtype_name(s.dtype),
             ", the graph has ", dtype_name(o.dtype()));
    r.push_back(s);
  }
  TG_CHECK(!r.empty(), "the signature has no ", what, "s");
  return r;
}

}  // namespace

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

std::shared_ptr<Predictor> Predictor::load(const std::string& dir) {
  auto p = std::shared_ptr<Predictor>(new Predictor());
  std::string path = dir + "/model.json";
  Json model;
  try {
    model = Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    fail("'", path, "' is not valid JSON: ", e.what());
  }
  try {
    TG_CHECK(model.value("format", "") == "tensorgraph-export", "not a tensorgraph export");
    int version = model.value("format_version", 0);
    TG_CHECK(version == 1, "format version ", version, " (this build reads version 1)");
    deserialize_graph(model.at("graph"), p->graph_);
    p->inputs_ = specs_of(model.at("signature").at("inputs"), p->graph_, "input");
    p->outputs_ = specs_of(model.at("signature").at("outputs"), p->graph_, "output");
    if (model["signature"].contains("training_flag"))
      p->training_ = p->graph_.output_by_name(model["signature"]["training_flag"].get<std::string>());
    p->metadata_ = model.value("metadata", Json::object());
  } catch (const Json::exception& e) {
    fail("'", path, "': ", e.what());
  } catch (const Error& e) {
    fail("'", path, "': ", e.what());
  }
  for (const auto& o : p->outputs_) p->fetches_.push_back(p->graph_.output_by_name(o.node));
  std::vector<Node*> vars;
  for (const auto& n : p->graph_.nodes())
    if (n->op == "Variable") vars.push_back(n.get());
  p->session_ = std::make_unique<Session>(p->graph_);
  restore_checkpoint(*p->session_, vars, dir + "/variables.tgc");
  std::string name = fs::path(dir).filename().string();
  p->version_ = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit) ? std::stoll(name) : 0;
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
  for (const auto& [name, t] : inputs) {
    bool known = std::any_of(inputs_.begin(), inputs_.end(), [&](const TensorSpec& s) { return s.name == name; });
    TG_CHECK(known, "unknown input '", name, "'");
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
