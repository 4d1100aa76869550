"""PyTorch peer of tg_train_bench: the same MLP workloads, Adam, the same loss, one fixed
random batch, timed the same way (the median of --reps windows). --mode picks PyTorch's CPU
configuration: eager with the default Adam, eager with fused Adam, or the training step
compiled with torch.compile (and fused Adam); --precision bf16 runs the forward and backward
under CPU autocast to bfloat16 (weights and Adam stay float32). Prints one JSON line."""
import argparse
import json

import torch

from common import WORKLOADS, peak_rss_mb, time_windows
from torch_common import mlp, random_batch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--batch", type=int, default=0)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--mode", choices=["eager", "fused", "compiled"], default="eager")
    p.add_argument("--precision", choices=["f32", "bf16"], default="f32")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    layers, batch, softmax = WORKLOADS[a.workload]
    batch = a.batch or batch
    model = mlp(layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=a.mode != "eager")
    x, y, loss_fn = random_batch(layers, batch, softmax, seed=1)

    def forward_backward():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    if a.mode == "compiled":
        forward_backward = torch.compile(forward_backward)
    last = []

    def step():
        opt.zero_grad(set_to_none=True)
        loss = forward_backward()
        opt.step()
        last[:] = [loss.detach()]

    t, fastest, slowest = time_windows(step, a.seconds, a.reps)
    weights = sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))
    sps = batch / t
    label = {"eager": "eager", "fused": "eager, fused Adam", "compiled": "torch.compile, fused Adam"}[a.mode]
    if a.precision == "bf16":
        label += ", bf16 autocast"
    print(json.dumps({"engine": f"pytorch {torch.__version__} ({label})", "workload": a.workload,
                      "batch": batch, "threads": a.threads, "precision": a.precision,
                      "ms_per_step": round(t * 1e3, 4), "samples_per_s": round(sps, 1),
                      "spread": [round(batch / slowest, 1), round(batch / fastest, 1)],
                      "gflops": round(sps * 6 * weights / 1e9, 2),
                      "loss": round(last[0].float().item(), 5), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
