// The deferred computation graph: nodes (placeholders, constants, variables, ops) joined by
// Output handles. Shapes and dtypes are inferred as each node is added, so a mismatch throws
// tg::Error at the line that built it. A Graph may keep growing after a session ran it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../base/attrs.h"
#include "../base/dtype.h"
#include "../base/shape.h"

namespace tg {

class Graph;
struct Node;

// One output of a node: the value an edge carries.
struct Output {
  Node* node = nullptr;
  int index = 0;

  explicit operator bool() const { return node != nullptr; }
  DType dtype() const;
  const Shape& shape() const;
  Graph& graph() const;
  std::string name() const;  // "node" for output 0, "node:1" otherwise
  bool operator==(const Output& o) const { return node == o.node && index == o.index; }
};

struct Node {
  int id = 0;  // position in the graph; inputs always have smaller ids
  std::string name;
  std::string op;
  std::vector<Output> inputs;
  std::vector<Node*> control_inputs;  // run before this node, no data flows
  Attrs attrs;
  std::vector<DType> out_dtypes;
  std::vector<Shape> out_shapes;
  std::string device;        // requested device ("" = any), from the device scope
  Node* forward = nullptr;   // for gradient nodes: the forward node they differentiate
  Graph* graph = nullptr;

  Output out(int i = 0) { return Output{this, i}; }
  int num_outputs() const { return static_cast<int>(out_dtypes.size()); }
};

// Values fed to outputs (usually placeholders) for one run.
using FeedList = std::vector<std::pair<Output, Tensor>>;

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Adds a node of a registered op; runs the op's shape function and throws tg::Error naming
  // the node, the op and the input shapes when it rejects them. `name` is made unique within
  // the current name scope ("" = the op's name).
  Node* add_node(const std::string& op, std::vector<Output> inputs, Attrs attrs = {},
                 const std::string& name = "", std::vector<Node*> control_inputs = {});

  Node* find(const std::string& name) const;  // nullptr if absent
  // Resolves "node" or "node:i"; throws tg::Error naming the unknown node.
  Output output_by_name(const std::string& name) const;
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }

  // Scopes are RAII guards: names get the "outer/inner/" prefix, nodes get the device.
  class ScopeGuard {
   public:
    ScopeGuard(std::vector<std::string>* stack, std::string v) : stack_(stack) {
      stack_->push_back(std::move(v));
    }
    ~ScopeGuard() { stack_->pop_back(); }
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;

   private:
    std::vector<std::string>* stack_;
  };
  [[nodiscard]] ScopeGuard name_scope(const std::string& name) { return {&name_scopes_, name}; }
  [[nodiscard]] ScopeGuard device(const std::string& device) { return {&device_scopes_, device}; }
  // While set, new nodes are marked as gradients of this forward node (placement follows it).
  void set_gradient_of(Node* forward) { gradient_of_ = forward; }
  Node* gradient_of() const { return gradient_of_; }

  // Variables, in creation order, and the nodes that initialize them.
  const std::vector<Node*>& variables() const { return variables_; }
  const std::vector<Node*>& trainable_variables() const { return trainable_; }
  void register_variable(Node* var, Node* initializer, bool trainable);
  Node* initializer_of(const Node* var) const;
  // The graph-wide seed from which ops without an explicit seed derive theirs.
  void set_seed(int64_t seed) { seed_ = seed; }
  int64_t next_seed() { return seed_ * 1000003 + (seed_counter_++); }
  // The global step variable (int64 scalar), created on first use.
  Output global_step();

 private:
  std::string unique_name(const std::string& base);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<std::string, Node*> by_name_;
  std::unordered_map<std::string, int> name_counts_;
  std::vector<std::string> name_scopes_, device_scopes_;
  std::vector<Node*> variables_, trainable_;
  std::unordered_map<const Node*, Node*> initializers_;
  Node* gradient_of_ = nullptr;
  Node* global_step_ = nullptr;
  int64_t seed_ = 87654321;
  int64_t seed_counter_ = 0;
};

}  // namespace tg
