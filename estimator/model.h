// The model functions behind the canned estimators: logits from feature columns.
#pragma once

#include "estimator.h"

namespace tg::estimator {

struct ModelGraph {
  RawInputs raw;
  Output label, weight;        // weight may be null
  Output training;             // float32 scalar: 1 while training (dropout), 0 otherwise
  Output logits;
  HeadOutputs head;
  Node* train = nullptr;
  Output learning_rate;
  Output objective;            // the loss plus any regularization: what the optimizers minimize        // the deep part's (or the linear part's), after any decay
  Node* init = nullptr;
};

// Builds inputs, logits, head and the train op (one optimizer per part, one step increment).
// With allreduce_bucket_bytes >= 0 the gradients are all-reduced over the job's processes
// (graph/distributed_optimizer.h) in buckets of at most that many bytes before any update.
ModelGraph build_model(Graph& g, const ModelSpec& spec, int64_t seed, int64_t allreduce_bucket_bytes = -1);

}  // namespace tg::estimator
