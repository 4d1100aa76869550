#include "graph/optimizers.h"

#include "base/error.h"
#include "graph/gradients.h"
#include "graph/ops.h"

namespace tg {

Optimizer::Optimizer(Output learning_rate, std::string name)
    : lr_(learning_rate), name_(std::move(name)) {
  TG_CHECK(learning_rate && is_floating(learning_rate.dtype()) &&
               learning_rate.shape().rank() == 0,
           name_, ": the learning rate must be a float scalar");
}

Node* Optimizer::minimize(Output loss, std::vector<Output> var_list) {
  Graph& g = loss.graph();
  TG_CHECK(loss.shape().rank() == 0 || loss.shape().num_elements() == 1, name_,
           ".minimize: the loss '", loss.name(), "' must be a scalar, has shape ",
           loss.shape().to_string());
  if (var_list.empty())
    for (Node* v : g.trainable_variables()) var_list.push_back(v->out());
  TG_CHECK(!var_list.empty(), name_, ".minimize: there are no trainable variables");
  auto grads = gradients({loss}, var_list);
  std::vector<std::pair<Output, Output>> gv;
  for (size_t i = 0; i < var_list.size(); ++i)
    if (grads[i]) gv.emplace_back(grads[i], var_list[i]);
  TG_CHECK(!gv.empty(), name_, ".minimize: no variable affects the loss '", loss.name(), "'");
  return apply_gradients(gv);
}

std::vector<Node*> Optimizer::update_ops(const std::vector<std::pair<Output, Output>>& grads_and_vars) {
  TG_CHECK(!grads_and_vars.empty(), name_, ": nothing to apply");
  Graph& g = grads_and_vars[0].second.graph();
  g.global_step();  // created before any slot, outside the optimizer's scope
  std::vector<Node*> updates;
  auto scope = g.name_scope(name_);
  for (const auto& [grad, var] : grads_and_vars) {
    Output lr = lr_.dtype() == var.dtype() ? lr_ : ops::cast(lr_, var.dtype());
    auto dev = g.device(var.node->device);  // updates run where the variable lives
    updates.push_back(apply(var, grad, lr).node);
  }
  return updates;
}

Node* Optimizer::apply_gradients(const std::vector<std::pair<Output, Output>>& grads_and_vars) {
  std::vector<Node*> updates = update_ops(grads_and_vars);
  Graph& g = grads_and_vars[0].second.graph();
  Output step = g.global_step();
  Node* inc = g.add_node("AssignAdd", {step, ops::scalar(g, 1, DType::Int64)}, {},
                         "global_step/increment", updates);
  return ops::group(g, {inc}, "train_op");
}

Output Optimizer::slot(Output var, const std::string& slot_name, double initial_value) {
  Graph& g = var.graph();
  auto dev = g.device(var.node->device);
  return ops::variable(g, var.shape(), var.dtype(), ops::Initializer::constant(initial_value),
                       var.node->name + "/" + name_ + "/" + slot_name, false);
}

Output GradientDescentOptimizer::apply(Output var, Output grad, Output lr) {
  return var.graph().add_node("ApplyGradientDescent", {var, lr, grad})->out();
}

Output MomentumOptimizer::apply(Output var, Output grad, Output lr) {
  Output accum = slot(var, "momentum", 0);
  return var.graph()
      .add_node("ApplyMomentum", {var, accum, lr, grad},
                {{"momentum", momentum_}, {"use_nesterov", nesterov_}})
      ->out();
}

Output AdagradOptimizer::apply(Output var, Output grad, Output lr) {
  Output accum = slot(var, "accumulator", initial_);
  return var.graph().add_node("ApplyAdagrad", {var, accum, lr, grad})->out();
}

Output AdamOptimizer::apply(Output var, Output grad, Output lr) {
  Output m = slot(var, "m", 0), v = slot(var, "v", 0);
  Graph& g = var.graph();
  return g.add_node("ApplyAdam", {var, m, v, lr, g.global_step(), grad},
                    {{"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_}})
      ->out();
}

Output RMSPropOptimizer::apply(Output var, Output grad, Output lr) {
  Output ms = slot(var, "rms", 1), mom = slot(var, "momentum", 0);
  return var.graph()
      .add_node("ApplyRMSProp", {var, ms, mom, lr, grad},
                {{"decay", decay_}, {"momentum", momentum_}, {"epsilon", epsilon_}})
      ->out();
}

Output FtrlOptimizer::apply(Output var, Output grad, Output lr) {
  Output accum = slot(var, "accum", initial_), linear = slot(var, "linear", 0);
  return var.graph()
      .add_node("ApplyFtrl", {var, accum, linear, lr, grad},
                {{"l1", l1_}, {"l2", l2_}, {"lr_power", lr_power_}})
      ->out();
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Output lr) {
  if (name == "sgd" || name == "gradient_descent")
    return std::make_unique<GradientDescentOptimizer>(lr);
  if (name == "momentum") return std::make_unique<MomentumOptimizer>(lr, 0.9);
  if (name == "adagrad") return std::make_unique<AdagradOptimizer>(lr);
  if (name == "adam") return std::make_unique<AdamOptimizer>(lr);
  if (name == "rmsprop") return std::make_unique<RMSPropOptimizer>(lr);
  if (name == "ftrl") return std::make_unique<FtrlOptimizer>(lr);
  fail("unknown optimizer '", name, "' (expected sgd, momentum, adagrad, adam, rmsprop or ftrl)");
}

Output exponential_decay(Output lr, Output step, int64_t decay_steps, double rate,
                         bool staircase) {
  TG_CHECK(decay_steps > 0, "exponential_decay: decay_steps must be positive");
  Output p = ops::cast(step, lr.dtype()) / static_cast<double>(decay_steps);
  if (staircase) p = ops::floor(p);
  return lr * ops::pow(ops::scalar_like(lr, rate), p);
}

Output piecewise_constant(Output step, const std::vector<int64_t>& boundaries,
                          const std::vector<double>& values) {
  TG_CHECK(values.size() == boundaries.size() + 1, "piecewise_constant: ", values.size(),
           " values for ", boundaries.size(), " boundaries (need one more value)");
  Graph& g = step.graph();
  Output r = ops::scalar(g, values.back());
  for (size_t i = boundaries.size(); i-- > 0;) {
    Output b = ops::cast(ops::scalar(g, static_cast<double>(boundaries[i]), DType::Int64),
                         step.dtype());
    r = ops::select(ops::greater(step, b), r, ops::scalar(g, values[i]));
  }
  return r;
}

}  // namespace tg
