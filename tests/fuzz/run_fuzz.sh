#!/usr/bin/env bash
# Runs one libFuzzer target for a few seconds from its seeds, in a fresh working corpus.
# Usage: run_fuzz.sh TARGET WORK_DIR SECONDS [SEED_DIR ...]
# Exits non-zero (with libFuzzer's report and the crashing input saved in WORK_DIR) on any
# crash, sanitizer report, timeout or out-of-memory.
set -euo pipefail
target="$1" work="$2" seconds="$3"
shift 3
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
for seeds in "$@"; do
  if [ -d "$seeds" ]; then cp "$seeds"/* "$work/corpus/" 2>/dev/null || true; fi
done
# -rss_limit_mb: a loader that allocates what a hostile input asks for is a failure too.
"$target" -max_total_time="$seconds" -seed=1 -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log.txt" 2>&1 || {
  tail -n 60 "$work/log.txt"
  exit 1
}
tail -n 2 "$work/log.txt"
