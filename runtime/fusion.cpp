#include "runtime/fusion.h"

#include <unordered_map>

#include "base/activations.h"

namespace tg {

namespace {
// The activation an op applies (base/activations.h), or nullptr.
const char* kind_of(const std::string& op) {
#define TG_ACT_KIND(e, name, act_op, ...) \
  if (op == act_op) return name;
  TG_ACTIVATIONS(TG_ACT_KIND)
#undef TG_ACT_KIND
  return nullptr;
}
}  // namespace

std::string MatMulFusion::activation_kind() const {
  return activation ? kind_of(activation->op) : "none";
}

std::vector<MatMulFusion> find_matmul_fusions(const std::vector<const Node*>& nodes,
                                              const std::vector<bool>& pinned) {
  // Readers of each node's output 0 within the plan.
  std::unordered_map<const Node*, std::vector<const Node*>> readers;
  for (const Node* n : nodes)
    for (const auto& in : n->inputs) readers[in.node].push_back(n);
  auto sole_reader = [&](const Node* n) -> const Node* {
    auto it = readers.find(n);
    if (it == readers.end() || it->second.size() != 1) return nullptr;
    if (pinned[static_cast<size_t>(n->id)]) return nullptr;
    return it->second[0];
  };
  std::vector<MatMulFusion> r;
  for (const Node* m : nodes) {
    if (m->op != "MatMul") continue;
    const Node* b = sole_reader(m);
    if (!b || b->op != "BiasAdd" || b->inputs[0].node != m || b->device != m->device) continue;
    MatMulFusion f{m, b, nullptr};
    const Node* a = sole_reader(b);
    if (a && kind_of(a->op) && a->device == b->device) f.activation = a;
    r.push_back(f);
  }
  return r;
}

}  // namespace tg
