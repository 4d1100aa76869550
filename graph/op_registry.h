// The op registry: for each op name, its shape function and its gradient function.
//
// A shape function sees input dtypes and (possibly partial) shapes plus the attributes, and
// sets the outputs' dtypes and shapes. It runs when a node is added (partial shapes, errors at
// the user's line) and again in the session when feed shapes are known (concrete shapes).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph.h"

namespace tg {

struct InferContext {
  const std::string& op;
  const std::string& node_name;
  const std::vector<DType>& in_dtypes;
  const std::vector<Shape>& in_shapes;
  const Attrs& attrs;
  std::vector<DType> out_dtypes;
  std::vector<Shape> out_shapes;

  int num_inputs() const { return static_cast<int>(in_dtypes.size()); }
  void set_output(int i, DType t, Shape s);
  // Throws tg::Error: "node 'n' (op Op): what; inputs: float32[2, 3], float32[4]".
  [[noreturn]] void fail(const std::string& what) const;
  void expect_inputs(int n) const;
  void expect_same_dtype(int a, int b) const;
  void expect_floating(int i) const;
};

// Builds gradient nodes of one forward node.
struct GradContext {
  Graph& graph;
  Node* node;
  std::vector<Output> grads;        // d(loss)/d(output i); null Output when none flows
  std::vector<bool> needs_input;   // whether d(loss)/d(input i) is wanted
  Output in(int i) const { return node->inputs[static_cast<size_t>(i)]; }
  Output out(int i = 0) const { return node->out(i); }
  Output grad(int i = 0) const { return grads[static_cast<size_t>(i)]; }
  bool needs(int i) const { return needs_input[static_cast<size_t>(i)]; }
};

using ShapeFn = std::function<void(InferContext&)>;
// Returns one Output per input: the gradient, or a null Output for none.
using GradFn = std::function<std::vector<Output>(GradContext&)>;

struct OpDef {
  std::string name;
  ShapeFn shape_fn;
  GradFn grad_fn;               // empty: an error to differentiate through it
  bool not_differentiable = false;  // gradients stop here silently (comparisons, argmax)
  bool stateful = false;        // writes variables or draws random numbers
  // What the session's plan asks of an op:
  bool aliases_input0 = false;  // output 0 is input 0's buffer (in-place updates, reshapes)
  bool per_run_random = false;  // a fresh random draw every run: never replayed from a CUDA graph
  bool communicates = false;    // exchanges data with other processes (collectives): nor that
};

// Registers an op; called by the graph/ops/<family>.cpp files.
void register_op(OpDef def);
// Finds an op; throws tg::Error for an unknown name.
const OpDef& op_def(const std::string& name);
bool has_op(const std::string& name);
// Every registered op's name, sorted.
std::vector<std::string> registered_ops();

// Runs an op's shape function on concrete or partial inputs (used by Graph and the session).
void infer_shapes(const std::string& op, const std::string& node_name,
                  const std::vector<DType>& in_dtypes, const std::vector<Shape>& in_shapes,
                  const Attrs& attrs, std::vector<DType>* out_dtypes,
                  std::vector<Shape>* out_shapes);

// Shape-function helpers shared by the op families.
void unary_same_shape(InferContext& c);        // one floating input, same dtype and shape out
void binary_broadcast(InferContext& c);        // two inputs of one dtype, broadcast shape out

}  // namespace tg
