// Synchronous data-parallel training as graph builders, after Horovod's DistributedOptimizer
// and PyTorch DDP's gradient buckets: every process of the job (one per device, started by an
// MPI launcher) builds the same graph, trains on its own shard of the data, and averages the
// gradients over all processes between computing and applying them, so every replica applies
// the same update and the variables stay identical (after rank 0's initial values are
// broadcast, see runtime/communicator.h and estimator/distributed.h).
//
// Small gradients are fused: flattened and concatenated, in variable order, into buckets of at
// most `bucket_bytes`, each all-reduced by one AllReduce op and split back, so a step makes a
// few collectives rather than one per variable. A gradient larger than a bucket is reduced by
// itself, without a copy.
//
// Embedding gradients: an embedding's (a Gather's) gradient is a dense tensor of the table's
// shape in this engine (GatherGrad), so it is all-reduced densified, whole, every step; a
// warning names each such gradient and its size. Gathering the touched rows instead
// (all-gather of ids and rows) would pay off only for tables far larger than a batch's rows.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "optimizers.h"

namespace tg {

struct AllReduceOptions {
  // Largest bucket in bytes; 0 = one AllReduce per gradient (no fusion).
  int64_t bucket_bytes = 4 << 20;
  std::string reduction = "mean";  // "mean" (the average gradient) or "sum"
};

// The gradients all-reduced over the job's processes, in the same order, paired with the same
// variables; gradients of one dtype share buckets. In a process alone, each AllReduce is the
// identity. Throws tg::Error for a gradient whose shape is not fully known.
std::vector<std::pair<Output, Output>> allreduce_gradients(
    const std::vector<std::pair<Output, Output>>& grads_and_vars, const AllReduceOptions& options = {});

// An optimizer whose gradients are averaged over the job's processes.
class DistributedOptimizer {
 public:
  explicit DistributedOptimizer(std::unique_ptr<Optimizer> inner, AllReduceOptions options = {});

  // The gradients of loss (all trainable variables when var_list is empty), all-reduced.
  std::vector<std::pair<Output, Output>> compute_gradients(Output loss, std::vector<Output> var_list = {});
  // Applies gradients that compute_gradients returned (already all-reduced) with the inner
  // optimizer, and increments the global step.
  Node* apply_gradients(const std::vector<std::pair<Output, Output>>& grads_and_vars);
  // compute_gradients then apply_gradients: the train op.
  Node* minimize(Output loss, std::vector<Output> var_list = {});

  Optimizer& inner() { return *inner_; }
  const AllReduceOptions& options() const { return options_; }

 private:
  std::unique_ptr<Optimizer> inner_;
  AllReduceOptions options_;
};

}  // namespace tg
