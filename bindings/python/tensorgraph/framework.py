"""Graphs, tensors, operations and variables, after tf.compat.v1: a default graph that ops are
added to, Graph.as_default(), name and device scopes, and Python operators on tensors."""
import contextlib
import threading

import numpy as np

from . import _tg
from . import dtypes as _dtypes
from .dtypes import as_dtype


class TensorShape(tuple):
    """A shape: a tuple of dimensions, None where unknown (as tf.TensorShape)."""

    @property
    def ndims(self):
        return len(self)

    @property
    def rank(self):
        return len(self)

    def as_list(self):
        return list(self)

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self:
            n *= d
        return n


class Graph:
    """A deferred computation graph (tf.Graph). Ops are added to the default one unless
    another is made the default with `with g.as_default():`."""

    def __init__(self):
        self._g = _tg.Graph()
        self._wrappers = {}
        self._collections = {}
        self._seed = None

    @contextlib.contextmanager
    def as_default(self):
        _state.graphs.append(self)
        try:
            yield self
        finally:
            _state.graphs.pop()

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        self._seed = value
        self._g.set_seed(int(value))

    @contextlib.contextmanager
    def name_scope(self, name):
        self._g.push_name_scope(name)
        try:
            yield name + "/"
        finally:
            self._g.pop_scope()

    @contextlib.contextmanager
    def device(self, device_name):
        self._g.push_device(device_name or "")
        try:
            yield
        finally:
            self._g.pop_scope()

    def _tensor(self, out):
        key = out.key()
        t = self._wrappers.get(key)
        if t is None:
            t = Tensor(out, self)
            self._wrappers[key] = t
        return t

    def _operation(self, node):
        key = ("op", node.key())
        op = self._wrappers.get(key)
        if op is None:
            op = Operation(node, self)
            self._wrappers[key] = op
        return op

    def get_tensor_by_name(self, name):
        if ":" in name and name.rsplit(":", 1)[1] == "0":
            name = name.rsplit(":", 1)[0]
        return self._tensor(self._g.output_by_name(name))

    def get_operation_by_name(self, name):
        node = self._g.find(name)
        if node is None:
            from . import errors
            errors.raise_error(errors.NOT_FOUND, "the graph has no operation named '%s'" % name)
        return self._operation(node)

    def as_graph_element(self, obj):
        if isinstance(obj, (Tensor, Operation)):
            return obj
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        raise TypeError("cannot interpret %r as an element of the graph" % (obj,))

    def get_operations(self):
        return [self._operation(n) for n in self._g.nodes()]

    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name, scope=None):
        return list(self._collections.get(name, []))

    def finalize(self):
        pass

    def __repr__(self):
        return "<tensorgraph.Graph with %d nodes>" % self._g.num_nodes()


class _State(threading.local):
    def __init__(self):
        self.graphs = []
        self.sessions = []


_state = _State()
_global_default_graph = [Graph()]


def get_default_graph():
    """The graph new ops go to: the innermost `as_default()` one, else the global one."""
    return _state.graphs[-1] if _state.graphs else _global_default_graph[0]


def reset_default_graph():
    """Replaces the global default graph by a new, empty one (tf.reset_default_graph)."""
    if _state.graphs:
        raise AssertionError("reset_default_graph called inside a graph's as_default() block")
    _global_default_graph[0] = Graph()


def get_default_session():
    return _state.sessions[-1] if _state.sessions else None


def name_scope(name, default_name=None, values=None):
    return get_default_graph().name_scope(name or default_name)


def device(device_name):
    return get_default_graph().device(device_name)


def _binary(op, a, b):
    if isinstance(a, Tensor):
        b = convert_to_tensor(b, dtype=a.dtype, graph=a.graph)
    elif isinstance(b, Tensor):
        a = convert_to_tensor(a, dtype=b.dtype, graph=b.graph)
    else:
        a = convert_to_tensor(a)
        b = convert_to_tensor(b, dtype=a.dtype, graph=a.graph)
    return a.graph._tensor(_tg.binary(op, a._out, b._out))


class Tensor:
    """One output of an operation (tf.Tensor): a symbolic value computed by Session.run."""

    def __init__(self, out, graph):
        self._out = out
        self._graph = graph

    @property
    def dtype(self):
        return as_dtype(self._out.dtype)

    @property
    def shape(self):
        return TensorShape(self._out.shape)

    def get_shape(self):
        return self.shape

    @property
    def name(self):
        return self._out.name

    @property
    def op(self):
        return self._graph._operation(self._out.node)

    @property
    def graph(self):
        return self._graph

    @property
    def value_index(self):
        return self._out.index

    def eval(self, feed_dict=None, session=None):
        session = session or get_default_session()
        if session is None:
            raise ValueError("no default session: pass session= or use `with tf.Session() as sess:`")
        return session.run(self, feed_dict=feed_dict)

    def __repr__(self):
        shape = "(" + ", ".join("?" if d is None else str(d) for d in self.shape) + ")"
        return "<tensorgraph.Tensor '%s' shape=%s dtype=%s>" % (self.name, shape, self.dtype.name)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __bool__(self):
        raise TypeError("a symbolic Tensor has no truth value: run it in a session first")

    def __add__(self, o):
        return _binary("add", self, o)

    def __radd__(self, o):
        return _binary("add", o, self)

    def __sub__(self, o):
        return _binary("sub", self, o)

    def __rsub__(self, o):
        return _binary("sub", o, self)

    def __mul__(self, o):
        return _binary("mul", self, o)

    def __rmul__(self, o):
        return _binary("mul", o, self)

    def __truediv__(self, o):
        return _binary("div", self, o)

    def __rtruediv__(self, o):
        return _binary("div", o, self)

    def __pow__(self, o):
        return _binary("pow", self, o)

    def __rpow__(self, o):
        return _binary("pow", o, self)

    def __lt__(self, o):
        return _binary("less", self, o)

    def __gt__(self, o):
        return _binary("greater", self, o)

    def __neg__(self):
        return self._graph._tensor(_tg.unary("neg", self._out))

    def __abs__(self):
        return self._graph._tensor(_tg.unary("abs", self._out))

    def __matmul__(self, o):
        o = convert_to_tensor(o, dtype=self.dtype, graph=self._graph)
        return self._graph._tensor(_tg.matmul(self._out, o._out))

    def __rmatmul__(self, o):
        o = convert_to_tensor(o, dtype=self.dtype, graph=self._graph)
        return self._graph._tensor(_tg.matmul(o._out, self._out))

    __array_priority__ = 100  # numpy arrays on the left defer to the operators above


class Operation:
    """A node of the graph (tf.Operation); running it runs what it depends on."""

    def __init__(self, node, graph):
        self._node = node
        self._graph = graph

    @property
    def name(self):
        return self._node.name

    @property
    def type(self):
        return self._node.op

    @property
    def device(self):
        return self._node.device

    @property
    def graph(self):
        return self._graph

    @property
    def inputs(self):
        return [self._graph._tensor(o) for o in self._node.inputs]

    @property
    def outputs(self):
        return [self._graph._tensor(self._node.output(i)) for i in range(self._node.num_outputs)]

    @property
    def control_inputs(self):
        return [self._graph._operation(n) for n in self._node.control_inputs]

    def run(self, feed_dict=None, session=None):
        session = session or get_default_session()
        if session is None:
            raise ValueError("no default session: pass session= or use `with tf.Session() as sess:`")
        session.run(self, feed_dict=feed_dict)

    def __repr__(self):
        return "<tensorgraph.Operation '%s' type=%s>" % (self.name, self.type)


def _to_array(value, dtype=None):
    """A numpy array of a Python value with TensorFlow's defaults: Python floats become float32
    and Python ints int32, unless `dtype` says otherwise."""
    if dtype is not None:
        dtype = as_dtype(dtype)
        if dtype == _dtypes.string:
            return np.asarray(value, dtype=object)
        return np.asarray(value, dtype=dtype.as_numpy_dtype)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        return arr.astype(np.float32) if arr.dtype == np.float16 else arr
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int32 if arr.dtype.itemsize <= 8 and np.all(np.abs(arr) < 2**31) else np.int64)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    return arr


def convert_to_tensor(value, dtype=None, name=None, graph=None):
    """A Tensor of value: tensors as they are (checking dtype), anything else as a constant."""
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) != value.dtype:
            raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %r"
                             % (as_dtype(dtype).name, value.dtype.name, value))
        return value
    graph = graph or get_default_graph()
    return graph._tensor(_tg.constant(graph._g, _to_array(value, dtype), name or ""))


class Variable(Tensor):
    """A variable (tf.Variable): state kept by each session, set by running .initializer (or
    global_variables_initializer()). initial_value is a value or a tensor (tf.random_normal...)."""

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, shape=None,
                 validate_shape=True, collections=None, **unused):
        if callable(initial_value):
            initial_value = initial_value()
        graph = initial_value.graph if isinstance(initial_value, Tensor) else get_default_graph()
        if isinstance(initial_value, Tensor) and dtype is not None and as_dtype(dtype) != initial_value.dtype:
            initial_value = cast_tensor(initial_value, dtype)
        value = convert_to_tensor(initial_value, dtype=dtype, graph=graph)
        out = _tg.variable(graph._g, value._out, name or "", bool(trainable))
        super().__init__(out, graph)
        graph._wrappers[out.key()] = self
        self.trainable = bool(trainable)

    @property
    def initializer(self):
        return self._graph._operation(_tg.variable_initializer(self._out))

    @property
    def initial_value(self):
        return self.initializer.inputs[1]

    def value(self):
        return self

    def read_value(self):
        return self._graph._tensor(_tg.unary("identity", self._out))

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return _binary_named("assign", self, value, name)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return _binary_named("assign_add", self, delta, name)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return _binary_named("assign_sub", self, delta, name)

    def load(self, value, session=None):
        session = session or get_default_session()
        session._s.set_variable_value(self._out, _to_array(value, self.dtype))

    def __repr__(self):
        return "<tensorgraph.Variable '%s' shape=%s dtype=%s>" % (self.name, tuple(self.shape), self.dtype.name)


def _binary_named(op, a, b, name=None):
    b = convert_to_tensor(b, dtype=a.dtype, graph=a.graph)
    return a.graph._tensor(_tg.binary(op, a._out, b._out, name or ""))


def cast_tensor(x, dtype, name=None):
    x = convert_to_tensor(x)
    if x.dtype == as_dtype(dtype):
        return x
    return x.graph._tensor(_tg.cast(x._out, as_dtype(dtype).name, name or ""))


def _variables(graph, trainable):
    out = []
    for handle in graph._g.variables(trainable):
        t = graph._wrappers.get(handle.key())
        out.append(t if t is not None else graph._tensor(handle))
    return out


def global_variables(scope=None):
    return _variables(get_default_graph(), False)


def trainable_variables(scope=None):
    return _variables(get_default_graph(), True)


def global_variables_initializer():
    g = get_default_graph()
    return g._operation(_tg.global_variables_initializer(g._g))


def variables_initializer(var_list, name="init"):
    g = get_default_graph()
    return g._operation(_tg.variables_initializer(g._g, [v._out for v in var_list], name))


initialize_all_variables = global_variables_initializer
all_variables = global_variables
