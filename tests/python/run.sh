#!/usr/bin/env bash
# Runs a Python interop check in a virtual environment under the build directory, installing
# its packages with pip on first use. Usage: run.sh BUILD_DIR SCRIPT ARGS...
set -euo pipefail
build="$1"
shift
venv="$build/test-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import sklearn, numpy, tensorboard, PIL, onnxruntime" 2>/dev/null ||
  "$venv/bin/pip" install -q scikit-learn numpy tensorboard pillow onnxruntime
exec "$venv/bin/python" "$@"
