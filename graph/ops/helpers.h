// Helpers shared by the op families' builders, shape functions and gradients.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/op_registry.h"

namespace tg::ops {

// Adds a one-output node and returns its output.
inline Output make(const std::string& op, std::vector<Output> inputs, Attrs attrs = {},
                   const std::string& name = "") {
  TG_CHECK(!inputs.empty(), "op ", op, " needs inputs");
  return inputs[0].graph().add_node(op, std::move(inputs), std::move(attrs), name)->out();
}

// Sums a broadcast gradient back down to the shape of x (an identity when shapes match).
Output sum_to(Output grad, Output x);

// The gradient of a one-input op whose output is its only consumer of the gradient.
inline std::vector<Output> only(Output g) { return {g}; }

}  // namespace tg::ops
