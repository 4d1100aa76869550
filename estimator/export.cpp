// Estimator::export_model: the prediction graph, weights, signature and metadata, written to
// a temporary directory and renamed into place, so a server watching export_dir never sees a
// half-written version.
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "estimator/estimator.h"
#include "estimator/model.h"
#include "graph/serialize.h"
#include "runtime/checkpoint.h"

namespace tg::estimator {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string Estimator::export_model(const std::string& export_dir, const MetricMap& metrics) {
  Graph& g = graph();
  Session& s = session();
  const ModelGraph& m = model_graph();
  const HeadOutputs& h = m.head;
  std::vector<std::pair<std::string, Output>> outputs{{"logits", m.logits}};
  if (h.predictions) outputs.emplace_back("predictions", h.predictions);
  if (h.probabilities) outputs.emplace_back("probabilities", h.probabilities);
  if (h.class_ids) outputs.emplace_back("class_ids", h.class_ids);

  Json sig{{"inputs", Json::array()}, {"outputs", Json::array()}};
  for (const auto& [name, ph] : m.raw)
    sig["inputs"].push_back({{"name", name}, {"node", ph.node->name}, {"dtype", dtype_name(ph.dtype())}, {"shape", {-1}}});
  std::vector<Output> fetches;
  for (const auto& [name, o] : outputs) {
    std::vector<int64_t> dims = o.shape().dims();
    sig["outputs"].push_back({{"name", name}, {"node", o.name()}, {"dtype", dtype_name(o.dtype())}, {"shape", dims}});
    fetches.push_back(o);
  }
  Json graph_json = serialize_graph(fetches);
  bool has_training = false;
  std::vector<Node*> vars;
  for (const auto& n : graph_json) {
    if (n["name"] == m.training.node->name) has_training = true;
    if (n["op"] == "Variable") vars.push_back(g.find(n["name"].get<std::string>()));
  }
  if (has_training) sig["training_flag"] = m.training.node->name;

  const ModelSpec& sp = spec();
  const char* task = sp.head.kind() == Head::Kind::Regression ? "regression"
                     : sp.head.kind() == Head::Kind::Binary   ? "binary" : "multiclass";
  Json meta{{"engine", "tensorgraph 0.1.0"}, {"global_step", global_step()}, {"task", task},
            {"label", sp.label_column}, {"label_vocabulary", sp.head.label_vocabulary()},
            {"created_unix", std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count()}};
  for (const auto& [k, v] : metrics) meta["metrics"][k] = v;
  Json model{{"format", "tensorgraph-export"}, {"format_version", 1}, {"signature", sig}, {"metadata", meta},
             {"graph", graph_json}};

  int64_t version = global_step();
  fs::create_directories(export_dir);
  std::string final_dir = export_dir + "/" + std::to_string(version);
  std::string tmp = export_dir + "/.tmp-" + std::to_string(version);
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  write_file_atomic(tmp + "/model.json", model.dump());
  tg::save_checkpoint(s, vars, tmp + "/variables.tgc");
  fs::remove_all(final_dir);
  fs::rename(tmp, final_dir);
  return final_dir;
}

}  // namespace tg::estimator
