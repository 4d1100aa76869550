"""PyTorch peer of tg_train_bench: the same MLP workloads, Adam, the same loss, one fixed
random batch, timed the same way. Prints one JSON line."""
import argparse
import json
import time

import torch

from common import WORKLOADS, peak_rss_mb


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--batch", type=int, default=0)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    layers, batch, softmax = WORKLOADS[a.workload]
    batch = a.batch or batch
    mods = []
    for i in range(1, len(layers)):
        mods.append(torch.nn.Linear(layers[i - 1], layers[i]))
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, layers[0], generator=g)
    if softmax:
        y = torch.randint(0, layers[-1], (batch,), generator=g)
        loss_fn = torch.nn.CrossEntropyLoss()
    else:
        y = torch.randn(batch, layers[-1], generator=g)
        loss_fn = torch.nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    for _ in range(3):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < a.seconds:
        loss = step()
        n += 1
    t = (time.perf_counter() - start) / n
    weights = sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))
    sps = batch / t
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "workload": a.workload,
                      "batch": batch, "threads": a.threads, "ms_per_step": round(t * 1e3, 4),
                      "samples_per_s": round(sps, 1), "gflops": round(sps * 6 * weights / 1e9, 2),
                      "loss": round(loss.item(), 5), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
