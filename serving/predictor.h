// Loading an export (export_dir/<version>/model.json + variables.tgc) and predicting with it,
// in any process, from the export alone. The format is described in docs/export-format.md;
// everything in it is validated on load.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../runtime/session.h"

namespace tg::serving {

struct TensorSpec {
  std::string name;  // as requests name it
  std::string node;  // in the graph
  DType dtype;
  Shape shape;
};

// What a model may ask of the process that loads it. An export is input from outside: a crafted
// one must be refused with an error, not crash the server or make every prediction allocate
// gigabytes.
struct LoadOptions {
  size_t max_file_bytes = size_t{64} << 20;    // model.json, checked before reading it
  int max_json_depth = 64;
  size_t max_string_bytes = size_t{1} << 20;   // any string of model.json (vocabularies included)
  size_t max_name_bytes = 4096;                // node, op, attribute and signature names
  int64_t max_batch_rows = 4096;               // the largest batch the model will be run on
  int64_t max_memory_bytes = int64_t{2048} << 20;  // its outputs' total for such a batch
};

class Predictor {
 public:
  // Loads one version directory; throws tg::Error naming the file and the problem.
  static std::shared_ptr<Predictor> load(const std::string& version_dir, const LoadOptions& options = {});

  // Inputs by signature name, each a tensor of shape [n] of its dtype; returns every output.
  // Thread-safe (one prediction at a time).
  std::map<std::string, Tensor> predict(const std::map<std::string, Tensor>& inputs);

  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const nlohmann::json& metadata() const { return metadata_; }
  int64_t version() const { return version_; }
  std::string task() const { return metadata_.value("task", "regression"); }
  // The loaded graph and the session holding its weights (for converters such as ONNX).
  const Graph& graph() const { return graph_; }
  Session& session() { return *session_; }

 private:
  Graph graph_;
  std::unique_ptr<Session> session_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<Output> fetches_;
  Output training_;
  nlohmann::json metadata_;
  int64_t version_ = 0;
  std::mutex mu_;
};

// An upper bound of the memory one run on a batch of `rows` needs: every node's outputs, with
// unknown dimensions taken as `rows`. Sets *largest to the node with the largest output.
int64_t estimate_run_bytes(const Graph& g, int64_t rows, const Node** largest = nullptr);

// Version numbers present in an export directory, ascending (directories named by integers).
std::vector<int64_t> export_versions(const std::string& export_dir);

}  // namespace tg::serving
