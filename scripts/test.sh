#!/usr/bin/env bash
# Builds tensorgraph and runs its whole test suite (GPU tests skip themselves without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${TG_BUILD_DIR:-build}"
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
