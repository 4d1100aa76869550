"""PyTorch DistributedDataParallel peer of `mpirun -np N tg_train_bench --distributed`: the
same MLP workloads, Adam, the same loss, the workload's batch split over N processes on this
machine, gradients all-reduced by DDP's buckets over the gloo backend (CPU), timed the same way
(a fixed number of steps on every rank, the slowest rank's time). Also the step time of the
same per-rank batch without DDP. Prints one JSON line."""
import argparse
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from common import WORKLOADS, peak_rss_mb
from torch_common import mlp, random_batch


def timed(step, seconds, rank_sync):
    """Seconds per step over a step count every rank agrees on."""
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(5):
        step()
    probe = (time.perf_counter() - t0) / 5
    n = torch.tensor([max(10, int(seconds / max(probe, 1e-7)))])
    rank_sync(n, dist.ReduceOp.MAX)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(int(n.item())):
        step()
    t = torch.tensor([(time.perf_counter() - t0) / int(n.item())], dtype=torch.float64)
    rank_sync(t, dist.ReduceOp.MAX)
    return t.item()


def worker(rank, a, out):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(a.port)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=a.ranks)
    layers, batch, softmax = WORKLOADS[a.workload]
    local = a.batch or max(1, batch // a.ranks)
    x, y, loss_fn = random_batch(layers, local, softmax, seed=1 + rank)
    sync = lambda t, op: dist.all_reduce(t, op=op)

    def step_of(model, opt):
        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        return step

    torch.manual_seed(1)
    alone = mlp(layers)
    compute = timed(step_of(alone, torch.optim.Adam(alone.parameters(), lr=1e-3)), a.seconds, sync)
    torch.manual_seed(1)
    ddp = torch.nn.parallel.DistributedDataParallel(mlp(layers), bucket_cap_mb=a.bucket_mb)
    t = timed(step_of(ddp, torch.optim.Adam(ddp.parameters(), lr=1e-3)), a.seconds, sync)
    if rank == 0:
        weights = sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))
        out.put({"engine": f"pytorch {torch.__version__} DDP gloo", "workload": a.workload, "ranks": a.ranks,
                 "threads": a.threads, "batch_per_rank": local, "global_batch": local * a.ranks,
                 "ms_per_step": round(t * 1e3, 4), "compute_ms_per_step": round(compute * 1e3, 4),
                 "samples_per_s": round(local * a.ranks / t, 1), "gradient_bytes": weights * 4,
                 "peak_rss_mb": peak_rss_mb()})
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=0, help="per rank (default: the workload's, split)")
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--bucket_mb", type=float, default=25, help="DDP's bucket_cap_mb (its default: 25)")
    p.add_argument("--port", type=int, default=0, help="the rendezvous port (0: a free one)")
    a = p.parse_args()
    if a.port == 0:  # a fixed port can still be held (TIME_WAIT) by the previous run
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            a.port = sock.getsockname()[1]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    mp.spawn(worker, args=(a, out), nprocs=a.ranks, join=True)
    print(json.dumps(out.get()))


if __name__ == "__main__":
    main()
