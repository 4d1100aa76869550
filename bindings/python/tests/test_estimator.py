"""Canned estimators with feature columns and numpy, pandas and CSV input functions; evaluate's
metrics, predict's dicts, exports loaded back, model directories resumed."""
import numpy as np
import pandas as pd
import pytest

import tensorgraph as tg
import tensorgraph.compat.v1 as tf

fc = tf.feature_column
inputs = tf.estimator.inputs


def _regression_data(rng, n=2000):
    x1 = rng.normal(size=n).astype(np.float32)
    x2 = rng.uniform(-1, 1, size=n).astype(np.float32)
    return {"x1": x1, "x2": x2}, (3 * x1 - 2 * x2 + 1).astype(np.float32)


def test_dnn_regressor_on_numpy_data(rng, tmp_path):
    x, y = _regression_data(rng)
    est = tf.estimator.DNNRegressor(hidden_units=[32, 16], feature_columns=[fc.numeric_column("x1"),
                                    fc.numeric_column("x2")], optimizer=tf.train.AdamOptimizer(learning_rate=0.01),
                                    model_dir=str(tmp_path / "model"))
    est.train(input_fn=inputs.numpy_input_fn(x, y, batch_size=64, num_epochs=None, shuffle=True), steps=600)
    metrics = est.evaluate(input_fn=inputs.numpy_input_fn(x, y, shuffle=False))
    for key in ("average_loss", "loss", "rmse", "mae", "label/mean", "prediction/mean", "global_step"):
        assert key in metrics, key
    assert metrics["global_step"] == 600
    assert metrics["rmse"] < 0.15 * np.std(y)
    preds = list(est.predict(input_fn=inputs.numpy_input_fn({k: v[:5] for k, v in x.items()}, shuffle=False)))
    assert len(preds) == 5 and set(preds[0]) == {"predictions"}
    got = np.array([p["predictions"][0] for p in preds])
    np.testing.assert_allclose(got, y[:5], atol=0.5)

    # Built again on the same model_dir, it resumes from the checkpoint.
    again = tf.estimator.DNNRegressor(hidden_units=[32, 16], feature_columns=[fc.numeric_column("x1"),
                                      fc.numeric_column("x2")], optimizer=tf.train.AdamOptimizer(learning_rate=0.01),
                                      model_dir=str(tmp_path / "model"))
    assert again.global_step == 600
    again_preds = [p["predictions"][0] for p in again.predict(
        inputs.numpy_input_fn({k: v[:5] for k, v in x.items()}, shuffle=False))]
    np.testing.assert_allclose(again_preds, got, rtol=1e-6)
    # Another model in that directory is refused.
    with pytest.raises(tf.errors.OpError):
        tf.estimator.DNNRegressor(hidden_units=[8], feature_columns=[fc.numeric_column("x1"), fc.numeric_column("x2")],
                                  model_dir=str(tmp_path / "model")).global_step


def test_dnn_classifier_three_classes(rng):
    n = 1500
    a = rng.normal(size=n).astype(np.float32)
    b = rng.normal(size=n).astype(np.float32)
    label = (a > 0.5).astype(np.int64) + (a > -0.5) + 0 * b.astype(np.int64)
    est = tf.estimator.DNNClassifier(hidden_units=[16], feature_columns=[fc.numeric_column("a"), fc.numeric_column("b")],
                                     n_classes=3, optimizer="Adam")
    est.train(inputs.numpy_input_fn({"a": a, "b": b}, label, batch_size=32, num_epochs=None), steps=800)
    metrics = est.evaluate(inputs.numpy_input_fn({"a": a, "b": b}, label, shuffle=False))
    for key in ("accuracy", "average_loss", "loss", "global_step"):
        assert key in metrics
    assert metrics["accuracy"] > 0.9
    preds = list(est.predict(inputs.numpy_input_fn({"a": a[:20], "b": b[:20]}, shuffle=False)))
    assert set(preds[0]) >= {"logits", "probabilities", "class_ids", "classes"}
    assert preds[0]["probabilities"].shape == (3,) and preds[0]["logits"].shape == (3,)
    assert preds[0]["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)
    ids = np.array([p["class_ids"][0] for p in preds])
    assert np.mean(ids == label[:20]) >= 0.85
    assert all(p["classes"][0] == str(p["class_ids"][0]).encode() for p in preds)


def _categorical_frame(rng, n=3000):
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.uniform(0, 10, size=n).astype(np.float32)
    shape = rng.choice(["round", "square"], size=n)
    # Positive for red things above 5, and for round blue things.
    label = (((colour == "red") & (size > 5)) | ((colour == "blue") & (shape == "round"))).astype(np.int64)
    return pd.DataFrame({"colour": colour, "size": size, "shape": shape}), pd.Series(label)


def test_linear_classifier_with_categorical_columns(rng):
    df, label = _categorical_frame(rng)
    colour = fc.categorical_column_with_vocabulary_list("colour", ["red", "green", "blue"])
    shape = fc.categorical_column_with_vocabulary_list("shape", ["round", "square"])
    size = fc.bucketized_column(fc.numeric_column("size"), boundaries=[2.5, 5.0, 7.5])
    columns = [colour, shape, size, fc.crossed_column([colour, size], hash_bucket_size=64),
               fc.crossed_column(["colour", "shape"], hash_bucket_size=64), fc.embedding_column(colour, dimension=2)]
    est = tf.estimator.LinearClassifier(feature_columns=columns, optimizer=tf.train.FtrlOptimizer(0.5))
    est.train(inputs.pandas_input_fn(df, label, batch_size=64, num_epochs=None, shuffle=True), steps=800)
    metrics = est.evaluate(inputs.pandas_input_fn(df, label, shuffle=False))
    for key in ("accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "precision", "recall",
                "average_loss", "loss", "label/mean", "prediction/mean", "global_step"):
        assert key in metrics, key
    assert metrics["accuracy"] > 0.95 and metrics["auc"] > 0.97
    pred = next(est.predict(inputs.pandas_input_fn(df.iloc[:1], shuffle=False)))
    assert set(pred) >= {"logits", "logistic", "probabilities", "class_ids", "classes"}
    assert pred["probabilities"].shape == (2,)


def test_dnn_with_embedding_and_indicator_columns(rng):
    df, label = _categorical_frame(rng)
    colour = fc.categorical_column_with_vocabulary_list("colour", ["red", "green", "blue"])
    shape = fc.categorical_column_with_hash_bucket("shape", 10)
    est = tf.estimator.DNNClassifier(hidden_units=[16, 8], feature_columns=[
        fc.embedding_column(colour, 3), fc.indicator_column(shape), fc.numeric_column("size")], optimizer="Adam")
    est.train(inputs.pandas_input_fn(df, label, batch_size=64, num_epochs=None), steps=1200)
    assert est.evaluate(inputs.pandas_input_fn(df, label, shuffle=False))["accuracy"] > 0.9


def test_export_then_load_and_predict(rng, tmp_path):
    df, label = _categorical_frame(rng, 1000)
    colour = fc.categorical_column_with_vocabulary_list("colour", ["red", "green", "blue"])
    est = tf.estimator.DNNClassifier(hidden_units=[8], feature_columns=[fc.indicator_column(colour),
                                     fc.numeric_column("size")], optimizer="Adam")
    est.train(inputs.pandas_input_fn(df, label, num_epochs=None), steps=200)
    path = est.export_saved_model(str(tmp_path / "export"))
    assert path.startswith(str(tmp_path / "export"))
    predictor = tf.contrib.predictor.from_saved_model(path)
    assert set(predictor.feed_tensors) == {"colour", "size"}
    out = predictor({"colour": df["colour"].to_numpy()[:10], "size": df["size"].to_numpy()[:10]})
    expected = list(est.predict(inputs.pandas_input_fn(df.iloc[:10], shuffle=False)))
    # A binary export's "probabilities" are P(class 1), the estimator's "logistic".
    np.testing.assert_allclose(out["probabilities"], [p["logistic"][0] for p in expected], rtol=1e-5)
    np.testing.assert_array_equal(out["class_ids"], [p["class_ids"][0] for p in expected])
    # Lists and other dtypes are converted to the signature's.
    again = predictor({"colour": list(df["colour"][:10]), "size": df["size"].to_numpy(np.float64)[:10]})
    np.testing.assert_array_equal(again["probabilities"], out["probabilities"])
    # The export base directory resolves to its newest version.
    assert tf.contrib.predictor.from_saved_model(str(tmp_path / "export")).export_dir == path


def test_csv_input_function(rng, tmp_path):
    x, y = _regression_data(rng, 1000)
    path = tmp_path / "data.csv"
    with open(path, "w") as f:
        for i in range(1000):
            f.write("%d,%r,%r,%r\n" % (i, float(x["x1"][i]), float(x["x2"][i]), float(y[i])))
    cols = ["key", "x1", "x2", "y"]
    defaults = [[0], [0.0], [0.0], [0.0]]
    train = inputs.csv_input_fn(str(tmp_path / "*.csv"), cols, defaults, label_key="y", batch_size=32,
                                num_epochs=None, shuffle=True, skip_columns=["key"])
    batch = inputs.batches(inputs.csv_input_fn(str(path), cols, defaults, label_key="y", batch_size=1000))[0]
    np.testing.assert_allclose(batch["x1"], x["x1"])
    np.testing.assert_allclose(batch["label"], y)
    assert batch["key"].dtype == np.int64
    feature_columns = tf.estimator.fit_normalizers([fc.numeric_column("x1"), fc.numeric_column("x2")],
                                                   inputs.csv_input_fn(str(path), cols, defaults, label_key="y"))
    assert feature_columns[0].normalizer[0] == pytest.approx(float(np.mean(x["x1"])), abs=1e-4)
    est = tf.estimator.LinearRegressor(feature_columns=feature_columns)
    est.train(train, steps=1000)
    metrics = est.evaluate(inputs.csv_input_fn(str(path), cols, defaults, label_key="y"))
    assert metrics["rmse"] < 0.1 * np.std(y)
    with pytest.raises(tf.errors.NotFoundError):
        est.evaluate(inputs.csv_input_fn(str(tmp_path / "missing*.csv"), cols, defaults, label_key="y"))


def test_train_and_evaluate_keeps_the_best(rng):
    x, y = _regression_data(rng, 1000)
    est = tf.estimator.DNNRegressor([16], [fc.numeric_column("x1"), fc.numeric_column("x2")], optimizer="Adam")
    best, exports = tf.estimator.train_and_evaluate(
        est, tf.estimator.TrainSpec(inputs.numpy_input_fn(x, y, batch_size=50, num_epochs=None), max_steps=400),
        tf.estimator.EvalSpec(inputs.numpy_input_fn(x, y, shuffle=False), every_steps=100, metric="rmse"))
    history = est.train_and_evaluate_result["history"]
    assert [h["global_step"] for h in history] == [100, 200, 300, 400]
    assert best["rmse"] == min(h["rmse"] for h in history)
    assert exports == []


def test_input_errors():
    with pytest.raises(ValueError):
        inputs.numpy_input_fn({"a": np.zeros(3)}, np.zeros(4))
    est = tf.estimator.LinearRegressor([fc.numeric_column("a")])
    with pytest.raises(tf.errors.OpError, match="'a'"):
        est.train(inputs.numpy_input_fn({"b": np.zeros(3, np.float32)}, np.zeros(3)), steps=1)
