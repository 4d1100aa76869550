#!/usr/bin/env python3
"""The taxi-fare lab from end to end in Python, as samples/taxi_fare.cpp runs it in C++ (and
the course with TensorFlow 1.x): clean and split the data; a distance heuristic as the
benchmark to beat; a LinearRegressor; a DNNRegressor on the five raw features; the DNN with
engineered features; the choice by validation RMSE; the test RMSE last.

    python samples/python/taxi_fare.py --generate 50000 --work_dir taxi-work
    python samples/python/taxi_fare.py --train taxi-train.csv --valid taxi-valid.csv --test taxi-test.csv

--check FILE compares the figures with a JSON of the C++ sample's (benchmarks/results/
main_job.json) and exits 1 when one differs by more than --tolerance RMSE."""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np

import tensorgraph.compat.v1 as tf
from tensorgraph import data

fc = tf.feature_column
FEATURES = ["pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers"]
COLUMNS = ["fare_amount"] + FEATURES + ["key"]
DEFAULTS = [[], [], [], [], [], [1.0], [0]]


def taxi_input(files, batch, epochs, shuffle):
    return tf.estimator.csv_input_fn(files, COLUMNS, DEFAULTS, label_key="fare_amount", batch_size=batch,
                                     num_epochs=epochs, shuffle=shuffle, shuffle_buffer_size=10000, seed=7,
                                     skip_columns=["key"])


def haversine_km(lon1, lat1, lon2, lat2):
    d = math.pi / 180
    dlat, dlon = (lat2 - lat1) * d, (lon2 - lon1) * d
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1 * d) * np.cos(lat2 * d) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def heuristic_km(b):
    """The course's distance: the great circle in degrees x 60 x 1.515 x 1.609344."""
    c = {k: b[k].astype(np.float64) for k in ("pickuplon", "pickuplat", "dropofflon", "dropofflat")}
    degrees = haversine_km(c["pickuplon"], c["pickuplat"], c["dropofflon"], c["dropofflat"]) / 6371.0 * 180 / math.pi
    return degrees * 60 * 1.515 * 1.609344


def heuristic_rmse(batches, rate):
    se = sum(float(np.sum((rate * heuristic_km(b) - b["label"].astype(np.float64)) ** 2)) for b in batches)
    return math.sqrt(se / sum(len(b["label"]) for b in batches))


def raw_columns(train_once):
    return tf.estimator.fit_normalizers([fc.numeric_column(f) for f in FEATURES], train_once)


def engineered_columns(train_once):
    """Longitude and latitude deltas and the euclidean distance, computed in the graph."""
    return tf.estimator.fit_normalizers(
        [fc.numeric_column(f) for f in FEATURES] + [
            fc.difference_column("londiff", "dropofflon", "pickuplon"),
            fc.difference_column("latdiff", "dropofflat", "pickuplat"),
            fc.euclidean_column("euclidean", ["pickuplon", "pickuplat", "dropofflon", "dropofflat"])],
        train_once)


def fit(name, estimator, train, valid, test, steps_per_epoch, epochs):
    best, _ = tf.estimator.train_and_evaluate(
        estimator, tf.estimator.TrainSpec(train, max_steps=steps_per_epoch * epochs),
        tf.estimator.EvalSpec(valid, every_steps=steps_per_epoch, metric="rmse", early_stopping_patience=15))
    test_rmse = estimator.evaluate(test, name="test")["rmse"]
    print("  %-34s best at step %6d: valid RMSE %.3f" % (name, best["global_step"], best["rmse"]), flush=True)
    return {"model": name, "valid_rmse": best["rmse"], "test_rmse": test_rmse, "best_step": best["global_step"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train")
    p.add_argument("--valid")
    p.add_argument("--test")
    p.add_argument("--generate", type=int, default=0, help="generate this many rides, then clean and split them")
    p.add_argument("--work_dir", default="taxi-work")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch_size", type=int, default=128)
    p.add_argument("--json", help="write the results as JSON here")
    p.add_argument("--check", help="a JSON of the C++ sample's results to compare with")
    p.add_argument("--tolerance", type=float, default=0.05)
    args = p.parse_args()
    tf.logging.set_verbosity(tf.logging.WARN)
    os.makedirs(args.work_dir, exist_ok=True)
    if args.generate > 0:
        raw = os.path.join(args.work_dir, "taxi-raw.csv")
        data.generate_taxi_csv(raw, rows=args.generate, dirty_fraction=0.02)
        paths, rows, _ = data.split_csv(raw, os.path.join(args.work_dir, "taxi"), taxi_filters=True)
        print("generated %d rides, kept %d after cleaning: %d train, %d valid, %d test"
              % (args.generate, sum(rows), rows[0], rows[1], rows[2]))
        args.train, args.valid, args.test = paths
    if not (args.train and args.valid and args.test):
        p.error("give --train, --valid and --test, or --generate N")

    train_once = taxi_input(args.train, 4096, 1, False)
    train = taxi_input(args.train, args.batch_size, None, True)
    valid, test = taxi_input(args.valid, 4096, 1, False), taxi_input(args.test, 4096, 1, False)
    train_batches = tf.estimator.inputs.batches(train_once)
    rows = sum(len(b["label"]) for b in train_batches)
    steps_per_epoch = (rows + args.batch_size - 1) // args.batch_size

    rate = sum(float(np.sum(b["label"].astype(np.float64))) for b in train_batches) / \
        sum(float(np.sum(heuristic_km(b))) for b in train_batches)
    results = [{"model": "distance heuristic", "best_step": 0,
                "valid_rmse": heuristic_rmse(tf.estimator.inputs.batches(valid), rate),
                "test_rmse": heuristic_rmse(tf.estimator.inputs.batches(test), rate)}]
    print("heuristic rate: $%.3f per km\ntraining (%d rows, %d steps per epoch, up to %d epochs):"
          % (rate, rows, steps_per_epoch, args.epochs), flush=True)

    def config(name):
        model_dir = os.path.join(args.work_dir, name)
        shutil.rmtree(model_dir, ignore_errors=True)
        return tf.estimator.RunConfig(model_dir=model_dir, save_checkpoints_steps=0, log_step_count_steps=100)

    results.append(fit("LinearRegressor, raw features",
                       tf.estimator.LinearRegressor(feature_columns=raw_columns(train_once), config=config("linear")),
                       train, valid, test, steps_per_epoch, args.epochs))
    for name, columns, folder in (("DNNRegressor [128 64 32], raw", raw_columns(train_once), "dnn_raw"),
                                  ("DNNRegressor [128 64 32], engineered", engineered_columns(train_once),
                                   "dnn_engineered")):
        est = tf.estimator.DNNRegressor(hidden_units=[128, 64, 32], feature_columns=columns,
                                        optimizer=tf.train.AdamOptimizer(learning_rate=0.001), config=config(folder))
        results.append(fit(name, est, train, valid, test, steps_per_epoch, args.epochs))

    best = min(results, key=lambda r: r["valid_rmse"])
    print("\n%-38s %12s %12s" % ("model", "valid RMSE", "test RMSE"))
    for r in results:
        print("%-38s %12.3f %12.3f" % (r["model"], r["valid_rmse"], r["test_rmse"]))
    print("\nchosen by validation RMSE: %s, test RMSE $%.2f" % (best["model"], best["test_rmse"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"models": results, "chosen": best["model"], "rows": args.generate}, f, indent=2)
    if args.check:
        with open(args.check) as f:
            reference = {m["model"]: m for m in json.load(f)["models"]}
        bad = []
        for r in results:
            ref = reference.get(r["model"])
            if ref is None:
                bad.append("%s: not in %s" % (r["model"], args.check))
                continue
            for key in ("valid_rmse", "test_rmse"):
                if abs(r[key] - ref[key]) > args.tolerance:
                    bad.append("%s %s: %.3f here, %.3f in C++" % (r["model"], key, r[key], ref[key]))
        if bad:
            print("differs from %s by more than %.2f RMSE:\n  %s" % (args.check, args.tolerance, "\n  ".join(bad)))
            return 1
        print("every figure within %.2f RMSE of %s" % (args.tolerance, args.check))
    return 0


if __name__ == "__main__":
    sys.exit(main())
