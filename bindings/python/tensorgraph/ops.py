"""Graph-building functions, after tf.compat.v1's: sources, elementwise math with broadcasting,
reductions, shapes and indexing. Each adds nodes to the graph of its inputs (the default graph
for sources) and returns Tensors."""
import numpy as np

from . import _tg
from .dtypes import as_dtype, float32
from .framework import (Tensor, _binary, cast_tensor, convert_to_tensor, get_default_graph)


def _n(name):
    return name or ""


def _t(out, like):
    return like.graph._tensor(out)


def _unary(op, x, name=None):
    x = convert_to_tensor(x)
    return _t(_tg.unary(op, x._out, _n(name)), x)


def _binary_op(op, x, y, name=None):
    if name is None:
        return _binary(op, x, y)
    if isinstance(x, Tensor):
        y = convert_to_tensor(y, dtype=x.dtype, graph=x.graph)
    elif isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype, graph=y.graph)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype, graph=x.graph)
    return _t(_tg.binary(op, x._out, y._out, name), x)


def _shape_list(shape):
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return [None if d is None or (isinstance(d, int) and d < 0) else int(d) for d in shape]


# ---- sources ----
def placeholder(dtype, shape=None, name=None):
    """A value fed at run time (feed_dict). shape None dims are unknown; the shape itself is
    required (tensorgraph checks shapes when the graph is built)."""
    if shape is None:
        raise ValueError("placeholder needs a shape, e.g. [None, 3]")
    g = get_default_graph()
    return g._tensor(_tg.placeholder(g._g, as_dtype(dtype).name, _shape_list(shape), _n(name)))


def constant(value, dtype=None, shape=None, name=None):
    """A constant: Python floats become float32 and ints int32 (as TensorFlow), numpy values keep
    their dtype unless dtype is given."""
    if shape is not None:
        value = np.broadcast_to(np.asarray(value), tuple(shape))
    return convert_to_tensor(value, dtype=dtype, name=name)


def _initial(kind, shape, dtype, a=0.0, b=1.0, seed=None):
    g = get_default_graph()
    shape = [int(d) for d in (shape if not isinstance(shape, int) else [shape])]
    seed = -1 if seed is None else int(seed)
    return g._tensor(_tg.initial_value(g._g, kind, float(a), float(b), seed, shape, as_dtype(dtype).name))


def zeros(shape, dtype=float32, name=None):
    return _initial("zeros", shape, dtype)


def ones(shape, dtype=float32, name=None):
    return _initial("ones", shape, dtype)


def fill(dims, value, name=None):
    return _initial("constant", dims, as_dtype(np.asarray(value).dtype), a=value)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return _initial("random_normal", shape, dtype, mean, stddev, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return _initial("truncated_normal", shape, dtype, mean, stddev, seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=float32, seed=None, name=None):
    return _initial("random_uniform", shape, dtype, minval, maxval, seed)


# ---- elementwise math ----
def add(x, y, name=None):
    return _binary_op("add", x, y, name)


def subtract(x, y, name=None):
    return _binary_op("sub", x, y, name)


def multiply(x, y, name=None):
    return _binary_op("mul", x, y, name)


def divide(x, y, name=None):
    return _binary_op("div", x, y, name)


def pow(x, y, name=None):  # noqa: A001
    return _binary_op("pow", x, y, name)


def maximum(x, y, name=None):
    return _binary_op("maximum", x, y, name)


def minimum(x, y, name=None):
    return _binary_op("minimum", x, y, name)


def equal(x, y, name=None):
    return _binary_op("equal", x, y, name)


def less(x, y, name=None):
    return _binary_op("less", x, y, name)


def greater(x, y, name=None):
    return _binary_op("greater", x, y, name)


sub = subtract
mul = multiply
div = truediv = divide


def negative(x, name=None):
    return _unary("neg", x, name)


def square(x, name=None):
    return _unary("square", x, name)


def sqrt(x, name=None):
    return _unary("sqrt", x, name)


def exp(x, name=None):
    return _unary("exp", x, name)


def log(x, name=None):
    return _unary("log", x, name)


def abs(x, name=None):  # noqa: A001
    return _unary("abs", x, name)


def floor(x, name=None):
    return _unary("floor", x, name)


def sigmoid(x, name=None):
    return _unary("sigmoid", x, name)


def tanh(x, name=None):
    return _unary("tanh", x, name)


def identity(x, name=None):
    return _unary("identity", x, name)


def stop_gradient(x, name=None):
    return _unary("stop_gradient", x, name)


def zeros_like(x, dtype=None, name=None):
    return _unary("zeros_like", x, name)


def ones_like(x, dtype=None, name=None):
    return _unary("ones_like", x, name)


def cast(x, dtype, name=None):
    return cast_tensor(x, dtype, name)


def add_n(inputs, name=None):
    total = inputs[0]
    for x in inputs[1:]:
        total = add(total, x)
    return identity(total, name) if name else total


def where(condition, x=None, y=None, name=None):
    if x is None or y is None:
        raise NotImplementedError("where(condition) without x and y is not supported")
    c = convert_to_tensor(condition)
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype, graph=y.graph)
    x = convert_to_tensor(x, graph=c.graph)
    y = convert_to_tensor(y, dtype=x.dtype, graph=x.graph)
    return _t(_tg.select(c._out, x._out, y._out, _n(name)), c)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    a = convert_to_tensor(a) if isinstance(a, Tensor) or not isinstance(b, Tensor) else convert_to_tensor(a, b.dtype)
    b = convert_to_tensor(b, dtype=a.dtype, graph=a.graph)
    return _t(_tg.matmul(a._out, b._out, bool(transpose_a), bool(transpose_b), _n(name)), a)


# ---- reductions ----
def _axes(axis, x):
    if axis is None:
        return []
    if isinstance(axis, (int, np.integer)):
        return [int(axis)]
    return [int(a) for a in axis]


def _reduce(op, input_tensor, axis, keepdims, name, keep_dims, reduction_indices):
    x = convert_to_tensor(input_tensor)
    if axis is None:
        axis = reduction_indices
    keep = bool(keepdims if keep_dims is None else keep_dims)
    return _t(_tg.reduce(op, x._out, _axes(axis, x), keep, _n(name)), x)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("reduce_sum", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("reduce_mean", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("reduce_max", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("reduce_min", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def argmax(input, axis=None, name=None, dimension=None, output_type=None):  # noqa: A002
    x = convert_to_tensor(input)
    if axis is None:
        axis = dimension if dimension is not None else 0
    return _t(_tg.argmax(x._out, int(axis), _n(name)), x)


# ---- shapes and indexing ----
def reshape(tensor, shape, name=None):
    x = convert_to_tensor(tensor)
    return _t(_tg.reshape(x._out, [int(d) for d in shape], _n(name)), x)


def transpose(a, perm=None, name=None):
    x = convert_to_tensor(a)
    return _t(_tg.transpose(x._out, [] if perm is None else [int(p) for p in perm], _n(name)), x)


def concat(values, axis, name=None):
    xs = [convert_to_tensor(v) for v in values]
    return _t(_tg.concat([x._out for x in xs], int(axis), _n(name)), xs[0])


def slice(input_, begin, size, name=None):  # noqa: A001
    x = convert_to_tensor(input_)
    return _t(_tg.slice(x._out, [int(b) for b in begin], [int(s) for s in size], _n(name)), x)


def gather(params, indices, name=None, axis=None):
    if axis not in (None, 0):
        raise NotImplementedError("gather along axis %r: only axis 0 is supported" % (axis,))
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices, graph=p.graph)
    return _t(_tg.binary("gather", p._out, i._out, _n(name)), p)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    x = convert_to_tensor(indices)
    return _t(_tg.one_hot(x._out, int(depth), 1.0 if on_value is None else float(on_value),
                          0.0 if off_value is None else float(off_value),
                          as_dtype(dtype or float32).name, _n(name)), x)


def shape(input, name=None, out_type=None):  # noqa: A002
    """The static shape as a constant (tensorgraph infers shapes when the graph is built)."""
    x = convert_to_tensor(input)
    if not x.shape.is_fully_defined():
        raise ValueError("shape() of %r: the shape is not fully defined when the graph is built" % x)
    return convert_to_tensor(np.asarray(x.shape, dtype=np.int32), graph=x.graph)


def group(*inputs, name=None):
    g = get_default_graph()
    ops = [i if not isinstance(i, Tensor) else i.op for i in inputs]
    return g._operation(_tg.group(g._g, [o._node for o in ops], _n(name)))


def no_op(name=None):
    return group(name=name)


def control_dependencies_value(deps, x):
    """x that runs `deps` first (the C++ with_dependencies)."""
    x = convert_to_tensor(x)
    return _t(_tg.with_dependencies([d._node for d in deps], x._out), x)


def gradients(ys, xs, grad_ys=None, name=None, **unused):
    """d(sum of ys)/dx for each x (tf.gradients); None for an x that ys do not depend on."""
    single = not isinstance(xs, (list, tuple))
    ys = [ys] if not isinstance(ys, (list, tuple)) else list(ys)
    xs = [xs] if single else list(xs)
    ys = [convert_to_tensor(y) for y in ys]
    gys = [] if grad_ys is None else [convert_to_tensor(g, dtype=y.dtype, graph=y.graph)
                                      for g, y in zip(grad_ys if isinstance(grad_ys, (list, tuple)) else [grad_ys], ys)]
    grads = _tg.gradients([y._out for y in ys], [x._out for x in xs], [g._out for g in gys])
    g = ys[0].graph
    return [None if o is None else g._tensor(o) for o in grads]
