"""Peers of tg_csv_bench: pandas.read_csv (C engine) and numpy.loadtxt parsing the same taxi
file into numbers. Prints one JSON line per peer."""
import argparse
import json
import os
import time

import numpy as np
import pandas as pd

NAMES = ["fare_amount", "pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"]


def timed(fn):
    """Best of three: wall seconds, CPU seconds of all threads, and the result."""
    best = None
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        t = (time.perf_counter() - start, time.process_time() - cpu, result)
        if best is None or t[0] < best[0]:
            best = t
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    a = p.parse_args()
    mb = os.path.getsize(a.file) / 1e6
    dtypes = {n: np.float32 for n in NAMES[:-1]}
    dtypes["key"] = np.int64
    runs = [(f"pandas {pd.__version__} read_csv",
             lambda: pd.read_csv(a.file, header=None, names=NAMES, dtype=dtypes, engine="c")),
            (f"numpy {np.__version__} loadtxt", lambda: np.loadtxt(a.file, delimiter=",", dtype=np.float64))]
    for name, fn in runs:
        t, cpu, data = timed(fn)
        print(json.dumps({"engine": name, "file_mb": round(mb, 1), "rows": len(data),
                          "seconds": round(t, 3), "mb_per_s": round(mb / t, 1),
                          "cpu_seconds": round(cpu, 3), "mb_per_cpu_s": round(mb / cpu, 1)}))


if __name__ == "__main__":
    main()
