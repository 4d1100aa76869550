"""tensorgraph's event files read back with TensorBoard's own reader: the taxi sample trains
briefly with a model directory, and its train and eval runs hold the expected scalar tags,
steps and values, weight histograms and the graph.
Usage: tensorboard_check.py SAMPLE_TAXI_FARE WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

sample, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
subprocess.run([sample, "--generate", "10000", "--epochs", "10", "--work_dir", work, "--json",
                os.path.join(work, "results.json")], check=True, stdout=subprocess.DEVNULL)
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok     " if ok else "FAILED ") + name + (f": {detail}" if detail else ""), flush=True)


model_dir = os.path.join(work, "dnn_engineered")
train = EventAccumulator(os.path.join(model_dir, "train"), size_guidance={"scalars": 0, "histograms": 0})
train.Reload()
tags = train.Tags()
for tag in ("loss", "learning_rate", "examples_per_sec"):
    check(f"train scalar '{tag}' present", tag in tags["scalars"], str(tags["scalars"]))
loss = train.Scalars("loss")
check("train loss logged every 100 steps", [e.step for e in loss[:3]] == [100, 200, 300], str([e.step for e in loss[:3]]))
check("learning rate is the DNN's Adam rate", all(abs(e.value - 1e-3) < 1e-9 for e in train.Scalars("learning_rate")))
check("loss values are finite and positive", all(0 < e.value < 1e4 for e in loss))
check("weight histograms present", any("kernel" in t for t in tags["histograms"]), str(tags["histograms"][:4]))
check("the graph is present", tags["graph"])
graph = train.Graph()
check("the graph holds the dense layers", any("hiddenlayer_0" in n.name for n in graph.node), str(len(graph.node)))

evals = EventAccumulator(os.path.join(model_dir, "eval"), size_guidance={"scalars": 0})
evals.Reload()
for tag in ("rmse", "loss", "average_loss", "mae", "label/mean", "prediction/mean"):
    check(f"eval scalar '{tag}' present", tag in evals.Tags()["scalars"], str(evals.Tags()["scalars"]))
with open(os.path.join(work, "results.json")) as f:
    best = {m["model"]: m for m in json.load(f)["models"]}["DNNRegressor [128 64 32], engineered"]
rmse = {e.step: e.value for e in evals.Scalars("rmse")}
check("the best evaluation's rmse is in the eval run at its step",
      best["best_step"] in rmse and abs(rmse[best["best_step"]] - best["valid_rmse"]) < 1e-4,
      f"step {best['best_step']}: {rmse.get(best['best_step'])} vs {best['valid_rmse']}")

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
