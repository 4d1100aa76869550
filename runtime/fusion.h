// Fusion of matmul -> bias_add [-> activation] chains into one FusedMatMul step (oneDNN's
// matmul with a bias and an eltwise post-op on the CPU). A chain fuses only when nothing
// else reads its intermediates: activation gradients read the activation's output, so
// training graphs fuse their forward layers.
#pragma once

#include <vector>

#include "graph/graph.h"

namespace tg {

struct MatMulFusion {
  const Node* matmul = nullptr;
  const Node* bias_add = nullptr;
  const Node* activation = nullptr;  // may be null: matmul + bias only
  const Node* last() const { return activation ? activation : bias_add; }
  std::string activation_kind() const;  // "none", "relu", ...
};

// `nodes` is the pruned, ordered node list of a plan; `pinned[i]` marks node ids whose
// outputs are fetched or fed (they must stay materialized).
std::vector<MatMulFusion> find_matmul_fusions(const std::vector<const Node*>& nodes,
                                              const std::vector<bool>& pinned);

}  // namespace tg
