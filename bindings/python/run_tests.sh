#!/usr/bin/env bash
# The Python package's checks, as ctest runs them:
#   run_tests.sh build BUILD_DIR PYTHON   pytest against the module of the build tree
#   run_tests.sh taxi  BUILD_DIR PYTHON   the Python taxi sample against the C++ sample's figures
#   run_tests.sh pip   BUILD_DIR PYTHON   pip install of the repository into a fresh virtual
#                                         environment, then `import tensorgraph` and pytest there
# The first two use PYTHON when it has numpy, pandas and pytest, else an environment with them
# made once under BUILD_DIR and reused.
set -euo pipefail
mode=$1
build=$(cd "$2" && pwd)
python=${3:-python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
packages=(numpy pandas pytest)

# make_venv DIR: a virtual environment with the test packages (DIR/.ready marks a complete one).
make_venv() {
  local dir=$1
  shift
  if [ ! -f "$dir/.ready" ]; then
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "${packages[@]}" "$@"
    touch "$dir/.ready"
  fi
}

case "$mode" in
  build | taxi)
    # The build's own Python when it has the test packages (scripts/setup.sh's environment),
    # else an environment made for them.
    run_python=$python
    if ! "$python" -c "import numpy, pandas, pytest" 2>/dev/null; then
      venv=$build/python-venv
      # Tests may run in parallel: one of them makes the environment, the others wait for it.
      exec 9>"$build/python-venv.lock"
      flock 9
      make_venv "$venv"
      flock -u 9
      run_python=$venv/bin/python
    fi
    export PYTHONPATH=$build/python
    cd "$build"
    if [ "$mode" = build ]; then
      exec "$run_python" -m pytest -q -p no:cacheprovider "$here/tests"
    fi
    exec "$run_python" "$root/samples/python/taxi_fare.py" --generate 50000 --work_dir "$build/python-taxi" \
      --check "$root/benchmarks/results/main_job.json" --tolerance 0.05
    ;;
  pip)
    venv=$build/python-pip-venv
    rm -rf "$venv"
    make_venv "$venv" scikit-build-core nanobind
    # The same build folder every time (so a rerun is incremental), and ccache with paths
    # relative to the checkout.
    export CCACHE_BASEDIR=$root
    (cd "$build" && "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation \
      --config-settings=build-dir="$build/python-pip-build" "$root")
    cd "$build"
    unset PYTHONPATH
    "$venv/bin/python" -c "
import os, sys, tensorgraph
where = os.path.realpath(tensorgraph.__file__)
assert where.startswith(os.path.realpath(sys.prefix)), 'imported from ' + where
print('tensorgraph', tensorgraph.__version__, 'installed at', os.path.dirname(where))"
    exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/tests"
    ;;
  *)
    echo "usage: $0 build|taxi|pip BUILD_DIR [PYTHON]" >&2
    exit 2
    ;;
esac
