"""PyTorch peer of the whole taxi training run from files: read the CSVs, standardize the five
raw features with the training statistics, train the [128, 64, 32] MLP with Adam (1e-3,
batch 128), evaluate every epoch, and report the seconds until the validation RMSE first
reaches the target. Prints one JSON line."""
import argparse
import json
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from common import peak_rss_mb  # noqa: E402

NAMES = ["fare_amount", "pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--target", type=float, required=True)
    p.add_argument("--max_epochs", type=int, default=60)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    tr, va = (pd.read_csv(f, header=None, names=NAMES) for f in (a.train, a.valid))
    cols = NAMES[1:6]
    mean, sd = tr[cols].mean(), tr[cols].std(ddof=0)
    x = torch.tensor(((tr[cols] - mean) / sd).values, dtype=torch.float32)
    y = torch.tensor(tr["fare_amount"].values, dtype=torch.float32)[:, None]
    xv = torch.tensor(((va[cols] - mean) / sd).values, dtype=torch.float32)
    yv = torch.tensor(va["fare_amount"].values, dtype=torch.float32)[:, None]
    model = torch.nn.Sequential(torch.nn.Linear(5, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    reached, best = None, float("inf")
    for epoch in range(a.max_epochs):
        for idx in torch.randperm(len(x)).split(128):
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            rmse = torch.sqrt(torch.nn.functional.mse_loss(model(xv), yv)).item()
        best = min(best, rmse)
        if rmse <= a.target:
            reached = time.perf_counter() - start
            break
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "seconds_to_target": reached and round(reached, 3),
                      "epochs": epoch + 1,
                      "best_valid_rmse": round(best, 4), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
