"""tg report, checked as a person would: a binary classifier and a regression are trained with
tg train, their reports hold the expected charts, and a headless Chromium screenshot of the
classification report shows them drawn.
Usage: report_check.py TG WORK_DIR
"""
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

tg, work = sys.argv[1], os.path.abspath(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
results = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok     " if ok else "FAILED ") + name + (f": {detail}" if detail else ""), flush=True)


rng = np.random.default_rng(0)
for split, n in (("train", 3000), ("valid", 1000)):
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0.8).astype(int)
    np.savetxt(os.path.join(work, f"binary-{split}.csv"), np.column_stack([x, y]), delimiter=",",
               header="a,b,c,label", comments="", fmt=["%.6f"] * 3 + ["%d"])
subprocess.run([tg, "train", "--train_data_paths", os.path.join(work, "binary-train.csv"), "--eval_data_paths",
                os.path.join(work, "binary-valid.csv"), "--output_dir", os.path.join(work, "binary"), "--header",
                "--label_column", "label", "--task", "binary", "--optimizer", "adam", "--hidden_units", "16",
                "--num_epochs", "5", "--eval_every_steps", "20"], check=True, capture_output=True)
subprocess.run([tg, "report", os.path.join(work, "binary")], check=True, capture_output=True)
html = open(os.path.join(work, "binary", "report.html")).read()
for chart in ("learning-curves", "eval-metric", "roc-curve", "pr-curve", "confusion-matrix"):
    check(f"binary report holds the {chart} chart", f'data-chart="{chart}"' in html)
check("binary report states the threshold's precision and recall", "At the threshold 0.5: precision" in html)
check("the report is self-contained (no scripts, nothing fetched)",
      "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html)

subprocess.run([tg, "generate-taxi", "--rows", "3000", "--output", os.path.join(work, "taxi.csv")], check=True, capture_output=True)
subprocess.run([tg, "split", os.path.join(work, "taxi.csv"), "--output_prefix", os.path.join(work, "taxi")], check=True,
               capture_output=True)
subprocess.run([tg, "train", "--train_data_paths", os.path.join(work, "taxi-train.csv"), "--eval_data_paths",
                os.path.join(work, "taxi-valid.csv"), "--output_dir", os.path.join(work, "taxi-model"), "--columns",
                "fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key:int64:skip", "--label_column",
                "fare_amount", "--num_epochs", "3", "--eval_every_steps", "10"], check=True, capture_output=True)
subprocess.run([tg, "report", os.path.join(work, "taxi-model")], check=True, capture_output=True)
html = open(os.path.join(work, "taxi-model", "report.html")).read()
for chart in ("learning-curves", "predicted-vs-actual", "residuals"):
    check(f"regression report holds the {chart} chart", f'data-chart="{chart}"' in html)

shot = os.path.join(work, "binary-report.png")
subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2400",
                f"--screenshot={shot}", "file://" + os.path.join(work, "binary", "report.html")],
               check=True, capture_output=True, timeout=120)
img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
non_white = (img.sum(axis=2) < 700).mean()
roc_red = ((abs(img[:, :, 0] - 0xd6) < 30) & (abs(img[:, :, 1] - 0x27) < 30) & (abs(img[:, :, 2] - 0x28) < 30)).sum()
line_blue = ((abs(img[:, :, 0] - 0x1f) < 30) & (abs(img[:, :, 1] - 0x77) < 30) & (abs(img[:, :, 2] - 0xb4) < 30)).sum()
check("the screenshot is not blank", non_white > 0.01, f"{non_white:.3f} of the pixels drawn")
check("the screenshot shows the ROC curve (red) and curves in blue", roc_red > 200 and line_blue > 200,
      f"{roc_red} red, {line_blue} blue pixels")

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
