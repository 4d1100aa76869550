"""Predicting from an export (tf.contrib.predictor): a callable taking a dict of input columns."""
import os

import numpy as np

from .. import _tg
from ..dtypes import as_dtype, string


class Predictor:
    """Loaded from an export's version directory (or the newest version of an export base)."""

    def __init__(self, export_dir):
        export_dir = os.fspath(export_dir)
        if not os.path.exists(os.path.join(export_dir, "model.json")):
            versions = sorted((int(d) for d in os.listdir(export_dir) if d.isdigit()), reverse=True) \
                if os.path.isdir(export_dir) else []
            if versions:
                export_dir = os.path.join(export_dir, str(versions[0]))
        self._p = _tg.Predictor.load(export_dir)
        self.export_dir = export_dir

    @property
    def feed_tensors(self):
        return dict(self._p.inputs)

    @property
    def fetch_tensors(self):
        return list(self._p.outputs)

    @property
    def task(self):
        return self._p.task

    def __call__(self, inputs):
        """Predictions for columns of inputs (lists or arrays, converted to the signature's
        dtypes): a dict of output name to numpy array."""
        dtypes = self._p.inputs
        cols = {}
        for name, value in inputs.items():
            dtype = as_dtype(dtypes[name]) if name in dtypes else None
            if dtype is None or dtype == string:
                arr = np.asarray(value)
                arr = arr.astype(object) if arr.dtype.kind in "USO" else arr
            else:
                arr = np.asarray(value, dtype=dtype.as_numpy_dtype)
            cols[name] = arr.reshape(-1)
        return self._p.predict(cols)


def from_saved_model(export_dir, signature_def_key=None, **unused):
    return Predictor(export_dir)
