// Variable storage of a session: one tensor per Variable node, allocated on first use on the
// device placement chose, and updated in place there by assignment and optimizer kernels.
#pragma once

#include <unordered_map>

#include "base/tensor.h"
#include "graph/graph.h"
#include "runtime/device.h"

namespace tg {

struct VariableState {
  Tensor value;  // in the memory of `device`
  DeviceId device;
  bool initialized = false;
};

class VariableStore {
 public:
  // The state of a Variable node, allocated (zeros, uninitialized) on `device` when first
  // asked for; an existing state stays where it is.
  VariableState& get(const Node* var, const DeviceId& device = {});
  VariableState* find(const Node* var);

  // Host copy of a variable's value, and the reverse (shape and dtype already checked).
  static Tensor read(const VariableState& s);
  static void write(VariableState& s, const Tensor& host_value);

 private:
  std::unordered_map<const Node*, VariableState> vars_;
};

}  // namespace tg
