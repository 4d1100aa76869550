// The optimizers' update rules, one op each, so that a variable's update is a single kernel.
// Input 0 is the variable, updated in place; slot variables follow it. No gradients.
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {
// Inputs: the variable, then `slots` more variables, then lr and grad (and for Adam the step).
ShapeFn update_shape(int n_inputs) {
  return [n_inputs](InferContext& c) {
    c.expect_inputs(n_inputs);
    if (!is_floating(c.in_dtypes[0])) c.fail("only float variables can be trained");
    const Shape& v = c.in_shapes[0];
    const Shape& g = c.in_shapes.back();
    if (!v.compatible_with(g))
      c.fail(cat("gradient of shape ", g.to_string(), " does not match variable of shape ",
                 v.to_string()));
    c.set_output(0, c.in_dtypes[0], v);
  };
}
}  // namespace

void register_training_ops_impl() {
  // ApplyGradientDescent(var, lr, grad)
  // ApplyMomentum(var, accum, lr, grad; momentum, use_nesterov)
  // ApplyAdagrad(var, accum, lr, grad)
  // ApplyRMSProp(var, ms, mom, lr, grad; decay, momentum, epsilon)
  // ApplyAdam(var, m, v, lr, step, grad; beta1, beta2, epsilon)  step: global step before +1
  // ApplyFtrl(var, accum, linear, lr, grad; l1, l2, lr_power)
  const std::pair<const char*, int> ops[] = {{"ApplyGradientDescent", 3}, {"ApplyMomentum", 4},
                                             {"ApplyAdagrad", 4},         {"ApplyRMSProp", 5},
                                             {"ApplyAdam", 6},            {"ApplyFtrl", 5}};
  for (auto [name, n] : ops) {
    OpDef d{name, update_shape(n)};
    d.stateful = true;
    d.aliases_input0 = true;  // updates the variable in place
    register_op(d);
  }
}

}  // namespace tg::ops

namespace tg {
void register_training_ops() { ops::register_training_ops_impl(); }
}  // namespace tg
