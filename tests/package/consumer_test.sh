#!/usr/bin/env bash
# Installs the build into a fresh prefix and builds examples/embed against it twice, as an
# outside project would: with CMake's find_package(tensorgraph) alone, and with pkg-config's
# flags alone; runs both programs. Also checks that the installed headers are the public ones
# only, and that tg needs none of the CUDA libraries to start.
#   consumer_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") work=$(realpath -m "$3")
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

echo "== installed headers"
find "$prefix/include/tensorgraph" -name '*.h' | sed "s|$prefix/include/||" | sort | tee "$work/headers.txt"
if grep -E '/(plan|device|placement|fusion|registry|dnnl_util|http|rest)\.h$|/cuda/' "$work/headers.txt"; then
  echo "FAIL: a private header was installed"; exit 1
fi
test -x "$prefix/bin/tg" || { echo "FAIL: tg is not installed in bin/"; exit 1; }
test -f "$prefix/lib/cmake/tensorgraph/tensorgraphConfig.cmake" || { echo "FAIL: no tensorgraphConfig.cmake"; exit 1; }
test -f "$prefix/include/tensorgraph/c_api.h" || { echo "FAIL: the C API header is not installed"; exit 1; }

echo "== tg links no CUDA library at load time"
if readelf -d "$prefix/bin/tg" | grep -E 'NEEDED.*lib(cudart|cudnn|cublas|cuda)\b'; then
  echo "FAIL: tg needs a CUDA library to start"; exit 1
fi

echo "== find_package(tensorgraph)"
cmake -S "$source/examples/embed" -B "$work/cmake-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/embed" "$work/run-cmake"

echo "== pkg-config tensorgraph"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -O1 "$source/examples/embed/main.cpp" -o "$work/embed-pc" $(pkg-config --cflags --libs tensorgraph)
"$work/embed-pc" "$work/run-pc"
echo "consumer builds: 2 passed, 0 failed"
