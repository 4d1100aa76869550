"""The GPU benchmark: tensorgraph against PyTorch eager and PyTorch with the step captured as a
CUDA graph, in one run on one card, plus cuBLAS's rate at the wide network's products (the
ceiling for that network). Writes benchmarks/results/gpu.md and gpu.json with the card, and
prints the table. Run by scripts/gpu_check.sh on a machine with a GPU.

    python benchmarks/gpu_bench.py --tg build-gpu/bundle/tg_train_bench [--seconds 3]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [("taxi-S", 512), ("taxi-S", 8192), ("wide", 4096)]


def run_json(cmd):
    """The last JSON line a benchmark program prints; None (and its error shown) if it fails,
    so that one failure leaves the rest of the table."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        if p.returncode == 0:
            return json.loads(p.stdout.strip().splitlines()[-1])
        print(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.strip()[-2000:]}", file=sys.stderr)
    except (subprocess.TimeoutExpired, ValueError, IndexError) as e:
        print(f"failed: {' '.join(cmd)}: {e}", file=sys.stderr)
    return None


def rate(result, key="samples_per_s"):
    return result[key] if result else None


def fmt(v):
    return f"{v:,.0f}" if v else "failed"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else ""


def card():
    info = {"gpu": "unknown GPU", "memory_gib": None, "cuda": "unknown", "pytorch": "unknown",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    try:
        import torch
        p = torch.cuda.get_device_properties(0)
        info.update(gpu=p.name, memory_gib=round(p.total_memory / 2**30, 1), cuda=torch.version.cuda,
                    pytorch=torch.__version__)
    except Exception as e:  # the table still says what ran, and where it could
        print(f"PyTorch cannot describe the GPU: {e}", file=sys.stderr)
    return info


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tg", required=True, help="the tg_train_bench program")
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    a = p.parse_args()
    peer = [sys.executable, os.path.join(HERE, "peers", "torch_gpu.py"), "--seconds", str(a.seconds)]
    rows = []
    for name, batch in CASES:
        common = ["--workload", name, "--batch", str(batch)]
        tg = run_json([a.tg, "--device", "gpu", "--seconds", str(a.seconds)] + common)
        eager = run_json(peer + common + ["--mode", "eager"])
        graph = run_json(peer + common + ["--mode", "graph"])
        row = {"workload": name, "batch": batch, "tensorgraph": rate(tg),
               "pytorch_eager": rate(eager), "pytorch_graph": rate(graph)}
        if name == "wide":
            blas = run_json(peer + common + ["--gemm"])
            row["cublas_ceiling"] = rate(blas, "ceiling_samples_per_s")
            row["cublas_tflops"] = blas["tflops"] if blas else None
        rows.append(row)
        print(json.dumps(row), flush=True)
    info = card()
    lines = [f"## GPU training throughput ({info['gpu']}, {info['date']})", "",
             f"CUDA {info['cuda']}, PyTorch {info['pytorch']}; full float32 on both sides (no TF32); "
             "each step copies its batch from page-locked host memory. Samples per second; ratios are "
             "tensorgraph over the peer.", "",
             "| workload | batch | tensorgraph | PyTorch eager | ratio | PyTorch CUDA graph | ratio | cuBLAS ceiling | share |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ceiling = share = ""
        if "cublas_ceiling" in r:
            ceiling = f"{fmt(r['cublas_ceiling'])} ({r['cublas_tflops']} TFLOP/s)" if r["cublas_ceiling"] else "failed"
            share = f"{r['tensorgraph'] / r['cublas_ceiling']:.0%}" if r["tensorgraph"] and r["cublas_ceiling"] else ""
        lines.append(f"| {r['workload']} | {r['batch']} | {fmt(r['tensorgraph'])} | {fmt(r['pytorch_eager'])} | "
                     f"{ratio(r['tensorgraph'], r['pytorch_eager'])} | {fmt(r['pytorch_graph'])} | "
                     f"{ratio(r['tensorgraph'], r['pytorch_graph'])} | {ceiling} | {share} |")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "gpu.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "gpu.json"), "w") as f:
        json.dump({"card": info, "rows": rows}, f, indent=1)
    if any(v is None for r in rows for v in r.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
