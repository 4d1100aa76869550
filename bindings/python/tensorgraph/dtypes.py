"""Element types, after tf.DType: tensorgraph.float32, int64, string, ..."""
import numpy as np


class DType:
    """An element type. Compares equal to its name and to the numpy dtype it maps to."""

    __slots__ = ("name", "as_numpy_dtype")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.as_numpy_dtype = numpy_dtype

    @property
    def is_floating(self):
        return self.name in ("float32", "float64")

    @property
    def is_integer(self):
        return self.name in ("int32", "int64")

    @property
    def is_bool(self):
        return self.name == "bool"

    def __eq__(self, other):
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "tensorgraph." + self.name


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool = DType("bool", np.bool_)  # noqa: A001 (as tf.bool)
string = DType("string", np.object_)

_BY_NAME = {d.name: d for d in (float32, float64, int32, int64, bool, string)}
_BY_NAME.update({"float": float32, "double": float64})


def as_dtype(value):
    """A DType from a DType, a name ("float32"), a numpy dtype or a Python type."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is str or value is bytes:
        return string
    try:
        d = np.dtype(value)
    except TypeError:
        raise TypeError("cannot convert %r to a tensorgraph dtype" % (value,)) from None
    if d.kind in "USO":
        return string
    if d.kind == "f" and d.itemsize <= 4:
        return float32
    if d.kind == "b":
        return bool
    name = d.name
    if name in _BY_NAME:
        return _BY_NAME[name]
    if d.kind in "iu":
        return int64 if d.itemsize > 4 else int32
    raise TypeError("no tensorgraph dtype for numpy dtype %s" % d)
