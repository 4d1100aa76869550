#!/usr/bin/env bash
# Builds tensorgraph and runs its whole test suite (GPU tests skip themselves without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${TG_BUILD_DIR:-build}"
# ctest runs tests side by side: OpenMP threads that spin while idle would starve each other.
export OMP_WAIT_POLICY=passive
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
