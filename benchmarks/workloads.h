// The named MLP workloads shared by the benchmark programs: layer widths and batch size.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace tg::bench {

struct Workload {
  std::string name;
  std::vector<int64_t> layers;  // input width, hidden widths..., output width
  int64_t batch;
  bool softmax = false;         // softmax cross-entropy over classes instead of MSE
  // Training FLOPs per sample: about 6 per weight (forward, and two products backward).
  double train_flops_per_sample() const;
};

// taxi-S, taxi-L, digits-M, wide; throws tg::Error for another name.
Workload workload(const std::string& name);

// The training graph of an MLP with ReLU, Adam and the workload's loss.
struct MlpGraph {
  Output x, y, loss, prediction;
  Node* train = nullptr;
  Node* init = nullptr;
};
// allreduce_bucket_bytes >= 0: data parallel, the gradients all-reduced over the job's ranks in
// buckets of that many bytes (graph/distributed_optimizer.h).
MlpGraph build_mlp(Graph& g, const Workload& w, double learning_rate = 1e-3, int64_t allreduce_bucket_bytes = -1);

}  // namespace tg::bench
