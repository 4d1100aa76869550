"""Shared by the Python peers: the workloads (as tg_train_bench defines them) and memory."""

WORKLOADS = {
    "taxi-S": ([6, 128, 64, 32, 1], 512, False),
    "taxi-L": ([6, 1024, 512, 256, 1], 1024, False),
    "digits-M": ([64, 512, 256, 10], 256, True),
    "wide": ([1024, 1024, 1024, 1024, 1], 1024, False),
}


def peak_rss_mb():
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def time_windows(step, seconds, reps):
    """Times `step` over `reps` windows of `seconds` each, after a warm-up; returns the median
    seconds per step and the fastest and slowest windows' (every engine is measured this way:
    2-thread figures on a shared machine vary between windows)."""
    import time
    for _ in range(3):
        step()
    per_step = []
    for _ in range(reps):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            step()
            n += 1
        per_step.append((time.perf_counter() - start) / n)
    per_step.sort()
    return per_step[len(per_step) // 2], per_step[0], per_step[-1]
