#!/usr/bin/env bash
# Runs a Python interop check in a virtual environment under the build directory, installing
# its packages with pip on first use. Usage: run.sh BUILD_DIR SCRIPT ARGS...
# ctest runs these checks side by side: a lock makes one of them build the environment while
# the others wait for it.
set -euo pipefail
build="$1"
shift
venv="$build/test-venv"
mkdir -p "$build"
exec 9>"$build/test-venv.lock"
flock 9
if ! "$venv/bin/python" -c "import sklearn, numpy, tensorboard, PIL, onnxruntime" 2>/dev/null; then
  [ -x "$venv/bin/pip" ] || python3 -m venv --clear "$venv"
  "$venv/bin/pip" install -q scikit-learn numpy tensorboard pillow onnxruntime
fi
flock -u 9
exec "$venv/bin/python" "$@"
