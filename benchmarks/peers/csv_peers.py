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
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    a = p.parse_args()
    mb = os.path.getsize(a.file) / 1e6
    dtypes = {n: np.float32 for n in NAMES[:-1]}
    dtypes["key"] = np.int64
    t, df = timed(lambda: pd.read_csv(a.file, header=None, names=NAMES, dtype=dtypes, engine="c"))
    print(json.dumps({"engine": f"pandas {pd.__version__} read_csv", "file_mb": round(mb, 1),
                      "rows": len(df), "seconds": round(t, 3), "mb_per_s": round(mb / t, 1)}))
    t, arr = timed(lambda: np.loadtxt(a.file, delimiter=",", dtype=np.float64))
    print(json.dumps({"engine": f"numpy {np.__version__} loadtxt", "file_mb": round(mb, 1),
                      "rows": len(arr), "seconds": round(t, 3), "mb_per_s": round(mb / t, 1)}))


if __name__ == "__main__":
    main()
