"""PyTorch peer of `tg_train_bench --device gpu`: the same MLP workloads, Adam, the same loss,
one fixed batch copied from page-locked host memory to the GPU every step (as a session feed
is), timed until the GPU has finished. Modes: eager, or the whole step captured as a CUDA graph
(torch.cuda.graph) and replayed. `--gemm` instead measures cuBLAS (torch.mm, full float32) at
the products of one training step of a workload. Prints one JSON line."""
import argparse
import json
import time

import torch

from common import WORKLOADS


def make(layers, batch, softmax):
    mods = []
    for i in range(1, len(layers)):
        mods.append(torch.nn.Linear(layers[i - 1], layers[i]))
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods).cuda()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, layers[0], generator=g).pin_memory()
    if softmax:
        y = torch.randint(0, layers[-1], (batch,), generator=g).pin_memory()
        loss_fn = torch.nn.CrossEntropyLoss()
    else:
        y = torch.randn(batch, layers[-1], generator=g).pin_memory()
        loss_fn = torch.nn.MSELoss()
    return model, x, y, loss_fn


def timed(step, seconds):
    for _ in range(5):
        step()
    torch.cuda.synchronize()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            step()
        n += 10
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / n


def train(a):
    layers, batch, softmax = WORKLOADS[a.workload]
    batch = a.batch or batch
    model, x, y, loss_fn = make(layers, batch, softmax)
    gx, gy = torch.empty_like(x, device="cuda"), torch.empty_like(y, device="cuda")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=a.mode == "graph")

    def eager():
        gx.copy_(x, non_blocking=True)
        gy.copy_(y, non_blocking=True)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(gx), gy)
        loss.backward()
        opt.step()

    step = eager
    if a.mode == "graph":
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                eager()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            loss = loss_fn(model(gx), gy)
            loss.backward()
            opt.step()

        def replay():
            gx.copy_(x, non_blocking=True)
            gy.copy_(y, non_blocking=True)
            graph.replay()

        step = replay
    t = timed(step, a.seconds)
    weights = sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))
    print(json.dumps({"engine": f"pytorch {torch.__version__} {a.mode}", "workload": a.workload,
                      "batch": batch, "ms_per_step": round(t * 1e3, 4),
                      "samples_per_s": round(batch / t, 1),
                      "gflops": round(batch / t * 6 * weights / 1e9, 1)}))


def gemm(a):
    """cuBLAS at the products of one training step: forward x W, and backward dY W^T, x^T dY."""
    layers, batch, _ = WORKLOADS[a.workload]
    batch = a.batch or batch
    mats = []
    for i in range(1, len(layers)):
        k, n = layers[i - 1], layers[i]
        x, w, dy = (torch.randn(batch, k, device="cuda"), torch.randn(k, n, device="cuda"),
                    torch.randn(batch, n, device="cuda"))
        mats.append((x, w, dy))

    def step():
        for x, w, dy in mats:
            torch.mm(x, w)
            torch.mm(dy, w.t())
            torch.mm(x.t(), dy)

    t = timed(step, a.seconds)
    flops = sum(6 * batch * x.shape[1] * w.shape[1] for x, w, _ in mats)
    print(json.dumps({"engine": f"cublas via pytorch {torch.__version__}", "workload": a.workload,
                      "batch": batch, "tflops": round(flops / t / 1e12, 2),
                      "ceiling_samples_per_s": round(batch / t, 1)}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--batch", type=int, default=0)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--mode", choices=["eager", "graph"], default="eager")
    p.add_argument("--gemm", action="store_true")
    a = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False  # full float32, as tensorgraph computes
    torch.backends.cudnn.allow_tf32 = False
    gemm(a) if a.gemm else train(a)


if __name__ == "__main__":
    main()
