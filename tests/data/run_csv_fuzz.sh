#!/usr/bin/env bash
# Builds the CSV fuzz target with clang (libFuzzer, AddressSanitizer, UBSan) and runs it for a
# few seconds from the malformed-file corpus. Usage: run_csv_fuzz.sh BUILD_DIR [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$1"
seconds="${2:-5}"
mkdir -p "$out/corpus"
cp "$root"/tests/data/malformed/*.csv "$out/corpus/"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" "$root/tests/data/csv_fuzz.cpp" "$root/data/csv.cpp" "$root/data/line_reader.cpp" \
  "$root/base/dtype.cpp" -o "$out/csv_fuzz"
"$out/csv_fuzz" -max_total_time="$seconds" -seed=1 -timeout=5 "$out/corpus" 2>&1 | tail -n 3
