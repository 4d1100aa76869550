// Reverse-mode automatic differentiation on the graph.
#pragma once

#include <vector>

#include "graph.h"

namespace tg {

// Adds nodes computing d(sum of ys)/d(x) for each x. grad_ys seeds the ys' gradients (ones by
// default). An x with no path from the ys gets a null Output. Differentiating through an op
// without a gradient throws tg::Error naming the op and the node.
std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys = {});

}  // namespace tg
