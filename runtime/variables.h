// Variable storage of a session: one tensor per Variable node, allocated on first use and
// updated in place by assignment and optimizer kernels.
#pragma once

#include <unordered_map>

#include "base/tensor.h"
#include "graph/graph.h"

namespace tg {

struct VariableState {
  Tensor value;
  bool initialized = false;
};

class VariableStore {
 public:
  // The state of a Variable node, allocated (zeros, uninitialized) when first asked for.
  VariableState& get(const Node* var);
  const VariableState* find(const Node* var) const;

 private:
  std::unordered_map<const Node*, VariableState> vars_;
};

}  // namespace tg
