#!/usr/bin/env bash
# Installs what tensorgraph needs to build and test on a fresh Debian 12 machine, then
# configures and builds it in build/. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake ninja-build g++ ccache libdnnl-dev libgtest-dev libbenchmark-dev
          nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libfast-float-dev
          clang libclang-rt-14-dev libomp-dev protobuf-compiler libprotobuf-dev zlib1g-dev libcpp-httplib-dev libonnx-dev libboost-dev
          libopenmpi-dev openmpi-bin libyaml-cpp-dev libeigen3-dev
          chromium
          python3-dev python3-venv)  # the Python module (bindings/python)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tensorgraph: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Compiler-cache keys use paths relative to the checkout, so any clone reuses earlier builds.
export CCACHE_BASEDIR="$PWD"
BUILD_DIR="${TG_BUILD_DIR:-build}"
# The Python module (bindings/python) needs nanobind: a virtual environment in the build folder
# has it (and numpy, pandas, pytest for its tests). Not in sanitizer builds: an extension under
# ASan would need the runtime preloaded into Python. Without PyPI the module is left out.
PY_ARGS=()
if [[ "${TG_CMAKE_ARGS:-}" != *TG_SANITIZE* ]]; then
  mkdir -p "$BUILD_DIR"
  PYENV="$(cd "$BUILD_DIR" && pwd)/build-pyenv"
  if [ ! -f "$PYENV/.ready" ]; then
    rm -rf "$PYENV"
    { python3 -m venv "$PYENV" && "$PYENV/bin/pip" install -q --disable-pip-version-check \
        nanobind numpy pytest pandas scikit-build-core && touch "$PYENV/.ready"; } ||
      echo "tensorgraph: no Python environment (pip failed): the Python module is not built" >&2
  fi
  if [ -f "$PYENV/.ready" ]; then
    PY_ARGS=(-DTG_BUILD_PYTHON=ON -DPython_EXECUTABLE="$PYENV/bin/python"
             -Dnanobind_DIR="$("$PYENV/bin/python" -m nanobind --cmake_dir)")
  fi
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${TG_CMAKE_ARGS:-} "${PY_ARGS[@]}" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
