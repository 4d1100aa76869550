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
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def card():
    import torch
    p = torch.cuda.get_device_properties(0)
    return {"gpu": p.name, "memory_gib": round(p.total_memory / 2**30, 1), "cuda": torch.version.cuda,
            "pytorch": torch.__version__,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


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
        row = {"workload": name, "batch": batch, "tensorgraph": tg["samples_per_s"],
               "pytorch_eager": eager["samples_per_s"], "pytorch_graph": graph["samples_per_s"]}
        if name == "wide":
            blas = run_json(peer + common + ["--gemm"])
            row["cublas_ceiling"] = blas["ceiling_samples_per_s"]
            row["cublas_tflops"] = blas["tflops"]
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
        ceiling = f"{r['cublas_ceiling']:,.0f} ({r['cublas_tflops']} TFLOP/s)" if "cublas_ceiling" in r else ""
        share = f"{r['tensorgraph'] / r['cublas_ceiling']:.0%}" if "cublas_ceiling" in r else ""
        lines.append(f"| {r['workload']} | {r['batch']} | {r['tensorgraph']:,.0f} | {r['pytorch_eager']:,.0f} | "
                     f"{r['tensorgraph'] / r['pytorch_eager']:.2f}x | {r['pytorch_graph']:,.0f} | "
                     f"{r['tensorgraph'] / r['pytorch_graph']:.2f}x | {ceiling} | {share} |")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "gpu.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "gpu.json"), "w") as f:
        json.dump({"card": info, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
