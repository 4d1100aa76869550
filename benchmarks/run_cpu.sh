#!/usr/bin/env bash
# One command for the CPU benchmark tables: builds tensorgraph, installs the peers in virtual
# environments under build/ (PyTorch, onnxruntime, pandas; TensorFlow 2.15 in its own, since
# it pins an older numpy), runs the harness and writes benchmarks/results/cpu.md and cpu.json.
# Arguments go to benchmarks/harness.py (e.g. --seconds 3, --sections train csv).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${TG_BUILD_DIR:-build}"
if ! command -v wrk >/dev/null; then  # the serving load test's client
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
VENV="$BUILD_DIR/bench-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import torch, onnxruntime, onnx, pandas" 2>/dev/null ||
  "$VENV/bin/pip" install -q torch numpy pandas onnx onnxruntime
TF_VENV="$BUILD_DIR/bench-venv-tf"
[ -x "$TF_VENV/bin/python" ] || python3 -m venv "$TF_VENV"
TF_ARGS=()
# The tf.estimator peer reads the taxi files with pandas; TensorFlow 2.15 refuses numpy 2, which
# a newer pandas would pull in.
if "$TF_VENV/bin/python" -c "import tensorflow, pandas" 2>/dev/null ||
   "$TF_VENV/bin/pip" install -q "tensorflow-cpu==2.15.1" "pandas<2.2" "numpy<2"; then
  TF_ARGS=(--tf_python "$TF_VENV/bin/python")
else
  echo "tensorflow-cpu 2.15 could not be installed: the Keras peer is left out" >&2
fi
"$VENV/bin/python" benchmarks/harness.py --build "$BUILD_DIR" "${TF_ARGS[@]}" "$@"
