#!/usr/bin/env bash
# Builds tensorgraph and runs its whole test suite (GPU tests skip themselves without a GPU).
#   scripts/test.sh             the release build in build/ and every test
#   scripts/test.sh --sanitize  a clang build in build-sanitize/ with AddressSanitizer and UBSan
#                               (every report fatal), the libFuzzer targets of every loader run
#                               for a few seconds each, and every test but the Python checks
set -euo pipefail
cd "$(dirname "$0")/.."
# ctest runs tests side by side: OpenMP threads that spin while idle would starve each other.
export OMP_WAIT_POLICY=passive
if [ "${1:-}" = "--sanitize" ]; then
  export TG_BUILD_DIR="${TG_SANITIZE_BUILD_DIR:-build-sanitize}"
  export CC=clang CXX=clang++
  export TG_CMAKE_ARGS="-DTG_SANITIZE=address,undefined -DTG_FUZZ=ON -DTG_CUDA=OFF -DTG_BUILD_BENCHMARKS=OFF"
  scripts/setup.sh
  cd "$TG_BUILD_DIR"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # The Python checks drive the same binaries through pip-installed peers: the release run
  # covers them, and under the sanitizers they would only be slower.
  ctest --output-on-failure --parallel "$(nproc)" --timeout 1800 \
    -E '^(sklearn_datasets_and_metrics|tensorboard_reads_event_files|tg_report_charts_and_screenshot|onnx_export_matches_onnxruntime)$'
  exit 0
fi
scripts/setup.sh
cd "${TG_BUILD_DIR:-build}"
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
