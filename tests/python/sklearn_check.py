"""tensorgraph's estimators and metrics beside scikit-learn's, on data sets scikit-learn ships.

1. breast cancer (binary): a DNNClassifier reaches ROC AUC >= 0.98 on a held-out split, and its
   accuracy, precision, recall, AUC and confusion matrix agree with scikit-learn's functions
   computed on the same predictions;
2. handwritten digits (10 classes, softmax): accuracy >= 0.96, confusion matrix agrees;
3. a regression: the mean squared error agrees.
4. the digits sample reads the file scikit-learn ships and reaches accuracy >= 0.96.
Usage: sklearn_check.py CLASSIFY_CSV_BINARY WORK_DIR [SAMPLE_DIGITS]
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn import datasets, metrics
from sklearn.model_selection import train_test_split

helper, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok     " if ok else "FAILED ") + name + (f": {detail}" if detail else ""), flush=True)


def run(name, x, y, task, n_classes=2, epochs=40):
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0,
                                              stratify=y if task != "regression" else None)
    paths = {k: os.path.join(work, f"{name}-{k}") for k in ("train.csv", "test.csv", "pred.csv", "metrics.json")}
    header = ",".join([f"f{i}" for i in range(x.shape[1])] + ["label"])
    fmt = ["%.10g"] * x.shape[1] + ["%d" if task != "regression" else "%.10g"]
    for path, xs, ys in ((paths["train.csv"], x_tr, y_tr), (paths["test.csv"], x_te, y_te)):
        np.savetxt(path, np.column_stack([xs, ys]), delimiter=",", header=header, comments="", fmt=fmt)
    subprocess.run([helper, "--train", paths["train.csv"], "--test", paths["test.csv"], "--task", task,
                    "--n_classes", str(n_classes), "--predictions", paths["pred.csv"],
                    "--metrics", paths["metrics.json"], "--epochs", str(epochs)], check=True)
    pred = np.genfromtxt(paths["pred.csv"], delimiter=",", names=True)
    with open(paths["metrics.json"]) as f:
        ours = json.load(f)
    return y_te, pred, ours


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(b))


# 1. Binary: breast cancer.
data = datasets.load_breast_cancer()
y, pred, ours = run("breast_cancer", data.data, data.target, "binary")
m = ours["metrics"]
cls, prob = pred["class_id"].astype(int), pred["probability"]
check("breast cancer: ROC AUC >= 0.98", m["auc"] >= 0.98, f"{m['auc']:.4f}")
for name, theirs in (("accuracy", metrics.accuracy_score(y, cls)), ("precision", metrics.precision_score(y, cls)),
                     ("recall", metrics.recall_score(y, cls)), ("auc", metrics.roc_auc_score(y, prob))):
    # Probabilities went through 6-digit text; AUC depends only on their order.
    check(f"breast cancer: {name} agrees with scikit-learn", close(m[name], theirs, 1e-4),
          f"tensorgraph {m[name]:.6f}, scikit-learn {theirs:.6f}")
check("breast cancer: confusion matrix agrees",
      ours["confusion"] == metrics.confusion_matrix(y, cls).tolist(), str(ours["confusion"]))

# 2. Ten classes: handwritten digits.
data = datasets.load_digits()
y, pred, ours = run("digits", data.data, data.target, "multiclass", n_classes=10, epochs=60)
m = ours["metrics"]
cls = pred["class_id"].astype(int)
check("digits: accuracy >= 0.96", m["accuracy"] >= 0.96, f"{m['accuracy']:.4f}")
check("digits: accuracy agrees with scikit-learn", close(m["accuracy"], metrics.accuracy_score(y, cls)))
check("digits: confusion matrix agrees", ours["confusion"] == metrics.confusion_matrix(y, cls).tolist())

# 3. Regression.
x, y = datasets.make_regression(n_samples=1500, n_features=8, noise=5.0, random_state=0)
y, pred, ours = run("regression", x, y, "regression", epochs=30)
theirs = metrics.mean_squared_error(y, pred["value"])
check("regression: mean squared error agrees with scikit-learn", close(ours["metrics"]["mse"], theirs, 1e-4),
      f"tensorgraph {ours['metrics']['mse']:.4f}, scikit-learn {theirs:.4f}")

# 4. The digits sample on the file the package ships.
if len(sys.argv) > 3:
    shipped = os.path.join(os.path.dirname(datasets.__file__), "data", "digits.csv.gz")
    out = subprocess.run([sys.argv[3], "--data", shipped], check=True, capture_output=True, text=True).stdout
    acc = float(out.split("test accuracy ")[1].split("%")[0]) / 100
    check("digits sample: test accuracy >= 0.96", acc >= 0.96, f"{acc:.4f}")

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
