"""Estimators (tf.estimator): canned models, input functions, train_and_evaluate."""
import json

from .. import _tg
from ..feature_column import DerivedColumn, NumericColumn, _specs, _with_normalizer
from . import inputs
from .canned import (DNNClassifier, DNNLinearCombinedClassifier, DNNLinearCombinedRegressor, DNNRegressor, Estimator,
                     LinearClassifier, LinearRegressor, RunConfig)
from .inputs import _handle_of, csv_input_fn, numpy_input_fn, pandas_input_fn


class TrainSpec:
    def __init__(self, input_fn, max_steps=None, hooks=None):
        self.input_fn, self.max_steps = input_fn, max_steps


class EvalSpec:
    """When and how to evaluate. every_steps (the engine's rhythm: evaluate after that many
    training steps) and throttle_secs (also after that much time); metric and
    higher_is_better pick the best evaluation, whose weights the estimator keeps;
    early_stopping_patience stops after that many evaluations without improvement."""

    def __init__(self, input_fn, steps=None, name=None, hooks=None, exporters=None, start_delay_secs=0,
                 throttle_secs=0, every_steps=1000, metric="loss", higher_is_better=False, early_stopping_patience=0):
        self.input_fn, self.steps, self.name = input_fn, steps, name
        self.throttle_secs, self.every_steps = throttle_secs, every_steps
        self.metric, self.higher_is_better, self.early_stopping_patience = metric, higher_is_better, early_stopping_patience


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Trains with evaluations every eval_spec.every_steps steps, keeps the best evaluation's
    weights in the estimator (and model_dir/best), stops early if asked. Returns (the best
    evaluation's metrics with its global_step, []) as TensorFlow's (eval result, export results);
    estimator.train_and_evaluate_result holds every evaluation."""
    r = estimator._e.train_and_evaluate(
        _handle_of(train_spec.input_fn), -1 if train_spec.max_steps is None else int(train_spec.max_steps),
        _handle_of(eval_spec.input_fn), -1 if eval_spec.steps is None else int(eval_spec.steps),
        int(eval_spec.every_steps or 0), float(eval_spec.throttle_secs or 0), eval_spec.metric,
        bool(eval_spec.higher_is_better), int(eval_spec.early_stopping_patience))
    estimator.train_and_evaluate_result = r
    return r["best"], []


def fit_normalizers(feature_columns, input_fn):
    """The columns with z-score normalizers fitted over one pass of input_fn for every numeric
    and derived (difference, euclidean) column that has none; other columns unchanged."""
    cols = list(feature_columns)
    specs = _specs(cols)
    todo = []
    for i, (c, s) in enumerate(zip(cols, specs)):
        if isinstance(c, (NumericColumn, DerivedColumn)) and c.normalizer is None:
            s["normalize"] = True
            todo.append(i)
    if not todo:
        return cols
    fitted = json.loads(_tg.fit_normalizers(json.dumps(specs), _handle_of(input_fn)))
    for i in todo:
        cols[i] = _with_normalizer(cols[i], fitted[i]["mean"], fitted[i]["stddev"])
    return cols


__all__ = ["DNNClassifier", "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor", "DNNRegressor", "Estimator",
           "EvalSpec", "LinearClassifier", "LinearRegressor", "RunConfig", "TrainSpec", "csv_input_fn",
           "fit_normalizers", "inputs", "numpy_input_fn", "pandas_input_fn", "train_and_evaluate"]
