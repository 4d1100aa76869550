"""Sessions (tf.Session): run(fetches, feed_dict) with fetches nested in lists, tuples and
dicts; the engine compiles each signature once and releases the GIL while it runs."""
import collections

import numpy as np

from . import _tg
from . import dtypes as _dtypes
from .framework import Operation, Tensor, _state, get_default_graph


class ConfigProto:
    """The few options of tf.ConfigProto a session honours: device_count={'GPU': 0} keeps
    everything on the CPU, intra_op_parallelism_threads, log_device_placement."""

    def __init__(self, device_count=None, intra_op_parallelism_threads=0, log_device_placement=False,
                 allow_soft_placement=True, **unused):
        self.device_count = dict(device_count or {})
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.log_device_placement = log_device_placement
        self.allow_soft_placement = allow_soft_placement


class Session:
    """Runs a graph (the default one unless given). Variables live in the session."""

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph or get_default_graph()
        config = config or ConfigProto()
        self._s = _tg.Session(self._graph._g, int(config.intra_op_parallelism_threads or 0),
                              config.device_count.get("GPU", 1) != 0, bool(config.log_device_placement))
        self._default_ctx = []

    @property
    def graph(self):
        return self._graph

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of fetches (a Tensor, Operation or name, or lists, tuples, dicts and
        namedtuples of them) as numpy arrays of the same structure; Operations give None."""
        leaves = []

        def flatten(f):
            if isinstance(f, (Tensor, Operation, str)):
                el = self._graph.as_graph_element(f)
                if el.graph is not self._graph:
                    raise ValueError("fetch %r is not an element of this session's graph" % (f,))
                leaves.append(el)
                return ("leaf", len(leaves) - 1)
            if isinstance(f, dict):
                return ("dict", type(f), [(k, flatten(v)) for k, v in f.items()])
            if isinstance(f, tuple) and hasattr(f, "_fields"):
                return ("namedtuple", type(f), [flatten(v) for v in f])
            if isinstance(f, (list, tuple)):
                return ("seq", type(f), [flatten(v) for v in f])
            if f is None:
                raise TypeError("fetch argument None has invalid type")
            raise TypeError("fetch argument %r has invalid type %s" % (f, type(f).__name__))

        structure = flatten(fetches)
        outputs, targets, slots = [], [], []
        seen = {}
        for el in leaves:
            if isinstance(el, Operation):
                targets.append(el._node)
                slots.append(None)
            else:
                key = el._out.key()
                if key not in seen:
                    seen[key] = len(outputs)
                    outputs.append(el._out)
                slots.append(seen[key])
        feeds = []
        for key, value in (feed_dict or {}).items():
            t = self._graph.as_graph_element(key) if isinstance(key, str) else key
            if not isinstance(t, Tensor):
                raise TypeError("feed_dict keys must be Tensors or their names, got %r" % (key,))
            if t.dtype == _dtypes.string:
                arr = np.asarray(value, dtype=object)
            else:
                arr = np.asarray(value, dtype=t.dtype.as_numpy_dtype)
            feeds.append((t._out, arr))
        values = self._s.run(feeds, outputs, targets)

        def result(i):
            if slots[i] is None:
                return None
            v = values[slots[i]]
            return v[()] if v.ndim == 0 else v

        def rebuild(s):
            kind = s[0]
            if kind == "leaf":
                return result(s[1])
            if kind == "dict":
                return s[1]((k, rebuild(v)) for k, v in s[2]) if s[1] is not dict and issubclass(s[1], dict) \
                    and s[1] is not collections.defaultdict else {k: rebuild(v) for k, v in s[2]}
            if kind == "namedtuple":
                return s[1](*[rebuild(v) for v in s[2]])
            return s[1](rebuild(v) for v in s[2])

        return rebuild(structure)

    def close(self):
        self._s.close()

    def as_default(self):
        sess = self

        class _Ctx:
            def __enter__(self):
                _state.sessions.append(sess)
                return sess

            def __exit__(self, *exc):
                _state.sessions.pop()
                return False

        return _Ctx()

    def __enter__(self):
        ctx = self.as_default()
        ctx.__enter__()
        self._default_ctx.append(ctx)
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._graph_ctx.__exit__(*exc)
        self._default_ctx.pop().__exit__(*exc)
        self.close()
        return False


class InteractiveSession(Session):
    """A session that makes itself the default on creation (tf.InteractiveSession)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _state.sessions.append(self)

    def close(self):
        if self in _state.sessions:
            _state.sessions.remove(self)
        super().close()
