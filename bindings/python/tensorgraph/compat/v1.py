"""tf.compat.v1's names (graph, session, ops, tf.train, tf.nn, tf.losses, tf.estimator,
tf.feature_column, tf.errors, tf.logging)."""
import tensorgraph as _tg_pkg
from tensorgraph import *  # noqa: F401,F403
from tensorgraph import (contrib, data, dtypes, errors, estimator, feature_column, initializers, logging,  # noqa: F401
                         losses, nn, train)
from tensorgraph import ops as math  # noqa: F401  (tf.math.add, tf.math.reduce_sum, ...)

__all__ = [n for n in dir(_tg_pkg) if not n.startswith("_")]
