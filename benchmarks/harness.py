"""The CPU benchmark harness: runs tensorgraph and PyTorch on the same workloads, with the
same thread counts, in one run on this machine, measures the oneDNN matrix-product ceiling,
and writes the table (Markdown and JSON) under benchmarks/results/ with the machine's
description. Every figure in the table comes from this run.

    python benchmarks/harness.py --build build [--seconds 3] [--workloads taxi-S wide]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    dnnl = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libdnnl-dev"],
                          capture_output=True, text=True).stdout or "unknown"
    import torch
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_gib, 1),
            "os": platform.platform(), "onednn": dnnl, "pytorch": torch.__version__,
            "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--workloads", nargs="+", default=["taxi-S", "taxi-L", "digits-M", "wide"])
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    a = p.parse_args()
    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    peer = os.path.join(HERE, "peers", "torch_train.py")
    s = str(a.seconds)

    ceilings = {t: run_json([bench, "--gemm", "1024", "--threads", str(t), "--seconds", s])["gflops"]
                for t in a.threads}
    rows = []
    for w in a.workloads:
        for t in a.threads:
            ours = run_json([bench, "--workload", w, "--threads", str(t), "--seconds", s])
            torch_r = run_json([sys.executable, peer, "--workload", w, "--threads", str(t), "--seconds", s])
            for r in (ours, torch_r):
                r["fraction_of_ceiling"] = round(r["gflops"] / ceilings[t], 3)
            ours["ratio_to_peer"] = round(ours["samples_per_s"] / torch_r["samples_per_s"], 2)
            rows += [ours, torch_r]
            print(f"{w:9s} threads={t}  tensorgraph {ours['samples_per_s']:>12,.0f}/s  "
                  f"pytorch {torch_r['samples_per_s']:>12,.0f}/s  ratio {ours['ratio_to_peer']:.2f}",
                  flush=True)

    m = machine()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "cpu.json"), "w") as f:
        json.dump({"machine": m, "gemm_ceiling_gflops": ceilings, "results": rows}, f, indent=2)
    lines = [f"# CPU training throughput", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; oneDNN {m['onednn']}, "
             f"{m['pytorch'].join(['PyTorch ', ''])}; measured {m['date']}.", "",
             "Ceiling: oneDNN sgemm at 1024 x 1024 x 1024, measured in the same run: " +
             ", ".join(f"{v:.0f} GFLOP/s on {k} thread{'s' if k > 1 else ''}" for k, v in ceilings.items()) + ".",
             "Training FLOPs per sample are taken as 6 x weights.", "",
             "| workload | batch | threads | engine | samples/s | ms/step | GFLOP/s | of ceiling | tensorgraph / PyTorch |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['ratio_to_peer']:.2f}x" if "ratio_to_peer" in r else ""
        lines.append(f"| {r['workload']} | {r['batch']} | {r['threads']} | {r['engine']} | "
                     f"{r['samples_per_s']:,.0f} | {r['ms_per_step']:.3f} | {r['gflops']:.1f} | "
                     f"{100 * r['fraction_of_ceiling']:.0f}% | {ratio} |")
    with open(os.path.join(a.out, "cpu.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
