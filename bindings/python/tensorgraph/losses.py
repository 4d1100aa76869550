"""Losses (tf.losses): scalar means of per-example losses."""
from . import nn
from .framework import convert_to_tensor
from .ops import abs as _abs, reduce_mean, subtract


def mean_squared_error(labels, predictions, weights=1.0, scope=None, **unused):
    predictions = convert_to_tensor(predictions)
    labels = convert_to_tensor(labels, predictions.dtype, graph=predictions.graph)
    from . import _tg
    loss = predictions.graph._tensor(_tg.binary("mean_squared_error", labels._out, predictions._out, ""))
    return loss if weights == 1.0 else loss * weights


def absolute_difference(labels, predictions, weights=1.0, scope=None, **unused):
    predictions = convert_to_tensor(predictions)
    return reduce_mean(_abs(subtract(predictions, labels))) * weights if weights != 1.0 else \
        reduce_mean(_abs(subtract(predictions, labels)))


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, scope=None, **unused):
    loss = reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels=multi_class_labels, logits=logits))
    return loss if weights == 1.0 else loss * weights


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, scope=None, **unused):
    loss = reduce_mean(nn.softmax_cross_entropy_with_logits(labels=onehot_labels, logits=logits))
    return loss if weights == 1.0 else loss * weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, **unused):
    loss = reduce_mean(nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    return loss if weights == 1.0 else loss * weights
