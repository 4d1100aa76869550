// Neural-network ops: matmul, bias, activations, softmax, dropout.
#include "base/activations.h"
#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {

// An activation's gradient reads its output y where the formula allows (base/activations.h's
// `reads` column), so that the session may fuse matmul + bias + activation and drop the
// pre-activation tensor; else its input x (then the fusion does not happen in training graphs,
// since the gradient still reads the bias-add's output).
Output activation_grad(GradContext& c, const std::string& kind, bool reads_input) {
  Attrs a{{"kind", kind}};
  if (c.node->attrs.has("alpha")) a.set("alpha", c.node->attrs.get<double>("alpha"));
  return make("ActivationGrad", {c.grad(), reads_input ? c.in(0) : c.out()}, a);
}

void register_activation(const char* op, const char* kind, bool reads_input) {
  std::string k = kind;
  register_op({op, unary_same_shape,
               [k, reads_input](GradContext& c) { return only(activation_grad(c, k, reads_input)); }});
}

void matmul_shape(InferContext& c) {
  if (c.num_inputs() < 2) c.fail("matmul needs two inputs");
  c.expect_same_dtype(0, 1);
  c.expect_floating(0);
  const Shape &a = c.in_shapes[0], &b = c.in_shapes[1];
  if (a.rank() != 2 || b.rank() != 2) c.fail("matmul needs two matrices (rank 2)");
  bool ta = c.attrs.get_or<bool>("transpose_a", false);
  bool tb = c.attrs.get_or<bool>("transpose_b", false);
  int64_t m = ta ? a.dim(1) : a.dim(0), ka = ta ? a.dim(0) : a.dim(1);
  int64_t kb = tb ? b.dim(1) : b.dim(0), n = tb ? b.dim(0) : b.dim(1);
  if (ka >= 0 && kb >= 0 && ka != kb)
    c.fail(cat("inner dimensions differ: ", a.to_string(), (ta ? "^T" : ""), " x ",
               b.to_string(), (tb ? "^T" : "")));
  c.set_output(0, c.in_dtypes[0], Shape{m, n});
}

void bias_shape(InferContext& c, int x, int b) {
  const Shape &xs = c.in_shapes[static_cast<size_t>(x)], &bs = c.in_shapes[static_cast<size_t>(b)];
  c.expect_same_dtype(x, b);
  if (xs.rank() < 1 || bs.rank() != 1) c.fail("bias must be a vector and x of rank >= 1");
  int64_t last = xs.dim(xs.rank() - 1);
  if (last >= 0 && bs.dim(0) >= 0 && last != bs.dim(0))
    c.fail(cat("bias of ", bs.to_string(), " does not match the last dimension of ",
               xs.to_string()));
}

}  // namespace

Output matmul(Output a, Output b, bool ta, bool tb, const std::string& n) {
  return make("MatMul", {a, b}, {{"transpose_a", ta}, {"transpose_b", tb}}, n);
}
Output bias_add(Output x, Output b, const std::string& n) { return make("BiasAdd", {x, b}, {}, n); }
Output relu(Output x, const std::string& n) { return make("Relu", {x}, {}, n); }
Output leaky_relu(Output x, double alpha, const std::string& n) {
  TG_CHECK(alpha > 0, "leaky_relu: alpha must be positive, got ", alpha);
  return make("LeakyRelu", {x}, {{"alpha", alpha}}, n);
}
Output elu(Output x, const std::string& n) { return make("Elu", {x}, {}, n); }
Output sigmoid(Output x, const std::string& n) { return make("Sigmoid", {x}, {}, n); }
Output tanh(Output x, const std::string& n) { return make("Tanh", {x}, {}, n); }
Output softplus(Output x, const std::string& n) { return make("Softplus", {x}, {}, n); }
Output activation(Output x, const std::string& kind, const std::string& n) {
#define TG_ACT_BUILD(e, name, op, ...) \
  if (kind == name) return make(op, {x}, {}, n);
  TG_ACTIVATIONS(TG_ACT_BUILD)
#undef TG_ACT_BUILD
  if (kind == "none" || kind.empty()) return identity(x, n);
  std::string names;
  for (const auto& a : activation_names()) names += (names.empty() ? "" : ", ") + a;
  fail("unknown activation '", kind, "' (expected one of ", names, ")");
}
std::vector<std::string> activation_names() {
  std::vector<std::string> names{"none"};
#define TG_ACT_NAME(e, name, ...) names.push_back(name);
  TG_ACTIVATIONS(TG_ACT_NAME)
#undef TG_ACT_NAME
  return names;
}
Output softmax(Output x, const std::string& n) { return make("Softmax", {x}, {}, n); }
Output log_softmax(Output x, const std::string& n) { return make("LogSoftmax", {x}, {}, n); }

Output dropout(Output x, double rate, int64_t seed, bool training, const std::string& n) {
  TG_CHECK(rate >= 0 && rate < 1, "dropout: rate must be in [0, 1), got ", rate);
  if (!training || rate == 0) return identity(x, n);
  Graph& g = x.graph();
  if (seed < 0) seed = g.next_seed();
  Output mask = make("DropoutMask", {x}, {{"rate", rate}, {"seed", seed}});
  return mul(x, mask, n);
}

void register_nn_ops_impl() {
  register_op({"MatMul", matmul_shape, [](GradContext& c) -> std::vector<Output> {
                 bool ta = c.node->attrs.get<bool>("transpose_a");
                 bool tb = c.node->attrs.get<bool>("transpose_b");
                 Output a = c.in(0), b = c.in(1), g = c.grad();
                 Output da, db;
                 if (c.needs(0))
                   da = !ta ? matmul(g, b, false, !tb) : matmul(b, g, tb, true);
                 if (c.needs(1))
                   db = !tb ? matmul(a, g, !ta, false) : matmul(g, a, true, ta);
                 return {da, db};
               }});
  register_op({"BiasAdd",
               [](InferContext& c) {
                 c.expect_inputs(2);
                 c.expect_floating(0);
                 bias_shape(c, 0, 1);
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
               },
               [](GradContext& c) -> std::vector<Output> {
                 return {c.grad(), c.needs(1) ? sum_to(c.grad(), c.in(1)) : Output{}};
               }});
#define TG_ACT_OP(e, name, op, alpha, dnnl, dnnl_a, lt, cudnn, onnx, reads) \
  register_activation(op, name, #reads[0] == 'I');
  TG_ACTIVATIONS(TG_ACT_OP)
#undef TG_ACT_OP
  register_op({"ActivationGrad", [](InferContext& c) {
                 c.expect_inputs(2);
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[1]);
               }});
  register_op({"Softmax", unary_same_shape, [](GradContext& c) {
                 // dx = y * (g - sum(g * y, last, keep))
                 Output y = c.out(), g = c.grad();
                 return only(mul(y, sub(g, reduce_sum(mul(g, y), {-1}, true))));
               }});
  register_op({"LogSoftmax", unary_same_shape, [](GradContext& c) {
                 // dx = g - exp(y) * sum(g, last, keep)
                 Output g = c.grad();
                 return only(sub(g, mul(exp(c.out()), reduce_sum(g, {-1}, true))));
               }});
  OpDef mask{"DropoutMask", unary_same_shape};
  mask.not_differentiable = true;
  mask.stateful = true;
  mask.per_run_random = true;
  register_op(mask);
  // FusedMatMul(a, b, bias): activation(a x b + bias), made by the session's fusion pass.
  register_op({"FusedMatMul", [](InferContext& c) {
                 c.expect_inputs(3);
                 matmul_shape(c);
                 c.expect_same_dtype(0, 2);
                 int64_t n = c.out_shapes[0].dim(1), nb = c.in_shapes[2].dim(0);
                 if (c.in_shapes[2].rank() != 1 || (n >= 0 && nb >= 0 && n != nb))
                   c.fail("bias does not match the product's columns");
               }});
}

}  // namespace tg::ops

namespace tg {
void register_nn_ops() { ops::register_nn_ops_impl(); }
}  // namespace tg
