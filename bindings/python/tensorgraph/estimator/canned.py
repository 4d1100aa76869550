"""The canned estimators (tf.estimator.LinearRegressor, DNNClassifier, ...) over the engine's
Estimator: feature columns lowered to its specification, optimizers by name or tf.train object."""
import json
import os

import numpy as np

from .. import _tg
from .. import nn as _nn
from ..feature_column import FeatureColumn, _specs
from ..train import Optimizer
from .inputs import _handle_of


class RunConfig:
    """What tf.estimator.RunConfig sets that the engine honours."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_checkpoints_steps=None, save_checkpoints_secs=None,
                 keep_checkpoint_max=5, log_step_count_steps=100, device=None, num_threads=0, summaries=True,
                 overwrite=False, **unused):
        self.model_dir = model_dir
        self.tf_random_seed = tf_random_seed
        self.save_checkpoints_steps = save_checkpoints_steps
        self.save_checkpoints_secs = save_checkpoints_secs
        self.keep_checkpoint_max = keep_checkpoint_max
        self.log_step_count_steps = log_step_count_steps
        self.device = device
        self.num_threads = num_threads
        self.summaries = summaries
        self.overwrite = overwrite

    def _options(self):
        o = {"keep_checkpoint_max": int(self.keep_checkpoint_max), "log_step_count_steps": int(self.log_step_count_steps),
             "num_threads": int(self.num_threads), "summaries": bool(self.summaries), "overwrite": bool(self.overwrite)}
        if self.model_dir:
            o["model_dir"] = os.fspath(self.model_dir)
        if self.tf_random_seed is not None:
            o["seed"] = int(self.tf_random_seed)
        if self.save_checkpoints_steps is not None:
            o["save_checkpoints_steps"] = int(self.save_checkpoints_steps)
        if self.save_checkpoints_secs is not None:
            o["save_checkpoints_secs"] = float(self.save_checkpoints_secs)
        if self.device:
            o["device"] = self.device
        return o


_OPTIMIZER_NAMES = {"adagrad": "adagrad", "adam": "adam", "ftrl": "ftrl", "sgd": "sgd", "gradientdescent": "sgd",
                    "rmsprop": "rmsprop", "momentum": "momentum"}
_ACTIVATIONS = {_nn.relu: "relu", _nn.tanh: "tanh", _nn.sigmoid: "sigmoid", _nn.elu: "elu",
                _nn.leaky_relu: "leaky_relu", _nn.softplus: "softplus"}


def _optimizer(opt, default_lr):
    """(kind, learning rate) of an optimizer name or tf.train optimizer."""
    if isinstance(opt, Optimizer):
        return opt._estimator_optimizer()
    if callable(opt):
        return _optimizer(opt(), default_lr)
    kind = _OPTIMIZER_NAMES.get(str(opt).lower())
    if kind is None:
        raise ValueError("unknown optimizer %r: use one of %s or a tf.train optimizer" % (opt, sorted(_OPTIMIZER_NAMES)))
    return kind, (0.001 if kind == "adam" else default_lr)


def _activation(fn):
    if isinstance(fn, str):
        return fn
    if fn in _ACTIVATIONS:
        return _ACTIVATIONS[fn]
    raise ValueError("activation_fn %r: use tf.nn.relu, tanh, sigmoid, elu, leaky_relu or softplus" % (fn,))


def _columns(cols):
    cols = list(cols or [])
    for c in cols:
        if not isinstance(c, FeatureColumn):
            raise TypeError("feature columns must come from tensorgraph.feature_column, got %r" % (c,))
    return cols


class Estimator:
    """A model with a head, trained, evaluated and asked for predictions from input functions;
    with a model_dir its checkpoints are kept there and restored when it is built again."""

    def __init__(self, task, linear_columns=(), dnn_columns=(), hidden_units=(), n_classes=2, label_vocabulary=None,
                 weight_column=None, linear_optimizer="Ftrl", dnn_optimizer="Adagrad", activation_fn=_nn.relu,
                 dropout=None, model_dir=None, config=None):
        config = config or RunConfig()
        if model_dir is not None:
            config.model_dir = model_dir
        self._config = config
        self._linear_columns, self._dnn_columns = _columns(linear_columns), _columns(dnn_columns)
        options = config._options()
        options["task"] = task
        if task != "regression":
            options["n_classes"] = int(n_classes)
            if label_vocabulary:
                options["label_vocabulary"] = [str(v) for v in label_vocabulary]
        options["hidden_units"] = [int(u) for u in hidden_units]
        options["activation"] = _activation(activation_fn)
        options["dropout"] = float(dropout or 0.0)
        if weight_column:
            options["weight_column"] = weight_column if isinstance(weight_column, str) else weight_column.key
        options["linear_optimizer"], options["linear_learning_rate"] = _optimizer(linear_optimizer, 0.2)
        options["dnn_optimizer"], options["dnn_learning_rate"] = _optimizer(dnn_optimizer, 0.05)
        self._task = task
        self._e = _tg.Estimator(json.dumps(_specs(self._linear_columns)), json.dumps(_specs(self._dnn_columns)),
                                json.dumps(options))

    @property
    def model_dir(self):
        return self._config.model_dir

    @property
    def config(self):
        return self._config

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains until the input ends, `steps` more steps, or the global step reaches max_steps."""
        self._e.train(_handle_of(input_fn), -1 if steps is None else int(steps),
                      -1 if max_steps is None else int(max_steps))
        return self

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Metrics over the input (at most `steps` batches) as a dict, with 'global_step'."""
        return self._e.evaluate(_handle_of(input_fn), -1 if steps is None else int(steps), name or "")

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields one dict per example: 'predictions' for regressors; 'logits', 'probabilities',
        'class_ids' and 'classes' for classifiers."""
        cols = self._e.predict(_handle_of(input_fn))
        if predict_keys is not None:
            keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
            cols = {k: v for k, v in cols.items() if k in keys}
        if not yield_single_examples:
            yield {k: (np.array(v, dtype=object) if k == "classes" else v) for k, v in cols.items()}
            return
        n = len(next(iter(cols.values()))) if cols else 0
        for i in range(n):
            row = {}
            for k, v in cols.items():
                if k == "classes":
                    row[k] = np.array([v[i].encode()], dtype=object)
                elif k in ("predictions", "class_ids"):
                    row[k] = v[i:i + 1]
                else:
                    row[k] = v[i]
            if self._task != "regression" and "probabilities" in row and len(row["probabilities"]) == 2:
                row["logistic"] = row["probabilities"][1:2]
            yield row

    def get_variable_names(self):
        return list(self._e.variable_names())

    def get_variable_value(self, name):
        return self._e.variable_value(name)

    @property
    def global_step(self):
        return self._e.global_step()

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn=None, assets_extra=None, as_text=False,
                           checkpoint_path=None, metrics=None):
        """Writes export_dir_base/<global step>/ (the prediction graph, weights, signature) and
        returns that directory; load it with tensorgraph.contrib.predictor.from_saved_model."""
        return self._e.export(os.fspath(export_dir_base), dict(metrics or {}))

    export_savedmodel = export_saved_model
    export = export_saved_model


class LinearRegressor(Estimator):
    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl",
                 config=None, **unused):
        super().__init__("regression", linear_columns=feature_columns, weight_column=weight_column,
                         linear_optimizer=optimizer, model_dir=model_dir, config=config)


class LinearClassifier(Estimator):
    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, **unused):
        super().__init__(_task(n_classes, label_vocabulary), linear_columns=feature_columns, n_classes=n_classes,
                         label_vocabulary=label_vocabulary, weight_column=weight_column, linear_optimizer=optimizer,
                         model_dir=model_dir, config=config)


class DNNRegressor(Estimator):
    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Adagrad", activation_fn=_nn.relu, dropout=None, config=None, **unused):
        super().__init__("regression", dnn_columns=feature_columns, hidden_units=hidden_units,
                         weight_column=weight_column, dnn_optimizer=optimizer, activation_fn=activation_fn,
                         dropout=dropout, model_dir=model_dir, config=config)


class DNNClassifier(Estimator):
    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=_nn.relu, dropout=None, config=None,
                 **unused):
        super().__init__(_task(n_classes, label_vocabulary), dnn_columns=feature_columns, hidden_units=hidden_units,
                         n_classes=n_classes, label_vocabulary=label_vocabulary, weight_column=weight_column,
                         dnn_optimizer=optimizer, activation_fn=activation_fn, dropout=dropout, model_dir=model_dir,
                         config=config)


class DNNLinearCombinedRegressor(Estimator):
    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=_nn.relu,
                 dnn_dropout=None, label_dimension=1, weight_column=None, config=None, **unused):
        super().__init__("regression", linear_columns=linear_feature_columns, dnn_columns=dnn_feature_columns,
                         hidden_units=dnn_hidden_units or (), weight_column=weight_column,
                         linear_optimizer=linear_optimizer, dnn_optimizer=dnn_optimizer,
                         activation_fn=dnn_activation_fn, dropout=dnn_dropout, model_dir=model_dir, config=config)


class DNNLinearCombinedClassifier(Estimator):
    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=_nn.relu,
                 dnn_dropout=None, n_classes=2, weight_column=None, label_vocabulary=None, config=None, **unused):
        super().__init__(_task(n_classes, label_vocabulary), linear_columns=linear_feature_columns,
                         dnn_columns=dnn_feature_columns, hidden_units=dnn_hidden_units or (), n_classes=n_classes,
                         label_vocabulary=label_vocabulary, weight_column=weight_column,
                         linear_optimizer=linear_optimizer, dnn_optimizer=dnn_optimizer,
                         activation_fn=dnn_activation_fn, dropout=dnn_dropout, model_dir=model_dir, config=config)


def _task(n_classes, label_vocabulary):
    n = len(label_vocabulary) if label_vocabulary else int(n_classes)
    return "binary" if n == 2 and not label_vocabulary else "multiclass"
