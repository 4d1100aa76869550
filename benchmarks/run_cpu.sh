#!/usr/bin/env bash
# One command for the CPU benchmark table: builds tensorgraph, installs the peers (PyTorch)
# in a virtual environment under build/, runs the harness and writes benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
VENV="${TG_BENCH_VENV:-build/bench-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import torch" 2>/dev/null || "$VENV/bin/pip" install -q torch numpy
"$VENV/bin/python" benchmarks/harness.py --build "${TG_BUILD_DIR:-build}" "$@"
