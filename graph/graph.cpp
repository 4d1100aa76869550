#include "graph/graph.h"

#include "base/error.h"
#include "graph/op_registry.h"

namespace tg {

DType Output::dtype() const { return node->out_dtypes[static_cast<size_t>(index)]; }
const Shape& Output::shape() const { return node->out_shapes[static_cast<size_t>(index)]; }
Graph& Output::graph() const { return *node->graph; }
std::string Output::name() const {
  return index == 0 ? node->name : node->name + ":" + std::to_string(index);
}

std::string Graph::unique_name(const std::string& base) {
  std::string prefix;
  for (const auto& s : name_scopes_) prefix += s + "/";
  std::string name = prefix + base;
  int& n = name_counts_[name];
  std::string candidate = n == 0 ? name : name + "_" + std::to_string(n);
  while (by_name_.count(candidate)) candidate = name + "_" + std::to_string(++n);
  ++n;
  return candidate;
}

Node* Graph::add_node(const std::string& op, std::vector<Output> inputs, Attrs attrs,
                      const std::string& name, std::vector<Node*> control_inputs) {
  const OpDef& def = op_def(op);
  (void)def;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TG_CHECK(inputs[i].node != nullptr, "op ", op, ": input ", i, " is empty");
    TG_CHECK(inputs[i].node->graph == this, "op ", op, ": input ", i, " ('",
             inputs[i].node->name, "') belongs to another graph");
  }
  auto node = std::make_unique<Node>();
  node->name = unique_name(name.empty() ? op : name);
  node->op = op;
  node->id = static_cast<int>(nodes_.size());
  node->graph = this;
  node->forward = gradient_of_;
  node->device = device_scopes_.empty() ? "" : device_scopes_.back();
  if (node->device.empty() && gradient_of_) node->device = gradient_of_->device;
  std::vector<DType> in_t;
  std::vector<Shape> in_s;
  for (const auto& in : inputs) {
    in_t.push_back(in.dtype());
    in_s.push_back(in.shape());
  }
  infer_shapes(op, node->name, in_t, in_s, attrs, &node->out_dtypes, &node->out_shapes);
  node->inputs = std::move(inputs);
  node->attrs = std::move(attrs);
  node->control_inputs = std::move(control_inputs);
  Node* raw = node.get();
  by_name_[raw->name] = raw;
  nodes_.push_back(std::move(node));
  return raw;
}

Node* Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Output Graph::output_by_name(const std::string& name) const {
  std::string base = name;
  int index = 0;
  auto colon = name.rfind(':');
  if (colon != std::string::npos) {
    base = name.substr(0, colon);
    try {
      index = std::stoi(name.substr(colon + 1));
    } catch (...) {
      fail("bad output name '", name, "': expected 'node' or 'node:index'");
    }
  }
  Node* n = find(base);
  TG_CHECK(n != nullptr, "unknown node '", base, "' in the graph");
  TG_CHECK(index >= 0 && index < n->num_outputs(), "node '", base, "' has no output ", index);
  return Output{n, index};
}

void Graph::register_variable(Node* var, Node* initializer, bool trainable) {
  variables_.push_back(var);
  if (trainable) trainable_.push_back(var);
  initializers_[var] = initializer;
}

Node* Graph::initializer_of(const Node* var) const {
  auto it = initializers_.find(var);
  return it == initializers_.end() ? nullptr : it->second;
}

}  // namespace tg
