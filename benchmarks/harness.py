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
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
import readme_tables  # noqa: E402  (the README's generated blocks, and the CPU's name)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_peer(cmd, engine, **row):
    """A peer's JSON line, or a row saying why it failed: a peer that fails never ends the run."""
    try:
        return run_json(cmd)
    except (subprocess.CalledProcessError, ValueError, IndexError, OSError) as e:
        err = getattr(e, "stderr", "") or str(e)
        why = (err.strip().splitlines() or ["failed"])[-1][:160]
        print(f"  {engine} failed: {why}", flush=True)
        return dict(row, engine=engine, error=why)


def torch_peers(a, w, t, precision="f32"):
    """PyTorch in its three CPU configurations: eager, fused Adam, torch.compile with fused Adam."""
    peer = os.path.join(HERE, "peers", "torch_train.py")
    return [run_peer([sys.executable, peer, "--workload", w, "--threads", str(t), "--seconds", str(a.seconds),
                      "--reps", str(a.reps), "--mode", mode, "--precision", precision],
                     f"pytorch ({mode}{', bf16 autocast' if precision == 'bf16' else ''})",
                     workload=w, threads=t, precision=precision)
            for mode in ("eager", "fused", "compiled")]


def ok(rows):
    return [r for r in rows if "error" not in r]


def machine():
    model = readme_tables.cpu_model()
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
    p.add_argument("--reps", type=int, default=3, help="measurement windows per engine (median reported)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--workloads", nargs="+", default=["taxi-S", "taxi-L", "digits-M", "wide"])
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--sections", nargs="+", default=ALL_SECTIONS, choices=list(SECTIONS))
    p.add_argument("--mpirun", default="mpirun", help="the MPI launcher (distributed section)")
    p.add_argument("--tf_python", default="", help="a Python with TensorFlow 2.15 for the Keras peer")
    a = p.parse_args()
    m = machine()
    os.makedirs(a.out, exist_ok=True)
    report = {"machine": m}
    lines = [f"# CPU benchmarks", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; oneDNN {m['onednn']}, "
             f"PyTorch {m['pytorch']}; measured {m['date']}. Every figure below comes from one run of "
             "`benchmarks/run_cpu.sh`.", ""]
    for name in SECTIONS:
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
    # The README shows the latest tables between its markers, rendered from these files.
    readme_tables.update_readme()


def spread(r):
    lo, hi = r.get("spread", [r["samples_per_s"]] * 2)
    return f"{lo:,.0f}-{hi:,.0f}"


def train_row(r, engine=None, extra=()):
    """A training table's row; `extra` are cells between peak MB and the ratio to the best peer."""
    ratio = f"{r['ratio_to_peer']:.2f}x" if "ratio_to_peer" in r else ""
    if "error" in r:
        return f"| {r['workload']} | | {r['threads']} | {r['engine']} | failed: {r['error']} |" + " |" * (6 + len(extra))
    cells = [r["workload"], r["batch"], r["threads"], engine or r["engine"], f"{r['samples_per_s']:,.0f}", spread(r),
             f"{r['ms_per_step']:.3f}", f"{r['gflops']:.1f}", f"{100 * r['fraction_of_ceiling']:.0f}%",
             f"{r.get('peak_rss_mb', 0):.0f}", *extra, ratio]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def train_section(a, report):
    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    s = str(a.seconds)

    ceilings = {t: run_json([bench, "--gemm", "1024", "--threads", str(t), "--seconds", s])["gflops"]
                for t in a.threads}
    rows = []
    for w in a.workloads:
        for t in a.threads:
            ours = run_json([bench, "--workload", w, "--threads", str(t), "--seconds", s, "--reps", str(a.reps)])
            peers = torch_peers(a, w, t)
            if a.tf_python:
                peers.append(run_peer([a.tf_python, os.path.join(HERE, "peers", "keras_train.py"), "--workload", w,
                                       "--threads", str(t), "--seconds", s, "--reps", str(a.reps)],
                                      "tensorflow keras", workload=w, threads=t))
            for r in [ours] + ok(peers):
                r["fraction_of_ceiling"] = round(r["gflops"] / ceilings[t], 3)
            best_peer = max(ok(peers), key=lambda r: r["samples_per_s"], default=None)
            if best_peer:
                ours["ratio_to_peer"] = round(ours["samples_per_s"] / best_peer["samples_per_s"], 2)
            rows += [ours] + peers
            print(f"{w:9s} threads={t}  tensorgraph {ours['samples_per_s']:>12,.0f}/s  best peer "
                  f"{best_peer['samples_per_s'] if best_peer else 0:>12,.0f}/s  ratio {ours.get('ratio_to_peer', 0):.2f}",
                  flush=True)

    report["gemm_ceiling_gflops"] = ceilings
    report["training"] = rows
    lines = ["## Training throughput", "",
             "Ceiling: oneDNN sgemm at 1024 x 1024 x 1024, measured in the same run: " +
             ", ".join(f"{v:.0f} GFLOP/s on {k} thread{'s' if k > 1 else ''}" for k, v in ceilings.items()) + ".",
             "Training FLOPs per sample are taken as 6 x weights; no engine computes the input's gradient, so "
             "a network whose first layer holds most weights (wide) can show slightly over 100%. "
             f"Each engine's samples/s is the median of {a.reps} windows of {a.seconds:g} s, with the slowest and "
             "fastest windows beside it; PyTorch runs in its three CPU configurations (eager; eager with fused "
             "Adam; the step compiled with torch.compile, with fused Adam), and the ratio is taken against the "
             "fastest peer.", "",
             "| workload | batch | threads | engine | samples/s | spread | ms/step | GFLOP/s | of ceiling | peak MB | tensorgraph / best peer |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [train_row(r) for r in rows]
    return lines + [""]


def bf16_section(a, report):
    """Training with bf16 products (f32 accumulation and weights) against float32, on the
    workloads whose products dominate, beside PyTorch's CPU bf16 autocast."""
    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    s, t = str(a.seconds), max(a.threads)
    ceil = {p: run_json([bench, "--gemm", "1024", "--threads", str(t), "--seconds", s, "--precision", p])["gflops"]
            for p in ("f32", "bf16")}
    rows = []
    for w in [w for w in ("taxi-L", "digits-M", "wide") if w in a.workloads]:
        f32 = run_json([bench, "--workload", w, "--threads", str(t), "--seconds", s, "--reps", str(a.reps)])
        bf16 = run_json([bench, "--workload", w, "--threads", str(t), "--seconds", s, "--reps", str(a.reps),
                         "--precision", "bf16"])
        bf16["speedup_over_f32"] = round(bf16["samples_per_s"] / f32["samples_per_s"], 2)
        peers = torch_peers(a, w, t, "bf16")
        for r in [f32, bf16] + ok(peers):
            r["fraction_of_ceiling"] = round(r["gflops"] / ceil[r.get("precision", "f32")], 3)
        best_peer = max(ok(peers), key=lambda r: r["samples_per_s"], default=None)
        if best_peer:
            bf16["ratio_to_peer"] = round(bf16["samples_per_s"] / best_peer["samples_per_s"], 2)
        rows += [f32, bf16] + peers
        print(f"{w:9s} bf16 {bf16['samples_per_s']:>12,.0f}/s  f32 {f32['samples_per_s']:>12,.0f}/s  "
              f"speed-up {bf16['speedup_over_f32']:.2f}x", flush=True)
    report["bf16_gemm_ceiling_gflops"] = ceil
    report["bf16_training"] = rows
    lines = ["## bf16 training", "",
             f"`--precision bf16`: matrix products with bf16 inputs and f32 accumulation, weights and optimizer "
             f"state in f32, against the same engine in f32, on {t} threads. Ceilings in the same run: oneDNN "
             f"sgemm {ceil['f32']:.0f} GFLOP/s, oneDNN bf16 matmul {ceil['bf16']:.0f} GFLOP/s (1024 x 1024 x 1024; "
             "each row's share is of its own precision's ceiling). PyTorch runs under CPU bf16 autocast.", "",
             "| workload | batch | threads | engine | samples/s | spread | ms/step | GFLOP/s | of ceiling | peak MB | bf16 / f32 | tensorgraph / best peer |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ours_bf16 = r.get("precision") == "bf16" and r["engine"] == "tensorgraph"
        up = f"{r['speedup_over_f32']:.2f}x" if "speedup_over_f32" in r else ""
        lines.append(train_row(r, r["engine"] + (" (bf16)" if ours_bf16 else ""), [up]))
    # Also on its own (benchmarks/harness.py --sections bf16), for the README's bf16 figures.
    m = report["machine"]
    head = ["# bf16 training benchmarks", "",
            f"Machine: {m['cpu']}, {m['cores']} cores; oneDNN {m['onednn']}, PyTorch {m['pytorch']}; measured "
            f"{m['date']} by `benchmarks/harness.py --sections bf16`.", ""]
    with open(os.path.join(a.out, "bf16.json"), "w") as f:
        json.dump({"machine": m, "gemm_ceiling_gflops": ceil, "training": rows}, f, indent=2)
    with open(os.path.join(a.out, "bf16.md"), "w") as f:
        f.write("\n".join(head + lines[2:]) + "\n")
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


def wrk(port, body_path, seconds, connections=8):
    """Runs wrk against :predict with a JSON body; returns requests/s, p50/p99 ms, errors, requests."""
    lua = body_path + ".lua"
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f'local f = io.open("{body_path}", "r")\nwrk.body = f:read("*a")\nf:close()\n')
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua, "--latency",
                          f"http://127.0.0.1:{port}/v1/models/taxi:predict"], check=True, capture_output=True,
                         text=True).stdout

    def ms(label):
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == label:
                v = parts[1]
                return float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
        return None
    rps = next(float(l.split()[1]) for l in out.splitlines() if l.startswith("Requests/sec"))
    total = next(int(l.split()[0]) for l in out.splitlines() if "requests in" in l)
    errors = sum(int(l.split()[-1]) for l in out.splitlines() if l.strip().startswith("Non-2xx"))
    errors += sum(int(x) for l in out.splitlines() if "Socket errors" in l for x in l.replace(",", "").split()[3::2])
    return {"requests_per_s": rps, "p50_ms": ms("50%"), "p99_ms": ms("99%"), "errors": errors, "requests": total}


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) / 1024 for l in f if l.startswith("VmRSS:"))


def serve_section(a, report):
    """tg serve under wrk on loopback (1 and 100 rows a request), memory over a million requests,
    beside the same model run by onnxruntime in-process."""
    work = os.path.join(a.build, "bench-data", "serve")
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    tg = os.path.join(a.build, "tools", "tg")
    run = lambda *args: subprocess.run([tg, *args], check=True, capture_output=True)
    run("generate-taxi", "--rows", "20000", "--output", f"{work}/all.csv")
    run("split", f"{work}/all.csv", "--output_prefix", f"{work}/taxi")
    spec = os.path.join(os.path.dirname(HERE), "samples", "specs", "taxi_engineered.json")
    run("train", "--train_data_paths", f"{work}/taxi-train.csv", "--eval_data_paths", f"{work}/taxi-valid.csv",
        "--output_dir", f"{work}/model", "--spec", spec, "--optimizer", "adam", "--num_epochs", "2",
        "--export_dir", f"{work}/export")
    run("export-onnx", "--model_dir", f"{work}/export", "--output", f"{work}/model.onnx")
    row = {"pickuplon": -73.98, "pickuplat": 40.75, "dropofflon": -73.95, "dropofflat": 40.78, "passengers": 1}
    bodies = {}
    for n in (1, 100):
        bodies[n] = f"{work}/body-{n}.json"
        with open(bodies[n], "w") as f:
            json.dump({"instances": [row] * n}, f)
    server = subprocess.Popen([tg, "serve", "--model_dir", f"{work}/export", "--model_name", "taxi", "--port", "0"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    port = int(server.stdout.readline().split("127.0.0.1:")[1].split("/")[0])
    rows = []
    try:
        for n in (1, 100):
            r = wrk(port, bodies[n], 10)
            r.update({"engine": "tg serve (REST, JSON)", "rows_per_request": n})
            rows.append(r)
        before = rss_mb(server.pid)
        # Sized for a million requests at the measured rate, with a margin: the soak runs slower.
        seconds = int(min(300, max(30, 1_250_000 / max(rows[0]["requests_per_s"], 1))))
        soak = wrk(port, bodies[1], seconds)
        after = rss_mb(server.pid)
        soak.update({"rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1), "seconds": seconds})
    finally:
        server.terminate()
        server.wait(timeout=30)
    ref = subprocess.run([sys.executable, "-c", ONNX_REFERENCE, f"{work}/model.onnx"], check=True, capture_output=True,
                         text=True).stdout
    refs = [json.loads(l) for l in ref.splitlines() if l.startswith("{")]
    report["serving"] = {"wrk": rows, "soak": soak, "onnxruntime_in_process": refs}
    lines = ["## Serving (tg serve under wrk on loopback)", "",
             "The taxi DNN with engineered features, exported and served by `tg serve`; wrk with 2 threads and 8 "
             "connections for 10 s, one request body repeated. The reference is the same model (its ONNX export) run "
             "by onnxruntime in-process, with no HTTP or JSON.", "",
             "| rows a request | engine | requests/s | p50 latency (ms) | p99 latency (ms) | errors |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['rows_per_request']} | {r['engine']} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.3f} | "
                     f"{r['p99_ms']:.3f} | {r['errors']} |")
    for r in refs:
        lines.append(f"| {r['rows']} | {r['engine']} | {r['calls_per_s']:,.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | 0 |")
    lines += ["", f"Soak: {soak['requests']:,} requests of one row in {soak['seconds']} s, {soak['errors']} errors; the "
              f"server's resident memory went from {soak['rss_before_mb']} MB to {soak['rss_after_mb']} MB.", ""]
    return lines


ONNX_REFERENCE = """
import json, sys, time
import numpy as np, onnxruntime as ort
so = ort.SessionOptions(); so.intra_op_num_threads = 1
s = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
row = {"pickuplon": -73.98, "pickuplat": 40.75, "dropofflon": -73.95, "dropofflat": 40.78, "passengers": 1.0}
for n in (1, 100):
    feeds = {i.name: np.full((n,), row[i.name], dtype=np.float32) for i in s.get_inputs()}
    for _ in range(100): s.run(None, feeds)
    lat, start = [], time.perf_counter()
    while time.perf_counter() - start < 3:
        t = time.perf_counter(); s.run(None, feeds); lat.append(time.perf_counter() - t)
    lat.sort()
    print(json.dumps({"engine": f"onnxruntime {ort.__version__} in-process", "rows": n, "calls_per_s": len(lat) / 3,
                      "p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[len(lat) * 99 // 100] * 1e3}))
"""


def distributed_section(a, report):
    """All-reduce latency and bandwidth (OSU-style, MPI on this machine), and data-parallel
    training: 1 rank x 2 threads against 2 ranks x 1 thread at the same global batch, beside
    PyTorch (one process, and DDP over gloo). Written to results/distributed.{md,json}, which
    docs/distributed.md's scaling model reads."""
    mpirun = [a.mpirun, "--oversubscribe", "--bind-to", "none", "-x", "OMP_NUM_THREADS=1"]
    load_before = os.getloadavg()[0]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

    def run_lines(cmd):
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        return [json.loads(l) for l in out.splitlines() if l.startswith("{")]

    # On a shared machine other processes take cores now and then: each figure is the best of
    # `repeats` runs (the fastest all-reduce per size, the fastest run per configuration).
    repeats = 3
    reduce_bench = os.path.join(a.build, "benchmarks", "tg_allreduce_bench")
    allreduce = None
    for _ in range(repeats):
        runs = run_lines(mpirun + ["-np", "2", reduce_bench, "--seconds", str(min(a.seconds, 1.0))])
        allreduce = runs if allreduce is None else [min(x, y, key=lambda r: r["latency_us"])
                                                    for x, y in zip(allreduce, runs)]

    def best(run):
        return max((run() for _ in range(repeats)), key=lambda r: r["samples_per_s"])

    bench = os.path.join(a.build, "benchmarks", "tg_train_bench")
    s = str(a.seconds)
    rows = []
    for w in [w for w in a.workloads if w != "digits-M"] or ["taxi-S", "taxi-L", "wide"]:
        one = best(lambda: run_json([bench, "--workload", w, "--threads", "2", "--seconds", s]))
        one.update(ranks=1, global_batch=one["batch"], batch_per_rank=one["batch"])
        two = best(lambda: run_lines(mpirun + ["-np", "2", bench, "--workload", w, "--distributed", "--threads", "1",
                                               "--seconds", s])[-1])
        torch_one = best(lambda: run_json([sys.executable, os.path.join(HERE, "peers", "torch_train.py"), "--workload",
                                           w, "--threads", "2", "--seconds", s]))
        torch_one.update(ranks=1, global_batch=torch_one["batch"], batch_per_rank=torch_one["batch"])
        ddp = best(lambda: run_json([sys.executable, os.path.join(HERE, "peers", "torch_ddp.py"), "--workload", w,
                                     "--ranks", "2", "--threads", "1", "--seconds", s]))
        rows += [one, two, torch_one, ddp]
        print(f"{w:7s} tensorgraph 1x2 {one['samples_per_s']:>10,.0f}/s  2x1 {two['samples_per_s']:>10,.0f}/s   "
              f"pytorch 1x2 {torch_one['samples_per_s']:>10,.0f}/s  DDP 2x1 {ddp['samples_per_s']:>10,.0f}/s",
              flush=True)
    report["allreduce"] = allreduce
    report["data_parallel"] = rows
    # Other work on the machine shows in the load average (runnable processes; the cores: m['cores']).
    load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    lines = ["## All-reduce (MPI, 2 ranks on this machine)", "",
             "OSU-style: the mean time of one all-reduce (sum of float32) and the bus bandwidth, "
             "2 (n-1)/n x bytes / time.", "",
             "| bytes | latency (us) | bus bandwidth (GB/s) |", "|---|---|---|"]
    for r in allreduce:
        lines.append(f"| {r['bytes']:,} | {r['latency_us']:.1f} | {r['busbw_gbps']:.2f} |")
    lines += ["", "## Data-parallel training (CPU)", "",
              "The same global batch on 1 process x 2 threads and 2 processes x 1 thread (the batch split, "
              "gradients all-reduced each step); compute = the same per-process step without the all-reduce. "
              "Each figure is the best of 3 runs.", "",
              "| workload | engine | ranks x threads | global batch | ms/step | compute ms/step | samples/s |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        compute = f"{r['compute_ms_per_step']:.3f}" if "compute_ms_per_step" in r else ""
        lines.append(f"| {r['workload']} | {r['engine']} | {r['ranks']} x {r['threads']} | {r['global_batch']} | "
                     f"{r['ms_per_step']:.3f} | {compute} | {r['samples_per_s']:,.0f} |")
    lines.append("")
    head = [f"# Distributed training benchmarks", "",
            f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores; PyTorch "
            f"{report['machine']['pytorch']}; measured {report['machine']['date']} by "
            f"`benchmarks/harness.py --sections distributed`; the load average was {load[0]} before and "
            f"{load[1]} after" + (" (above the cores the benchmark itself keeps busy: other work shared them, and "
                                 "the figures are slower and noisier than the machine's)."
                                 if max(load) > report["machine"]["cores"] + 0.5 else
                                 " (about the cores the benchmark itself keeps busy)."), ""]
    with open(os.path.join(a.out, "distributed.json"), "w") as f:
        json.dump({"machine": report["machine"], "load_average": load, "allreduce": allreduce, "data_parallel": rows},
                  f, indent=2)
    with open(os.path.join(a.out, "distributed.md"), "w") as f:
        f.write("\n".join(head + lines) + "\n")
    return lines


SECTIONS = {"train": train_section, "bf16": bf16_section, "infer": infer_section, "csv": csv_section, "taxi": taxi_section,
            "micro": micro_section, "serve": serve_section, "distributed": distributed_section}
# A full run (the README's tables); the distributed section runs on its own (--sections distributed).
ALL_SECTIONS = [k for k in SECTIONS if k != "distributed"]


if __name__ == "__main__":
    main()
