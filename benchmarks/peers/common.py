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
