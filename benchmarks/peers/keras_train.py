"""TensorFlow/Keras peer of tg_train_bench: the same MLP workloads, Adam, the same loss, one
fixed random batch, train_on_batch timed the same way. Prints one JSON line."""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from common import WORKLOADS, peak_rss_mb, time_windows  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=1)
    a = p.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    layers, batch, softmax = WORKLOADS[a.workload]
    model = tf.keras.Sequential([tf.keras.Input(shape=(layers[0],))] +
                                [tf.keras.layers.Dense(u, activation="relu") for u in layers[1:-1]] +
                                [tf.keras.layers.Dense(layers[-1])])
    loss = (tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True) if softmax
            else tf.keras.losses.MeanSquaredError())
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=loss)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, layers[0])).astype(np.float32)
    y = (rng.integers(0, layers[-1], size=(batch,)) if softmax
         else rng.normal(size=(batch, layers[-1])).astype(np.float32))
    last = []

    def step():
        last[:] = [model.train_on_batch(x, y)]

    t, fastest, slowest = time_windows(step, a.seconds, a.reps)
    last = last[0]
    weights = sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))
    sps = batch / t
    print(json.dumps({"engine": f"tensorflow {tf.__version__} keras", "workload": a.workload, "batch": batch,
                      "threads": a.threads, "ms_per_step": round(t * 1e3, 4), "samples_per_s": round(sps, 1),
                      "spread": [round(batch / slowest, 1), round(batch / fastest, 1)],
                      "gflops": round(sps * 6 * weights / 1e9, 2), "loss": round(float(last), 5),
                      "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
