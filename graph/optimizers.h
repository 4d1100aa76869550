// Optimizers as graph builders, after TensorFlow 1.x's tf.train optimizers: minimize(loss)
// adds the gradients, one update op per variable (its slots are non-trainable variables
// created beside it) and an increment of the global step, and returns the train op.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "graph.h"

namespace tg {

class Optimizer {
 public:
  Optimizer(Output learning_rate, std::string name);
  virtual ~Optimizer() = default;

  // The train op: updates every variable in var_list (all trainable ones when empty) and
  // increments the global step once.
  Node* minimize(Output loss, std::vector<Output> var_list = {});
  Node* apply_gradients(const std::vector<std::pair<Output, Output>>& grads_and_vars);
  // The update ops alone, without the global step's increment (for models that combine two
  // optimizers in one step and increment once).
  std::vector<Node*> update_ops(const std::vector<std::pair<Output, Output>>& grads_and_vars);
  Output learning_rate() const { return lr_; }

 protected:
  // Adds the update op of one variable.
  virtual Output apply(Output var, Output grad, Output lr) = 0;
  // A slot variable beside var (same shape, dtype and device), named "var/Opt/slot".
  Output slot(Output var, const std::string& slot_name, double initial_value);

 private:
  Output lr_;
  std::string name_;
};

// Plain gradient descent: var -= lr * grad.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(Output lr) : Optimizer(lr, "GradientDescent") {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
};

class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(Output lr, double momentum, bool use_nesterov = false)
      : Optimizer(lr, "Momentum"), momentum_(momentum), nesterov_(use_nesterov) {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
 private:
  double momentum_;
  bool nesterov_;
};

class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(Output lr, double initial_accumulator = 0.1)
      : Optimizer(lr, "Adagrad"), initial_(initial_accumulator) {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
 private:
  double initial_;
};

class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(Output lr, double beta1 = 0.9, double beta2 = 0.999,
                         double epsilon = 1e-8)
      : Optimizer(lr, "Adam"), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
 private:
  double beta1_, beta2_, epsilon_;
};

class RMSPropOptimizer : public Optimizer {
 public:
  explicit RMSPropOptimizer(Output lr, double decay = 0.9, double momentum = 0.0,
                            double epsilon = 1e-10)
      : Optimizer(lr, "RMSProp"), decay_(decay), momentum_(momentum), epsilon_(epsilon) {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
 private:
  double decay_, momentum_, epsilon_;
};

// Follow-the-regularized-leader, TensorFlow's default for linear models.
class FtrlOptimizer : public Optimizer {
 public:
  explicit FtrlOptimizer(Output lr, double lr_power = -0.5, double initial_accumulator = 0.1,
                         double l1 = 0.0, double l2 = 0.0)
      : Optimizer(lr, "Ftrl"), lr_power_(lr_power), initial_(initial_accumulator), l1_(l1),
        l2_(l2) {}
 protected:
  Output apply(Output var, Output grad, Output lr) override;
 private:
  double lr_power_, initial_, l1_, l2_;
};

// Creates an optimizer by name: "sgd", "momentum", "adagrad", "adam", "rmsprop", "ftrl".
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Output learning_rate);

// lr * rate^(step / decay_steps), the exponent floored when staircase.
Output exponential_decay(Output learning_rate, Output global_step, int64_t decay_steps,
                         double decay_rate, bool staircase = false);
// values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], else the last.
Output piecewise_constant(Output global_step, const std::vector<int64_t>& boundaries,
                          const std::vector<double>& values);

}  // namespace tg
