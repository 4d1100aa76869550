"""Neural-network ops (tf.nn): activations, softmax, dropout, cross-entropies."""
from . import _tg
from .framework import convert_to_tensor
from .ops import _n, _t, _unary, reduce_sum, square


def relu(features, name=None):
    return _unary("relu", features, name)


def elu(features, name=None):
    return _unary("elu", features, name)


def sigmoid(x, name=None):
    return _unary("sigmoid", x, name)


def tanh(x, name=None):
    return _unary("tanh", x, name)


def softplus(features, name=None):
    return _unary("softplus", features, name)


def softmax(logits, axis=None, name=None):
    if axis not in (None, -1):
        raise NotImplementedError("softmax over axis %r: only the last axis is supported" % (axis,))
    return _unary("softmax", logits, name)


def log_softmax(logits, axis=None, name=None):
    if axis not in (None, -1):
        raise NotImplementedError("log_softmax over axis %r: only the last axis is supported" % (axis,))
    return _unary("log_softmax", logits, name)


def leaky_relu(features, alpha=0.2, name=None):
    x = convert_to_tensor(features)
    return _t(_tg.leaky_relu(x._out, float(alpha), _n(name)), x)


def bias_add(value, bias, name=None):
    x = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype=x.dtype, graph=x.graph)
    return _t(_tg.binary("bias_add", x._out, b._out, _n(name)), x)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes elements with probability rate (= 1 - keep_prob), scaling the rest; a fresh mask
    every run."""
    if rate is None:
        rate = 0.5 if keep_prob is None else 1.0 - float(keep_prob)
    x = convert_to_tensor(x)
    return _t(_tg.dropout(x._out, float(rate), -1 if seed is None else int(seed), True, _n(name)), x)


def l2_loss(t, name=None):
    return reduce_sum(square(t)) * 0.5


def _loss(op, labels, logits, name):
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, graph=logits.graph)
    return _t(_tg.binary(op, labels._out, logits._out, _n(name)), logits)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    logits = convert_to_tensor(logits)
    return _loss("sigmoid_cross_entropy_with_logits", convert_to_tensor(labels, logits.dtype, graph=logits.graph),
                 logits, name)


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None, dim=None):
    logits = convert_to_tensor(logits)
    return _loss("softmax_cross_entropy_with_logits", convert_to_tensor(labels, logits.dtype, graph=logits.graph),
                 logits, name)


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    return _loss("sparse_softmax_cross_entropy_with_logits", labels, logits, name)
