"""Optimizers and checkpoints (tf.train). minimize(loss) adds the gradients, one update op per
variable and an increment of the global step, and returns the train op."""
import os

from . import _tg
from .framework import Tensor, get_default_graph


class Optimizer:
    """The base of the optimizers below (kind and parameters of the engine's optimizers)."""

    _kind = None

    def __init__(self, learning_rate, params=(), use_locking=False, name=None):
        self._learning_rate = learning_rate
        lr = learning_rate._out if isinstance(learning_rate, Tensor) else float(learning_rate)
        self._opt = _tg.Optimizer(self._kind, lr, [float(p) for p in params])

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=None, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """The train op: updates var_list (every trainable variable by default) and increments
        the graph's global step once (global_step, when given, must be that variable)."""
        g = loss.graph
        return g._operation(self._opt.minimize(loss._out, [v._out for v in (var_list or [])], name or ""))

    def compute_gradients(self, loss, var_list=None, **unused):
        g = loss.graph
        pairs = self._opt.compute_gradients(loss._out, [v._out for v in (var_list or [])])
        return [(None if gr is None else g._tensor(gr), g._tensor(v)) for gr, v in pairs]

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = list(grads_and_vars)
        g = grads_and_vars[0][1].graph
        return g._operation(self._opt.apply_gradients(
            g._g, [(None if gr is None else gr._out, v._out) for gr, v in grads_and_vars]))

    def _estimator_optimizer(self):
        if isinstance(self._learning_rate, Tensor):
            raise ValueError("an estimator's optimizer needs a constant learning rate")
        return self._kind, float(self._learning_rate)


class GradientDescentOptimizer(Optimizer):
    _kind = "sgd"

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(learning_rate)


class MomentumOptimizer(Optimizer):
    _kind = "momentum"

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(learning_rate, [momentum, 1.0 if use_nesterov else 0.0])


class AdagradOptimizer(Optimizer):
    _kind = "adagrad"

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        super().__init__(learning_rate, [initial_accumulator_value])


class AdamOptimizer(Optimizer):
    _kind = "adam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False, name="Adam"):
        super().__init__(learning_rate, [beta1, beta2, epsilon])


class RMSPropOptimizer(Optimizer):
    _kind = "rmsprop"

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(learning_rate, [decay, momentum, epsilon])


class FtrlOptimizer(Optimizer):
    _kind = "ftrl"

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 **unused):
        super().__init__(learning_rate, [learning_rate_power, initial_accumulator_value,
                                         l1_regularization_strength, l2_regularization_strength])


def get_or_create_global_step(graph=None):
    """The graph's global step: an int64 scalar variable that minimize() increments."""
    g = graph or get_default_graph()
    return g._tensor(g._g.global_step())


get_global_step = get_or_create_global_step
create_global_step = get_or_create_global_step


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    from .framework import convert_to_tensor
    from .ops import cast
    g = global_step.graph
    lr = convert_to_tensor(learning_rate, graph=g)
    return g._tensor(_tg.exponential_decay(lr._out, global_step._out, int(decay_steps), float(decay_rate),
                                           bool(staircase)))


class Saver:
    """Saves and restores variables (all of the graph's by default) in checkpoint files."""

    def __init__(self, var_list=None, max_to_keep=5, **unused):
        self._var_list = list(var_list.values()) if isinstance(var_list, dict) else var_list

    def _vars(self, sess):
        return [v._out for v in (self._var_list or [])]

    def save(self, sess, save_path, global_step=None, **unused):
        if global_step is not None:
            step = global_step if isinstance(global_step, int) else int(sess.run(global_step))
            save_path = "%s-%d" % (save_path, step)
        d = os.path.dirname(save_path)
        if d:
            os.makedirs(d, exist_ok=True)
        sess._s.save(self._vars(sess), save_path)
        return save_path

    def restore(self, sess, save_path):
        sess._s.restore(self._vars(sess), save_path)
