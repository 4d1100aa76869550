"""The README's figures, generated from recorded results, never typed by hand.

Two blocks of README.md are rendered here:
  * the main job's table, from benchmarks/results/main_job.json (what `scripts/main.sh` printed,
    recorded with `readme_tables.py record-main-job build/taxi-sample/results.json`);
  * the benchmark tables, from benchmarks/results/cpu.md and cpu.json (written by
    benchmarks/harness.py, which calls `update` itself), with the inference ratios computed.

    python3 scripts/readme_tables.py update            # rewrite both blocks of README.md
    python3 scripts/readme_tables.py check             # exit 1 when README.md differs from them
    python3 scripts/readme_tables.py record-main-job build/taxi-sample/results.json
"""
import datetime
import json
import os
import platform
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")
README = os.path.join(ROOT, "README.md")
MAIN_BLOCK = ("<!-- main job table: begin -->", "<!-- main job table: end -->")
BENCH_BLOCK = ("<!-- benchmark tables: begin -->", "<!-- benchmark tables: end -->")


def main_job_block(results):
    lines = ["```", f"{'model':<38} {'valid RMSE':>12} {'test RMSE':>12} {'best step':>10}"]
    for m in results["models"]:
        step = "-" if m.get("best_step") is None else str(m["best_step"])
        lines.append(f"{m['model']:<38} {m['valid_rmse']:12.3f} {m['test_rmse']:12.3f} {step:>10}")
    lines += ["```", "", f"Recorded on {results['machine']} ({results['date']}); "
              f"{results['rows']:,} generated rides."]
    return "\n".join(lines)


def inference_ratios(cpu):
    """One sentence per batch size: each peer's p50 latency as a multiple of tensorgraph's."""
    out = []
    for batch in sorted({r["batch"] for r in cpu.get("inference", [])}):
        rows = [r for r in cpu["inference"] if r["batch"] == batch]
        ours = next((r for r in rows if r["engine"] == "tensorgraph"), None)
        if not ours or ours["p50_us"] <= 0:
            continue
        peers = [f"{r['engine']} {r['p50_us'] / ours['p50_us']:.1f}x" for r in rows if r is not ours]
        out.append(f"At batch {batch}, each peer's p50 latency as a multiple of tensorgraph's: {', '.join(peers)}.")
    return out


def bench_block(cpu_md, cpu):
    lines = cpu_md.rstrip("\n").split("\n")[2:]  # without the title and its blank line
    body = []
    for i, line in enumerate(lines):
        body.append(line.replace("## ", "#### ", 1) if line.startswith("## ") else line)
        # The ratios go under the inference table (its last row precedes the first blank line).
        if line.startswith("## Inference"):
            at = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("|"))
            end = next((j for j in range(at, len(lines)) if not lines[j].startswith("|")), len(lines))
            lines[end:end] = [""] + inference_ratios(cpu)
    return "\n".join(body)


def replace_block(text, markers, body):
    begin, end = markers
    if begin not in text or end not in text:
        sys.exit(f"README.md lacks the markers {begin} ... {end}")
    return text[:text.index(begin) + len(begin)] + "\n" + body + "\n" + text[text.index(end):]


def rendered(text):
    with open(os.path.join(RESULTS, "main_job.json")) as f:
        text = replace_block(text, MAIN_BLOCK, main_job_block(json.load(f)))
    with open(os.path.join(RESULTS, "cpu.md")) as f, open(os.path.join(RESULTS, "cpu.json")) as g:
        text = replace_block(text, BENCH_BLOCK, bench_block(f.read(), json.load(g)))
    return text


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def machine():
    return f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()}"


def update_readme():
    with open(README) as f:
        text = f.read()
    with open(README, "w") as f:
        f.write(rendered(text))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("update", "check", "record-main-job"):
        sys.exit(__doc__)
    if sys.argv[1] == "record-main-job":
        with open(sys.argv[2]) as f:
            results = json.load(f)
        results["machine"] = machine()
        results["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        with open(os.path.join(RESULTS, "main_job.json"), "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
        sys.argv[1] = "update"
    with open(README) as f:
        text = f.read()
    new = rendered(text)
    if sys.argv[1] == "update":
        with open(README, "w") as f:
            f.write(new)
        return
    if new != text:
        print("README.md differs from the recorded results: run `python3 scripts/readme_tables.py update`")
        a, b = text.splitlines(), new.splitlines()
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                print(f"line {i + 1}:\n  README:   {x}\n  recorded: {y}")
                break
        sys.exit(1)
    print("README.md matches the recorded results")


if __name__ == "__main__":
    main()
