// A session runs a graph: run(feeds, fetches, targets) compiles each distinct signature once
// into a cached Plan (pruned, fused, placed, buffers planned) and then only executes it.
// Variables live in the session; run the graph's initializer before reading them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../base/allocator.h"
#include "../graph/graph.h"

namespace tg {

class Plan;

struct SessionOptions {
  Allocator* allocator = nullptr;  // intermediate buffers (nullptr = default)
  int num_threads = 0;             // intra-op threads (0 = all cores)
  bool soft_placement = true;
  bool log_device_placement = false;
  bool use_gpus = true;            // false: everything on the CPU (TensorFlow's device_count {GPU: 0})
  bool fuse_ops = true;            // matmul + bias + activation fusion
  bool cuda_graphs = true;         // replay each plan's GPU segments as CUDA graphs
  // How float32 matrix products compute (base/dtype.h): f32 exactly, or tf32 / bf16 inputs with
  // f32 accumulation, on the devices that have them.
  MathPrecision precision = MathPrecision::Float32;
};

class Session {
 public:
  explicit Session(Graph& graph, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs the nodes that the fetches and targets need and returns copies of the fetches.
  // Throws tg::Error naming the node for a missing, mistyped or misshaped feed.
  std::vector<Tensor> run(const FeedList& feeds, const std::vector<Output>& fetches,
                          const std::vector<Node*>& targets = {});
  // The same with nodes named "node" or "node:i".
  std::vector<Tensor> run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                          const std::vector<std::string>& fetches,
                          const std::vector<std::string>& targets = {});
  void run(Node* target) { run(FeedList{}, {}, {target}); }

  // A copy of a variable's current value; throws if it was never initialized.
  Tensor variable_value(Output var);
  // Overwrites a variable (restoring a checkpoint); shape and dtype must match.
  void set_variable_value(Output var, const Tensor& value);

  Graph& graph() { return graph_; }
  size_t num_cached_plans() const;
  // The plan of the last run, for inspection by tests and benchmarks (runtime/plan.h, a
  // private header of the engine).
  const Plan* last_plan() const;

 private:
  struct Impl;
  Graph& graph_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tg
