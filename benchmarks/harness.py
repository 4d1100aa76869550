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
import time

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
    p.add_argument("--sections", nargs="+", default=ALL_SECTIONS, choices=ALL_SECTIONS)
    p.add_argument("--tf_python", default="", help="a Python with TensorFlow 2.15 for the Keras peer")
    a = p.parse_args()
    m = machine()
    os.makedirs(a.out, exist_ok=True)
    report = {"machine": m}
    lines = [f"# CPU benchmarks", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; oneDNN {m['onednn']}, "
             f"PyTorch {m['pytorch']}; measured {m['date']}. Every figure below comes from one run of "
             "`benchmarks/run_cpu.sh`.", ""]
    for name in ALL_SECTIONS:
        if name in a.sections:
            lines += SECTIONS[name](a, report)
    print("\n".join(lines))
    if set(a.sections) != set(ALL_SECTIONS):
        print("(a partial run: benchmarks/results/ is left as it was)")
        return
    with open(os.path.join(a.out, "cpu.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(a.out, "cpu.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # The README shows the latest tables between its markers, copied here, never typed in.
    readme = os.path.join(os.path.dirname(HERE), "README.md")
    text = open(readme).read()
    begin, end = "<!-- benchmark tables: begin -->", "<!-- benchmark tables: end -->"
    if begin in text and end in text:
        body = "\n".join(l.replace("## ", "#### ", 1) if l.startswith("## ") else l for l in lines[2:])
        text = text[:text.index(begin) + len(begin)] + "\n" + body + "\n" + text[text.index(end):]
        open(readme, "w").write(text)


def train_section(a, report):
    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    peer = os.path.join(HERE, "peers", "torch_train.py")
    s = str(a.seconds)

    ceilings = {t: run_json([bench, "--gemm", "1024", "--threads", str(t), "--seconds", s])["gflops"]
                for t in a.threads}
    rows = []
    for w in a.workloads:
        for t in a.threads:
            ours = run_json([bench, "--workload", w, "--threads", str(t), "--seconds", s])
            peers = [run_json([sys.executable, peer, "--workload", w, "--threads", str(t), "--seconds", s])]
            if a.tf_python:
                peers.append(run_json([a.tf_python, os.path.join(HERE, "peers", "keras_train.py"), "--workload", w,
                                       "--threads", str(t), "--seconds", s]))
            for r in [ours] + peers:
                r["fraction_of_ceiling"] = round(r["gflops"] / ceilings[t], 3)
            best_peer = max(peers, key=lambda r: r["samples_per_s"])
            ours["ratio_to_peer"] = round(ours["samples_per_s"] / best_peer["samples_per_s"], 2)
            rows += [ours] + peers
            print(f"{w:9s} threads={t}  tensorgraph {ours['samples_per_s']:>12,.0f}/s  best peer "
                  f"{best_peer['samples_per_s']:>12,.0f}/s  ratio {ours['ratio_to_peer']:.2f}", flush=True)

    report["gemm_ceiling_gflops"] = ceilings
    report["training"] = rows
    lines = ["## Training throughput", "",
             "Ceiling: oneDNN sgemm at 1024 x 1024 x 1024, measured in the same run: " +
             ", ".join(f"{v:.0f} GFLOP/s on {k} thread{'s' if k > 1 else ''}" for k, v in ceilings.items()) + ".",
             "Training FLOPs per sample are taken as 6 x weights; no engine computes the input's gradient, so "
             "a network whose first layer holds most weights (wide) can show slightly over 100%.", "",
             "| workload | batch | threads | engine | samples/s | ms/step | GFLOP/s | of ceiling | peak MB | tensorgraph / best peer |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['ratio_to_peer']:.2f}x" if "ratio_to_peer" in r else ""
        lines.append(f"| {r['workload']} | {r['batch']} | {r['threads']} | {r['engine']} | "
                     f"{r['samples_per_s']:,.0f} | {r['ms_per_step']:.3f} | {r['gflops']:.1f} | "
                     f"{100 * r['fraction_of_ceiling']:.0f}% | {r.get('peak_rss_mb', 0):.0f} | {ratio} |")
    return lines + [""]


def csv_section(a, report):
    data = os.path.join(a.build, "bench-data")
    os.makedirs(data, exist_ok=True)
    tg = os.path.join(a.build, "tools", "tg")
    small, big = os.path.join(data, "taxi-2m.csv"), os.path.join(data, "taxi-18m.csv")
    for path, rows in ((small, 2_000_000), (big, 18_000_000)):
        if not os.path.exists(path):
            subprocess.run([tg, "generate-taxi", "--rows", str(rows), "--output", path], check=True,
                           capture_output=True)
    bench = os.path.join(a.build, "benchmarks", "tg_csv_bench")
    ours = max((run_json([bench, "--file", small]) for _ in range(3)), key=lambda r: r["mb_per_s"])
    out = subprocess.run([sys.executable, os.path.join(HERE, "peers", "csv_peers.py"), "--file", small],
                         check=True, capture_output=True, text=True).stdout
    peers = [json.loads(line) for line in out.strip().splitlines()]
    stream = run_json([bench, "--file", big, "--shuffle_buffer", "10000", "--prefetch", "2"])
    report["csv"] = {"parse": [ours] + peers, "stream": stream}
    lines = ["## CSV pipeline", "",
             f"Parsing the 7 taxi columns of a generated {ours['file_mb']:.0f} MB file into numbers, best of 3 "
             "(tensorgraph: the whole dataset pipeline on one thread, batches of 8192). Per core is MB over "
             "the CPU seconds of all the process's threads: pandas' reader uses more than one.", "",
             "| engine | MB/s (wall) | CPU seconds | MB/s per core | tensorgraph per-core speed-up |",
             "|---|---|---|---|---|"]
    for r in [ours] + peers:
        lines.append(f"| {r['engine']} | {r['mb_per_s']:.0f} | {r['cpu_seconds']:.2f} | "
                     f"{r['mb_per_cpu_s']:.0f} | {ours['mb_per_cpu_s'] / r['mb_per_cpu_s']:.1f}x |")
    lines += ["", f"Streaming a {stream['file_mb']:.0f} MB file with a 10,000-row shuffle buffer and 2 prefetched "
              f"batches: {stream['mb_per_s']:.0f} MB/s, peak resident memory {stream['peak_rss_mb']:.0f} MB "
              f"for the whole process.", ""]
    return lines


def infer_section(a, report):
    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    rows = []
    for batch in (1, 8192):
        ours = run_json([bench, "--workload", "taxi-S", "--infer", "--batch", str(batch), "--threads", "1",
                         "--seconds", str(a.seconds)])
        out = subprocess.run([sys.executable, os.path.join(HERE, "peers", "infer_peers.py"), "--workload", "taxi-S",
                              "--batch", str(batch), "--threads", "1", "--seconds", str(a.seconds)],
                             check=True, capture_output=True, text=True).stdout
        rows += [ours] + [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]
    report["inference"] = rows
    lines = ["## Inference (taxi-S, one thread)", "",
             "| batch | engine | p50 latency (us) | p99 latency (us) | samples/s | peak MB |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['batch']} | {r['engine']} | {r['p50_us']:.1f} | {r['p99_us']:.1f} | "
                     f"{r['samples_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |")
    return lines + [""]


def taxi_section(a, report):
    """The whole taxi run from files: seconds until the validation RMSE first reaches 4.3."""
    data = os.path.join(os.path.dirname(HERE), "..", "shared", "data", "taxi")
    if not os.path.exists(os.path.join(data, "taxi-train.csv")):
        return ["## Taxi training run", "", "(skipped: no ../shared/data/taxi beside the project)", ""]
    target, out = 4.3, os.path.join(a.build, "bench-data", "taxi-run")
    subprocess.run(["rm", "-rf", out], check=True)
    tg = os.path.join(a.build, "tools", "tg")
    start = time.perf_counter()
    subprocess.run([tg, "train", "--train_data_paths", os.path.join(data, "taxi-train.csv"), "--eval_data_paths",
                    os.path.join(data, "taxi-valid.csv"), "--output_dir", out, "--columns",
                    "fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key:int64:skip",
                    "--label_column", "fare_amount", "--optimizer", "adam", "--learning_rate", "0.001",
                    "--batch_size", "128", "--hidden_units", "128 64 32", "--num_epochs", "60",
                    "--eval_every_steps", "58"], check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    total = time.perf_counter() - start
    with open(os.path.join(out, "history.json")) as f:
        evals = json.load(f)["eval"]
    hit = next((e for e in evals if e["metrics"]["rmse"] <= target), None)
    # The process's start-up and the statistics pass happen before train_and_evaluate's clock.
    startup = total - evals[-1]["seconds"] if evals else 0
    ours = {"engine": "tensorgraph (tg train)", "seconds_to_target": hit and round(hit["seconds"] + startup, 3),
            "epochs": hit and hit["step"] // 58, "best_valid_rmse": round(min(e["metrics"]["rmse"] for e in evals), 4)}
    peer = run_json([sys.executable, os.path.join(HERE, "peers", "torch_taxi.py"), "--train",
                     os.path.join(data, "taxi-train.csv"), "--valid", os.path.join(data, "taxi-valid.csv"),
                     "--target", str(target)])
    runs = [ours, peer]
    if a.tf_python:
        runs.append(run_json([a.tf_python, os.path.join(HERE, "peers", "tf_estimator_taxi.py"), "--train",
                              os.path.join(data, "taxi-train.csv"), "--valid", os.path.join(data, "taxi-valid.csv"),
                              "--target", str(target)]))
    report["taxi_run"] = runs
    lines = ["## The taxi training run from files", "",
             f"`../shared/data/taxi`: DNN [128, 64, 32] on the five raw features (standardized), Adam 1e-3, batch 128, "
             f"evaluated every epoch; seconds from the start of the process until the validation RMSE first reaches "
             f"{target} (one thread). tensorgraph's run goes on to its early stop, the peers stop at the target.", "",
             "| engine | seconds to RMSE <= 4.3 | epochs to get there | best validation RMSE of its run |",
             "|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['engine']} | {r['seconds_to_target']} | {r['epochs']} | {r['best_valid_rmse']} |")
    return lines + [""]


def micro_section(a, report):
    bench = os.path.join(a.build, "benchmarks", "tg_kernel_bench")
    out = subprocess.run([bench, "--benchmark_format=json", "--benchmark_min_time=0.2"], check=True,
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout
    runs = json.loads(out)["benchmarks"]
    report["micro"] = runs
    lines = ["## Micro-benchmarks (Google Benchmark, one thread, through a session)", "",
             "| benchmark | time per run (us) | elements/s or note |", "|---|---|---|"]
    for r in runs:
        note = f"{r['items_per_second']:,.0f} elements/s" if "items_per_second" in r else ""
        if "GFLOP/s" in r:
            note += (", " if note else "") + f"{r['GFLOP/s']:.0f} GFLOP/s"
        if "ns_per_op" in r:
            note = f"{r['ns_per_op'] * 1e9:.0f} ns per op"
        lines.append(f"| {r['name']} | {r['real_time'] / 1e3 if r['time_unit'] == 'ns' else r['real_time']:.2f} | {note} |")
    return lines + [""]


SECTIONS = {"train": train_section, "infer": infer_section, "csv": csv_section, "taxi": taxi_section,
            "micro": micro_section}
ALL_SECTIONS = list(SECTIONS)


if __name__ == "__main__":
    main()
