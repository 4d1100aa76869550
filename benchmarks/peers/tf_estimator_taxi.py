"""TensorFlow 2.15 tf.estimator peer of the whole taxi training run from files, the API
tensorgraph's estimators follow: a DNNRegressor [128, 64, 32] on the five raw features
(standardized by normalizer_fn with the training statistics), Adam 1e-3, batch 128, trained
an epoch at a time and evaluated after each; seconds until the validation RMSE first reaches
the target. Prints one JSON line."""
import argparse
import json
import os
import tempfile
import time

start = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from common import peak_rss_mb  # noqa: E402

NAMES = ["fare_amount", "pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"]
FEATURES = NAMES[1:6]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--target", type=float, required=True)
    p.add_argument("--max_epochs", type=int, default=60)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    tf.get_logger().setLevel("ERROR")
    tr, va = (pd.read_csv(f, header=None, names=NAMES) for f in (a.train, a.valid))
    stats = {c: (float(tr[c].mean()), float(tr[c].std(ddof=0))) for c in FEATURES}
    columns = [tf.feature_column.numeric_column(c, normalizer_fn=lambda x, m=stats[c][0], s=stats[c][1]: (x - m) / s)
               for c in FEATURES]
    session = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=a.threads, inter_op_parallelism_threads=1)
    # Each train() call ends with a checkpoint that the next evaluate() and train() start from.
    config = tf.estimator.RunConfig(model_dir=tempfile.mkdtemp(), session_config=session, log_step_count_steps=100000)
    est = tf.estimator.DNNRegressor(hidden_units=[128, 64, 32], feature_columns=columns, config=config,
                                    optimizer=lambda: tf.keras.optimizers.legacy.Adam(1e-3))

    def input_fn(df, shuffle):
        def fn():
            ds = tf.data.Dataset.from_tensor_slices((dict(df[FEATURES].astype("float32")), df["fare_amount"].astype("float32")))
            return (ds.shuffle(len(df), seed=0) if shuffle else ds).batch(128)
        return fn

    reached, best, epoch = None, float("inf"), 0
    for epoch in range(1, a.max_epochs + 1):
        est.train(input_fn(tr, True))
        rmse = est.evaluate(input_fn(va, False))["average_loss"] ** 0.5
        best = min(best, rmse)
        if rmse <= a.target:
            reached = time.perf_counter() - start
            break
    print(json.dumps({"engine": f"tensorflow {tf.__version__} tf.estimator", "seconds_to_target":
                      reached and round(reached, 3), "epochs": epoch, "best_valid_rmse": round(best, 4),
                      "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
