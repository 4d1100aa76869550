#include "graph/gradients.h"

#include <map>

#include "base/error.h"
#include "graph/op_registry.h"
#include "graph/ops.h"

namespace tg {

namespace {

Output sum_all(const std::vector<Output>& parts) {
  Output s = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) s = ops::add(s, parts[i]);
  return s;
}

// Nodes on a path from some x to some y: reachable forward from xs and backward from ys.
std::vector<bool> relevant_nodes(Graph& g, const std::vector<Output>& ys,
                                 const std::vector<Output>& xs) {
  size_t n = static_cast<size_t>(g.num_nodes());
  std::vector<bool> from_x(n, false), to_y(n, false);
  for (const auto& x : xs) from_x[static_cast<size_t>(x.node->id)] = true;
  for (const auto& node : g.nodes())
    for (const auto& in : node->inputs)
      if (from_x[static_cast<size_t>(in.node->id)]) from_x[static_cast<size_t>(node->id)] = true;
  for (const auto& y : ys) to_y[static_cast<size_t>(y.node->id)] = true;
  for (size_t i = n; i-- > 0;) {
    if (!to_y[i]) continue;
    for (const auto& in : g.nodes()[i]->inputs) to_y[static_cast<size_t>(in.node->id)] = true;
  }
  std::vector<bool> r(n);
  for (size_t i = 0; i < n; ++i) r[i] = from_x[i] && to_y[i];
  return r;
}

}  // namespace

std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys) {
  TG_CHECK(!ys.empty(), "gradients: no ys");
  Graph& g = ys[0].graph();
  TG_CHECK(grad_ys.empty() || grad_ys.size() == ys.size(), "gradients: ", grad_ys.size(),
           " grad_ys for ", ys.size(), " ys");
  for (const auto& y : ys)
    TG_CHECK(is_floating(y.dtype()), "gradients: y '", y.name(), "' is ", dtype_name(y.dtype()),
             ", not a float");
  auto relevant = relevant_nodes(g, ys, xs);
  size_t last_forward = static_cast<size_t>(g.num_nodes());

  std::map<std::pair<int, int>, std::vector<Output>> contrib;  // (node id, output) -> parts
  auto scope = g.name_scope("gradients");
  for (size_t i = 0; i < ys.size(); ++i)
    contrib[{ys[i].node->id, ys[i].index}].push_back(grad_ys.empty() ? ops::ones_like(ys[i])
                                                                     : grad_ys[i]);

  for (size_t id = last_forward; id-- > 0;) {
    if (!relevant[id]) continue;
    Node* node = g.nodes()[id].get();
    std::vector<Output> out_grads(static_cast<size_t>(node->num_outputs()));
    bool any = false;
    for (int k = 0; k < node->num_outputs(); ++k) {
      auto it = contrib.find({node->id, k});
      if (it == contrib.end()) continue;
      out_grads[static_cast<size_t>(k)] = sum_all(it->second);
      if (it->second.size() > 1) it->second = {out_grads[static_cast<size_t>(k)]};
      any = true;
    }
    if (!any || node->inputs.empty()) continue;
    const OpDef& def = op_def(node->op);
    if (def.not_differentiable) continue;
    std::vector<bool> needs(node->inputs.size());
    bool needs_any = false;
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Output& in = node->inputs[i];
      needs[i] = relevant[static_cast<size_t>(in.node->id)] && is_floating(in.dtype());
      needs_any = needs_any || needs[i];
    }
    if (!needs_any) continue;
    TG_CHECK(def.grad_fn, "no gradient is defined for op ", node->op, " (node '", node->name,
             "')");
    for (auto& og : out_grads)
      TG_CHECK(og || node->num_outputs() == 1, "gradients: op ", node->op,
               " with several outputs received a partial gradient");
    g.set_gradient_of(node);
    std::vector<Output> in_grads;
    try {
      GradContext c{g, node, out_grads, needs};
      auto sname = g.name_scope(node->name.substr(node->name.rfind('/') + 1) + "_grad");
      in_grads = def.grad_fn(c);
    } catch (...) {
      g.set_gradient_of(nullptr);
      throw;
    }
    g.set_gradient_of(nullptr);
    TG_ASSERT(in_grads.size() == node->inputs.size());
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      if (!needs[i] || !in_grads[i]) continue;
      const Output& in = node->inputs[i];
      contrib[{in.node->id, in.index}].push_back(in_grads[i]);
    }
  }

  std::vector<Output> result;
  for (const auto& x : xs) {
    auto it = contrib.find({x.node->id, x.index});
    result.push_back(it == contrib.end() ? Output{} : sum_all(it->second));
  }
  return result;
}

}  // namespace tg
