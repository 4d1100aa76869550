"""Variable initializers (tf.*_initializer) and get_variable."""
from . import _tg
from .dtypes import as_dtype, float32
from .framework import Variable, get_default_graph


class Initializer:
    def __init__(self, kind, a=0.0, b=1.0, seed=None, dtype=float32):
        self.kind, self.a, self.b, self.seed, self.dtype = kind, float(a), float(b), seed, dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        g = get_default_graph()
        shape = [int(d) for d in shape]
        seed = -1 if self.seed is None else int(self.seed)
        return g._tensor(_tg.initial_value(g._g, self.kind, self.a, self.b, seed, shape,
                                           as_dtype(dtype or self.dtype).name))


def zeros_initializer(dtype=float32):
    return Initializer("zeros", dtype=dtype)


def ones_initializer(dtype=float32):
    return Initializer("ones", dtype=dtype)


def constant_initializer(value=0, dtype=float32, verify_shape=False):
    return Initializer("constant", a=value, dtype=dtype)


def random_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=float32):
    return Initializer("random_normal", mean, stddev, seed, dtype)


def truncated_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=float32):
    return Initializer("truncated_normal", mean, stddev, seed, dtype)


def random_uniform_initializer(minval=0.0, maxval=1.0, seed=None, dtype=float32):
    return Initializer("random_uniform", minval, maxval, seed, dtype)


def glorot_uniform_initializer(seed=None, dtype=float32):
    return Initializer("glorot_uniform", seed=seed, dtype=dtype)


def get_variable(name, shape=None, dtype=None, initializer=None, trainable=True, **unused):
    """A new variable (tensorgraph does not reuse variables by name): glorot-uniform initialized
    unless an initializer (or a value) is given."""
    dtype = as_dtype(dtype or float32)
    if initializer is None:
        initializer = glorot_uniform_initializer()
    if isinstance(initializer, Initializer):
        value = initializer(shape, dtype)
    else:
        value = initializer
    return Variable(value, trainable=trainable, name=name, dtype=dtype)
