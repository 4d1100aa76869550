// Sources and state: placeholders, constants, variables, initializers, assignments, groups.
#include <cmath>

#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {

void attr_shape(InferContext& c) {
  c.set_output(0, c.attrs.get<DType>("dtype"), c.attrs.get<Shape>("shape"));
}

void assign_shape(InferContext& c) {
  c.expect_inputs(2);
  c.expect_same_dtype(0, 1);
  if (!c.in_shapes[0].compatible_with(c.in_shapes[1]))
    c.fail(cat("value of shape ", c.in_shapes[1].to_string(), " cannot be assigned to a variable of shape ",
               c.in_shapes[0].to_string()));
  c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
}

Output assign_op(const char* op, Output var, Output value, const std::string& n) {
  TG_CHECK(var.node->op == "Variable", op, ": the target '", var.node->name,
           "' is not a variable (op ", var.node->op, ")");
  return make(op, {var, value}, {}, n);
}

}  // namespace

Output placeholder(Graph& g, DType t, const Shape& s, const std::string& n) {
  return g.add_node("Placeholder", {}, {{"dtype", t}, {"shape", s}}, n.empty() ? "Placeholder" : n)
      ->out();
}

Output constant(Graph& g, const Tensor& value, const std::string& n) {
  TG_CHECK(!value.empty(), "constant: empty tensor");
  return g.add_node("Const", {}, {{"value", value.clone()}}, n.empty() ? "Const" : n)->out();
}

Output scalar(Graph& g, double v, DType t, const std::string& n) {
  Tensor x(t, Shape{});
  TG_CHECK(t != DType::String, "scalar: a number cannot be a string");
  visit_dtype(t, [&](auto z) { *x.data<decltype(z)>() = static_cast<decltype(z)>(v); });
  return g.add_node("Const", {}, {{"value", x}}, n.empty() ? "Const" : n)->out();
}

Output scalar_like(Output like, double v) { return scalar(like.graph(), v, like.dtype()); }

Output initial_value(Graph& g, const Initializer& init, const Shape& shape, DType t) {
  using K = Initializer::Kind;
  TG_CHECK(shape.is_fully_defined(), "a variable needs a fully defined shape, got ",
           shape.to_string());
  auto fill = [&](double v) {
    return g.add_node("Fill", {}, {{"dtype", t}, {"shape", shape}, {"value", v}}, "initial_value")
        ->out();
  };
  int64_t seed = init.seed >= 0 ? init.seed : g.next_seed();
  auto random = [&](const char* op, double a, double b) {
    return g.add_node(op, {}, {{"dtype", t}, {"shape", shape}, {"a", a}, {"b", b}, {"seed", seed}},
                      "initial_value")
        ->out();
  };
  switch (init.kind) {
    case K::Zeros: return fill(0);
    case K::Ones: return fill(1);
    case K::Constant: return fill(init.a);
    case K::RandomNormal: return random("RandomNormal", init.a, init.b);
    case K::TruncatedNormal: return random("TruncatedNormal", init.a, init.b);
    case K::RandomUniform: return random("RandomUniform", init.a, init.b);
    case K::GlorotUniform: {
      int64_t fan_in = shape.rank() >= 2 ? shape.num_elements() / shape.dim(shape.rank() - 1)
                                         : (shape.rank() == 1 ? shape.dim(0) : 1);
      int64_t fan_out = shape.rank() >= 1 ? shape.dim(shape.rank() - 1) : 1;
      double limit = std::sqrt(6.0 / static_cast<double>(std::max<int64_t>(fan_in + fan_out, 1)));
      return random("RandomUniform", -limit, limit);
    }
  }
  return fill(0);
}

Output variable(Graph& g, const Shape& shape, DType t, const Initializer& init,
                const std::string& n, bool trainable) {
  TG_CHECK(is_numeric(t), "variables must be numeric, got ", dtype_name(t));
  Node* var = g.add_node("Variable", {}, {{"dtype", t}, {"shape", shape}},
                         n.empty() ? "Variable" : n);
  Output value;
  {
    auto scope = g.name_scope(var->name.substr(var->name.rfind('/') + 1));
    value = initial_value(g, init, shape, t);
  }
  Node* init_node = g.add_node("Assign", {var->out(), value}, {}, var->name + "/Assign");
  g.register_variable(var, init_node, trainable);
  return var->out();
}

Node* global_variables_initializer(Graph& g) {
  std::vector<Node*> inits;
  for (Node* v : g.variables()) inits.push_back(g.initializer_of(v));
  return g.add_node("NoOp", {}, {}, "init", inits);
}

Output assign(Output var, Output value, const std::string& n) {
  return assign_op("Assign", var, value, n);
}
Output assign_add(Output var, Output value, const std::string& n) {
  return assign_op("AssignAdd", var, value, n);
}
Output assign_sub(Output var, Output value, const std::string& n) {
  return assign_op("AssignSub", var, value, n);
}
Node* no_op(Graph& g, std::vector<Node*> deps, const std::string& n) {
  return g.add_node("NoOp", {}, {}, n.empty() ? "NoOp" : n, std::move(deps));
}
Node* group(Graph& g, std::vector<Node*> deps, const std::string& n) {
  return no_op(g, std::move(deps), n.empty() ? "group" : n);
}

void register_state_ops_impl() {
  register_op({"Placeholder", attr_shape});
  register_op({"Const", [](InferContext& c) {
                 const Tensor& v = c.attrs.get<Tensor>("value");
                 c.set_output(0, v.dtype(), v.shape());
               }});
  OpDef var{"Variable", attr_shape};
  var.stateful = true;
  register_op(var);
  for (const char* name : {"Fill", "RandomNormal", "TruncatedNormal", "RandomUniform"}) {
    OpDef d{name, attr_shape};
    d.not_differentiable = true;
    d.stateful = std::string(name) != "Fill";
    register_op(d);
  }
  for (const char* name : {"Assign", "AssignAdd", "AssignSub"}) {
    OpDef d{name, assign_shape};
    d.stateful = true;
    d.aliases_input0 = true;  // updates the variable in place
    register_op(d);
  }
  OpDef noop{"NoOp", [](InferContext&) {}};
  noop.stateful = true;
  register_op(noop);
}

}  // namespace tg::ops

namespace tg {
void register_state_ops() { ops::register_state_ops_impl(); }

Output Graph::global_step() {
  if (!global_step_) {
    auto saved = std::move(name_scopes_);
    name_scopes_.clear();
    auto saved_dev = gradient_of_;
    gradient_of_ = nullptr;
    global_step_ = ops::variable(*this, Shape{}, DType::Int64, ops::Initializer::zeros(),
                                 "global_step", false).node;
    name_scopes_ = std::move(saved);
    gradient_of_ = saved_dev;
  }
  return global_step_->out();
}
}  // namespace tg
