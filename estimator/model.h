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
  Node* init = nullptr;
};

// Builds inputs, logits, head and the train op (one optimizer per part, one step increment).
ModelGraph build_model(Graph& g, const ModelSpec& spec, int64_t seed);

}  // namespace tg::estimator
