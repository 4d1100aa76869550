"""Inference peers of `tg_train_bench --infer`: the same MLP forward pass in PyTorch (eval,
no_grad) and in onnxruntime (the PyTorch module exported to ONNX), per-call latency
percentiles and throughput. Prints one JSON line per engine."""
import argparse
import json
import os
import tempfile
import time

import numpy as np
import torch

from common import WORKLOADS, peak_rss_mb


def timed(fn, seconds):
    for _ in range(20):
        fn()
    lat, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - t)
    return sorted(lat), time.perf_counter() - start


def report(engine, a, batch, lat, total):
    print(json.dumps({"engine": engine, "workload": a.workload, "batch": batch, "threads": a.threads,
                      "p50_us": round(lat[len(lat) // 2] * 1e6, 1), "p99_us": round(lat[len(lat) * 99 // 100] * 1e6, 1),
                      "samples_per_s": round(batch * len(lat) / total, 1), "peak_rss_mb": peak_rss_mb()}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    layers, _, _ = WORKLOADS[a.workload]
    mods = []
    for i in range(1, len(layers)):
        mods.append(torch.nn.Linear(layers[i - 1], layers[i]))
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods).eval()
    x = torch.randn(a.batch, layers[0])
    with torch.no_grad():
        lat, total = timed(lambda: model(x), a.seconds)
    report(f"pytorch {torch.__version__} eager", a, a.batch, lat, total)

    import onnxruntime as ort
    path = os.path.join(tempfile.mkdtemp(), "mlp.onnx")
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, dynamo=False)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy()}
    lat, total = timed(lambda: sess.run(None, feed), a.seconds)
    report(f"onnxruntime {ort.__version__}", a, a.batch, lat, total)


if __name__ == "__main__":
    main()
