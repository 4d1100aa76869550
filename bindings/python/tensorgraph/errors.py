"""Exceptions, after tf.errors: one class per error code, all deriving from OpError.

The classes are made by the extension module from the engine's one table of error codes
(base/error.h); every instance carries .message, .code (TensorFlow's numbering, also
.error_code), .node and .op (where in the graph) and .file and .line (which input file)."""
from . import _tg

OpError = _tg.OpError

# (number, name, class) for every code, OK included: the table the classes come from.
ERROR_CODES = [(number, name, cls) for number, name, cls, _http in _tg.error_codes]

OK = 0
_by_code = {}
for _number, _name, _cls in ERROR_CODES:
    globals()[_name] = _number  # INVALID_ARGUMENT = 3, ... (as tf.errors)
    if _cls:
        globals()[_cls] = getattr(_tg, _cls)
        _by_code[_number] = getattr(_tg, _cls)


def exception_type_from_error_code(code):
    """The exception class of an error code."""
    return _by_code[code]


def error_code_from_exception_type(cls):
    for code, c in _by_code.items():
        if c is cls:
            return code
    raise KeyError(cls)


def raise_error(code, message, node="", op=""):
    """Raises the class of `code` with the engine's attributes."""
    _tg.raise_error(code, message, node, op)


__all__ = ["OpError", "ERROR_CODES", "exception_type_from_error_code", "error_code_from_exception_type"] + [
    cls for _n, _m, cls in ERROR_CODES if cls
]
