// Graph-building functions: each adds one or a few nodes and returns their output.
// Shapes and dtypes are checked as the node is added (see op_registry.h). Names are optional;
// they are made unique within the current name scope.
#pragma once

#include <string>
#include <vector>

#include "graph.h"

namespace tg::ops {

// ---- sources (graph/ops/state.cpp) ----
Output placeholder(Graph& g, DType dtype, const Shape& shape, const std::string& name = "");
Output constant(Graph& g, const Tensor& value, const std::string& name = "");
Output scalar(Graph& g, double value, DType dtype = DType::Float32, const std::string& name = "");
// A constant with the dtype of `like` (for mixing literals into expressions).
Output scalar_like(Output like, double value);

// How a variable's first value is made. Random ones are seeded: `seed` < 0 draws one from the
// graph seed, so that a graph built the same way initializes the same way.
struct Initializer {
  enum class Kind { Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform,
                    GlorotUniform } kind = Kind::Zeros;
  double a = 0;  // constant value, mean, or lower bound
  double b = 1;  // stddev or upper bound
  int64_t seed = -1;
  static Initializer zeros() { return {Kind::Zeros}; }
  static Initializer ones() { return {Kind::Ones}; }
  static Initializer constant(double v) { return {Kind::Constant, v}; }
  static Initializer random_normal(double mean, double stddev, int64_t seed = -1) {
    return {Kind::RandomNormal, mean, stddev, seed};
  }
  static Initializer truncated_normal(double mean, double stddev, int64_t seed = -1) {
    return {Kind::TruncatedNormal, mean, stddev, seed};
  }
  static Initializer random_uniform(double lo, double hi, int64_t seed = -1) {
    return {Kind::RandomUniform, lo, hi, seed};
  }
  static Initializer glorot_uniform(int64_t seed = -1) { return {Kind::GlorotUniform, 0, 0, seed}; }
};
// The initial-value tensor an initializer produces for a shape, as a graph node.
Output initial_value(Graph& g, const Initializer& init, const Shape& shape, DType dtype);
Output variable(Graph& g, const Shape& shape, DType dtype, const Initializer& init,
                const std::string& name = "", bool trainable = true);
// One node that runs every variable's initializer.
Node* global_variables_initializer(Graph& g);

// ---- state updates and control ----
Output assign(Output var, Output value, const std::string& name = "");
Output assign_add(Output var, Output value, const std::string& name = "");
Output assign_sub(Output var, Output value, const std::string& name = "");
Node* no_op(Graph& g, std::vector<Node*> deps = {}, const std::string& name = "");
Node* group(Graph& g, std::vector<Node*> deps, const std::string& name = "");
Output identity(Output x, const std::string& name = "");
Output stop_gradient(Output x, const std::string& name = "");
// x with control dependencies: runs `deps` first, then passes x through.
Output with_dependencies(std::vector<Node*> deps, Output x);

// ---- elementwise math with numpy broadcasting (graph/ops/math.cpp) ----
Output add(Output a, Output b, const std::string& name = "");
Output sub(Output a, Output b, const std::string& name = "");
Output mul(Output a, Output b, const std::string& name = "");
Output div(Output a, Output b, const std::string& name = "");
Output pow(Output a, Output b, const std::string& name = "");
Output maximum(Output a, Output b, const std::string& name = "");
Output minimum(Output a, Output b, const std::string& name = "");
Output neg(Output x, const std::string& name = "");
Output square(Output x, const std::string& name = "");
Output sqrt(Output x, const std::string& name = "");
Output exp(Output x, const std::string& name = "");
Output log(Output x, const std::string& name = "");
Output abs(Output x, const std::string& name = "");
Output floor(Output x, const std::string& name = "");
Output cast(Output x, DType dtype, const std::string& name = "");
Output equal(Output a, Output b, const std::string& name = "");
Output less(Output a, Output b, const std::string& name = "");
Output greater(Output a, Output b, const std::string& name = "");
// Elementwise cond ? a : b; cond is bool, a and b share its shape.
Output select(Output cond, Output a, Output b, const std::string& name = "");
inline Output where(Output cond, Output a, Output b) { return select(cond, a, b); }

// ---- reductions (graph/ops/reduce.cpp); empty axes = all ----
Output reduce_sum(Output x, std::vector<int64_t> axes = {}, bool keep_dims = false,
                  const std::string& name = "");
Output reduce_mean(Output x, std::vector<int64_t> axes = {}, bool keep_dims = false,
                   const std::string& name = "");
Output reduce_max(Output x, std::vector<int64_t> axes = {}, bool keep_dims = false,
                  const std::string& name = "");
Output reduce_min(Output x, std::vector<int64_t> axes = {}, bool keep_dims = false,
                  const std::string& name = "");
Output argmax(Output x, int64_t axis = -1, const std::string& name = "");

// ---- neural-network ops (graph/ops/nn.cpp) ----
Output matmul(Output a, Output b, bool transpose_a = false, bool transpose_b = false,
              const std::string& name = "");
Output bias_add(Output x, Output bias, const std::string& name = "");
Output relu(Output x, const std::string& name = "");
Output leaky_relu(Output x, double alpha = 0.2, const std::string& name = "");
Output elu(Output x, const std::string& name = "");
Output sigmoid(Output x, const std::string& name = "");
Output tanh(Output x, const std::string& name = "");
Output softplus(Output x, const std::string& name = "");
// Any activation of base/activations.h by its name ("relu", "gelu", ...; "none" is identity):
// what estimators and tg build their hidden layers with.
Output activation(Output x, const std::string& kind, const std::string& name = "");
// "none", "relu", "leaky_relu", ...: every name activation() takes.
std::vector<std::string> activation_names();
Output softmax(Output x, const std::string& name = "");      // over the last axis
Output log_softmax(Output x, const std::string& name = "");  // over the last axis
// Zeroes each element with probability `rate` and scales the rest by 1/(1-rate); a fresh
// mask every run. `training` false makes it the identity.
Output dropout(Output x, double rate, int64_t seed = -1, bool training = true,
               const std::string& name = "");

// ---- shape and indexing (graph/ops/array.cpp) ----
Output reshape(Output x, std::vector<int64_t> shape, const std::string& name = "");  // one -1
Output transpose(Output x, std::vector<int64_t> perm = {}, const std::string& name = "");
Output concat(std::vector<Output> xs, int64_t axis, const std::string& name = "");
Output slice(Output x, std::vector<int64_t> begin, std::vector<int64_t> size,
             const std::string& name = "");  // size -1 = to the end
Output gather(Output params, Output indices, const std::string& name = "");  // along axis 0
Output one_hot(Output indices, int64_t depth, double on = 1, double off = 0,
               DType dtype = DType::Float32, const std::string& name = "");
Output zeros_like(Output x, const std::string& name = "");
Output ones_like(Output x, const std::string& name = "");

// ---- losses (graph/ops/loss.cpp) ----
// Mean over all elements of (predictions - labels)^2: a scalar.
Output mean_squared_error(Output labels, Output predictions, const std::string& name = "");
// Elementwise, numerically stable: max(x,0) - x*z + log(1+exp(-|x|)).
Output sigmoid_cross_entropy_with_logits(Output labels, Output logits,
                                         const std::string& name = "");
// Per row of [N, C] logits against [N, C] probabilities: shape [N].
Output softmax_cross_entropy_with_logits(Output labels, Output logits,
                                         const std::string& name = "");
// Per row of [N, C] logits against [N] int32/int64 class ids: shape [N].
Output sparse_softmax_cross_entropy_with_logits(Output labels, Output logits,
                                                const std::string& name = "");

// ---- collectives over the job's processes (graph/ops/collective.cpp) ----
// Sums ("sum") or averages ("mean") x elementwise over every process of the job; every
// process must run the same AllReduce nodes in the same order. Alone, it is the identity.
Output all_reduce(Output x, const std::string& reduction = "mean", const std::string& name = "");

}  // namespace tg::ops

namespace tg {
// Operators for readable expressions (a + b * c); scalars take the other side's dtype.
Output operator+(Output a, Output b);
Output operator-(Output a, Output b);
Output operator*(Output a, Output b);
Output operator/(Output a, Output b);
Output operator-(Output a);
Output operator+(Output a, double b);
Output operator-(Output a, double b);
Output operator*(Output a, double b);
Output operator/(Output a, double b);
Output operator+(double a, Output b);
Output operator-(double a, Output b);
Output operator*(double a, Output b);
Output operator/(double a, Output b);
}  // namespace tg
