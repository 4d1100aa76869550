"""The ONNX export beside the engine: a taxi DNN with normalized and derived features is trained
and exported by tg (with each of four hidden activations), converted by tg export-onnx, loaded
by onnxruntime, and its predictions on the test rows match tg predict's (from the export)
within 1e-5 relative.
Usage: onnx_check.py TG WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnxruntime as ort

tg, work = sys.argv[1], os.path.abspath(sys.argv[2])
spec = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "specs", "taxi_engineered.json")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def run(*args):
    subprocess.run([tg, *args], check=True, capture_output=True)


run("generate-taxi", "--rows", "4000", "--output", f"{work}/all.csv")
run("split", f"{work}/all.csv", "--output_prefix", f"{work}/taxi")
names = ["fare_amount", "pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"]
rows = np.loadtxt(f"{work}/taxi-test.csv", delimiter=",")
with open(f"{work}/test-header.csv", "w") as f:
    f.write(",".join(names) + "\n")
    f.write(open(f"{work}/taxi-test.csv").read())


def check(activation):
    """Trains with the hidden activation, exports, converts; onnxruntime against tg predict."""
    d = f"{work}/{activation}"
    run("train", "--train_data_paths", f"{work}/taxi-train.csv", "--eval_data_paths", f"{work}/taxi-valid.csv",
        "--output_dir", f"{d}/model", "--spec", spec, "--num_epochs", "3", "--eval_every_steps", "20",
        "--activation", activation, "--export_dir", f"{d}/export")
    run("export-onnx", "--model_dir", f"{d}/export", "--output", f"{d}/model.onnx")
    out = subprocess.run([tg, "predict", "--model_dir", f"{d}/export", "--input", f"{work}/test-header.csv",
                          "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    ours = np.array([json.loads(line)["predictions"] for line in out.splitlines() if line.strip()], dtype=np.float64)
    sess = ort.InferenceSession(f"{d}/model.onnx", providers=["CPUExecutionProvider"])
    feeds = {i.name: rows[:, names.index(i.name)].astype(np.float32) for i in sess.get_inputs()}
    theirs = sess.run(["predictions"], feeds)[0].astype(np.float64)
    rel = np.max(np.abs(theirs - ours) / np.maximum(1e-6, np.abs(ours)))
    ok = len(ours) == len(rows) and rel <= 1e-5
    print(f"{'ok    ' if ok else 'FAILED'} {activation}: onnxruntime matches tensorgraph on {len(ours)} rows: "
          f"max relative difference {rel:.2e}")
    return ok


# relu is ONNX's own op; gelu (tanh form), gelu_erf and silu are composed from other ONNX ops.
results = [check(a) for a in ["relu", "gelu", "gelu_erf", "silu"]]
passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
