"""Input functions (tf.estimator.inputs and CSV files): what estimators train, evaluate and
predict from. Each is a description the engine turns into batches; calling one returns itself,
so both `input_fn=numpy_input_fn(...)` and `input_fn=lambda: ...` forms work."""
import glob as _glob
import json
import os

import numpy as np

from .. import _tg
from ..dtypes import as_dtype


class InputFn:
    def __call__(self):
        return self

    def _handle(self):
        raise NotImplementedError


def _column(name, value):
    arr = np.asarray(value)
    if arr.dtype.kind in "USO":
        arr = arr.astype(object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError("column '%s' has shape %s: features must be one value per row" % (name, arr.shape))
    return arr


class NumpyInput(InputFn):
    def __init__(self, x, y=None, batch_size=128, num_epochs=1, shuffle=True, seed=0):
        if not isinstance(x, dict):
            raise TypeError("x must be a dict of feature name to array, got %s" % type(x).__name__)
        self.columns = {k: _column(k, v) for k, v in x.items()}
        if y is not None:
            y = np.asarray(y)
            if y.dtype.kind in "USO":
                y = y.astype(object)
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
        self.y = y
        rows = {len(v) for v in self.columns.values()} | ({len(y)} if y is not None else set())
        if len(rows) > 1:
            raise ValueError("features and labels have different numbers of rows: %s" % sorted(rows))
        self.batch_size = int(batch_size)
        self.num_epochs = -1 if num_epochs is None else int(num_epochs)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)

    def _handle(self):
        names = list(self.columns)
        arrays = [self.columns[n] for n in names]
        if self.y is not None:
            names.append(_tg.LABEL_KEY)
            arrays.append(self.y)
        return _tg.memory_input(names, arrays, self.batch_size, self.num_epochs, self.shuffle, self.seed)


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=True, queue_capacity=1000, num_threads=1,
                   seed=0):
    """Batches of a dict of numpy arrays (and labels y): num_epochs passes (None: forever),
    rows shuffled per epoch when shuffle."""
    return NumpyInput(x, y, batch_size, num_epochs, shuffle, seed)


def pandas_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=True, queue_capacity=1000, num_threads=1,
                    target_column="target", seed=0):
    """Batches of a pandas DataFrame's columns (and a Series of labels y)."""
    cols = {str(c): x[c].to_numpy() for c in x.columns}
    return NumpyInput(cols, None if y is None else np.asarray(y), batch_size, num_epochs, shuffle, seed)


class CsvInput(InputFn):
    def __init__(self, files, columns, label_key, header, batch_size, num_epochs, shuffle, shuffle_buffer_size, seed):
        self.files, self.columns, self.label_key = files, columns, label_key or ""
        self.header, self.batch_size = bool(header), int(batch_size)
        self.num_epochs = -1 if num_epochs is None else int(num_epochs)
        self.shuffle, self.shuffle_buffer_size, self.seed = bool(shuffle), int(shuffle_buffer_size), int(seed)

    def without_label(self):
        """The same files read for prediction: the label column parsed but not used."""
        cols = [dict(c, skip=True) if c["name"] == self.label_key else c for c in self.columns]
        return CsvInput(self.files, cols, "", self.header, self.batch_size, self.num_epochs, False,
                        self.shuffle_buffer_size, self.seed)

    def _handle(self):
        return _tg.csv_input(json.dumps(self.columns), self.files, self.label_key, self.header, self.batch_size,
                             self.num_epochs, self.shuffle, self.shuffle_buffer_size, self.seed)


def _dtype_of_default(d):
    if isinstance(d, (list, tuple)):
        d = d[0] if d else None
    if d is None:
        return None, None
    if isinstance(d, str):
        return "string", d
    if isinstance(d, bool) or not isinstance(d, (int, float, np.number)):
        raise ValueError("record default %r: give a float, an int or a str" % (d,))
    if isinstance(d, (int, np.integer)):
        return "int64", str(d)
    return "float32", repr(float(d))


def csv_input_fn(file_pattern, column_names=None, record_defaults=None, label_key=None, batch_size=128,
                 num_epochs=1, shuffle=False, header=False, skip_columns=(), column_dtypes=None,
                 shuffle_buffer_size=10000, seed=0):
    """Batches of CSV files (paths or glob patterns), streamed by the engine's CSV pipeline.

    column_names: every column of the files in order (with header=True and no names, the
    first file's header names them, all float32). record_defaults: one per column as in
    tf.decode_csv ([0.0] float, [0] int, ['x'] string, [] no default: an empty field is a
    bad row); column_dtypes: names to dtypes, overriding. skip_columns are parsed but unused."""
    files = [file_pattern] if isinstance(file_pattern, (str, os.PathLike)) else list(file_pattern)
    files = [os.fspath(f) for f in files]
    if column_names is None:
        if not header:
            raise ValueError("give column_names, or header=True to take them from the files")
        expanded = sorted(_glob.glob(files[0])) or [files[0]]
        with open(expanded[0], encoding="utf-8") as f:
            column_names = [c.strip() for c in f.readline().rstrip("\r\n").split(",")]
    columns = []
    for i, name in enumerate(column_names):
        col = {"name": name}
        dtype, default = _dtype_of_default(record_defaults[i]) if record_defaults is not None else (None, None)
        if column_dtypes and name in column_dtypes:
            dtype = as_dtype(column_dtypes[name]).name
        if dtype is not None:
            col["dtype"] = dtype
        if default is not None:
            col["default"] = default
        if name in skip_columns:
            col["skip"] = True
        columns.append(col)
    if label_key is not None and label_key not in column_names:
        raise ValueError("label_key '%s' is not among the columns %s" % (label_key, column_names))
    return CsvInput(files, columns, label_key, header, batch_size, num_epochs, shuffle, shuffle_buffer_size, seed)


def _handle_of(input_fn):
    """The engine's input for an input function (one of the above, or a callable returning one,
    or returning (features dict, labels) arrays: one batch of all rows, one pass)."""
    value = input_fn() if callable(input_fn) and not isinstance(input_fn, InputFn) else input_fn
    if isinstance(value, InputFn):
        return value._handle()
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict):
        x, y = value
        n = len(next(iter(x.values())))
        return NumpyInput(x, y, max(1, n), 1, False)._handle()
    if isinstance(value, dict):
        n = len(next(iter(value.values())))
        return NumpyInput(value, None, max(1, n), 1, False)._handle()
    raise TypeError("input_fn must be numpy_input_fn(...), pandas_input_fn(...), csv_input_fn(...) or a "
                    "function returning one (or a (features, labels) pair of arrays), got %r" % (value,))


def batches(input_fn):
    """Every batch of an input as a dict of numpy columns (the label under 'label')."""
    out = []
    for b in _tg.input_batches(_handle_of(input_fn)):
        if _tg.LABEL_KEY in b:
            b["label"] = b.pop(_tg.LABEL_KEY)
        out.append(b)
    return out
