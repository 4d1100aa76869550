"""tensorgraph: a C++ neural-network engine with TensorFlow 1.x's Python API.

    import tensorgraph.compat.v1 as tf      # or: import tensorgraph as tf

Graphs are built first (placeholder, Variable, ops and operators on tensors), then run by a
Session (run(fetches, feed_dict)); tf.train's optimizers minimize losses; tensorgraph.estimator
has the canned estimators with feature columns and numpy, pandas and CSV input functions.
"""
from . import _tg
from . import dtypes, errors
from .dtypes import DType, as_dtype, bool, float32, float64, int32, int64, string  # noqa: A004
from .framework import (Graph, Operation, Tensor, TensorShape, Variable, all_variables, convert_to_tensor, device,
                        get_default_graph, get_default_session, global_variables, global_variables_initializer,
                        initialize_all_variables, name_scope, reset_default_graph, trainable_variables,
                        variables_initializer)
from .ops import (abs, add, add_n, argmax, cast, concat, constant, div, divide, equal, exp, fill, floor, gather,  # noqa: A004
                  gradients, greater, group, identity, less, log, matmul, maximum, minimum, multiply, negative,
                  no_op, one_hot, ones, ones_like, placeholder, pow, random_normal, random_uniform, reduce_max,
                  reduce_mean, reduce_min, reduce_sum, reshape, shape, sigmoid, slice, sqrt, square, stop_gradient,
                  subtract, tanh, transpose, truediv, truncated_normal, where, zeros, zeros_like)
from .session import ConfigProto, InteractiveSession, Session
from .initializers import (constant_initializer, get_variable, glorot_uniform_initializer, ones_initializer,
                           random_normal_initializer, random_uniform_initializer, truncated_normal_initializer,
                           zeros_initializer)
from . import nn, losses, train, initializers, feature_column, estimator, data, logging, contrib, compat  # noqa: E402

__version__ = "0.1.0"
