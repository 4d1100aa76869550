#!/usr/bin/env bash
# The GPU check: builds tensorgraph with CUDA, runs the GPU tests and the GPU benchmarks on a
# machine with a GPU, and prints a short table -- in a few minutes.
#
# The GPU machine has the CUDA toolkit, CMake and PyTorch but none of the Debian packages the
# engine builds with, so the build happens here and travels:
#   scripts/gpu_check.sh bundle   here: builds build-gpu/ and packs build-gpu/bundle.tar.xz (the
#                                 GPU test and benchmark programs and the non-CUDA shared
#                                 libraries they need)
#   scripts/gpu_check.sh run      there: unpacks it, checks the programs start and see a GPU,
#                                 runs the GPU tests and benchmarks, writes
#                                 benchmarks/results/gpu.md, runs the main job's taxi sample
#                                 on the GPU; logs and results go to $OUT (or build-gpu/check)
# Without an argument: bundle if there is no bundle yet, then run.
set -euo pipefail
cd "$(dirname "$0")/.."
# TG_GPU_BUILD and TG_BENCH_OUT move the build and the benchmark table (the stage test runs
# `run` on a fake bundle whose programs fail, checking that every stage leaves its log).
B=${TG_GPU_BUILD:-build-gpu}
R=${TG_BENCH_OUT:-benchmarks/results}
mode=${1:-all}

bundle() {
  # No -march=native: the GPU machine's CPU may lack this one's instructions.
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DTG_NATIVE=OFF \
    -DTG_CUDA_ARCHS="${TG_CUDA_ARCHS:-90}" > /dev/null
  ninja -C "$B" tg_gpu_tests tg_train_bench sample_taxi_fare
  rm -rf "$B/bundle" && mkdir -p "$B/bundle/lib/fallback"
  cp "$B/tests/tg_gpu_tests" "$B/benchmarks/tg_train_bench" "$B/samples/sample_taxi_fare" "$B/bundle/"
  # Libraries from Debian packages travel; the C library and CUDA's own are the GPU machine's.
  # The compiler's runtime libraries go to lib/fallback, used only where the machine's own are
  # missing or too old (this machine's need a newer C library than some systems have).
  ldd "$B/bundle/tg_gpu_tests" "$B/bundle/tg_train_bench" "$B/bundle/sample_taxi_fare" | awk '/=> \// {print $3}' | sort -u |
    while read -r lib; do
      case "$lib" in
        /usr/local/cuda*|*/libc.so*|*/libm.so*|*/libdl.so*|*/libpthread.so*|*/librt.so*|*/ld-linux*) ;;
        */libstdc++.so*|*/libgcc_s.so*|*/libgomp.so*) cp -L "$lib" "$B/bundle/lib/fallback/" ;;
        *) cp -L "$lib" "$B/bundle/lib/" ;;
      esac
    done
  tar -C "$B" -cJf "$B/bundle.tar.xz" bundle
  echo "bundle: $(du -h "$B/bundle.tar.xz" | cut -f1) ($(ls "$B/bundle/lib" | tr '\n' ' '))"
}

# CUDA 13 runtime, cuBLAS and cuDNN 9: the toolkit's, or the ones PyTorch's wheels carry.
cuda_library_path() {
  local dirs="/usr/local/cuda/lib64:/usr/local/cuda/lib:/usr/local/cuda/targets/x86_64-linux/lib"
  local wheels
  wheels=$(python3 - <<'PY' 2>/dev/null || true
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
print(":".join(sorted({os.path.dirname(p) for r in roots for p in glob.glob(os.path.join(r, "nvidia", "*", "lib", "*.so*"))})))
PY
)
  echo "$dirs${wheels:+:$wheels}"
}

run() {
  [ -d "$B/bundle" ] || tar -C "$B" -xJf "$B/bundle.tar.xz"
  local dir="$B/bundle" out="${OUT:-$B/check}" failed=0
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$dir/lib:$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  if ldd "$dir/tg_gpu_tests" "$dir/tg_train_bench" 2>&1 | grep -q "not found" ||
     ! "$dir/tg_gpu_tests" --gtest_list_tests > /dev/null 2>&1; then
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$dir/lib/fallback"
  fi
  if ldd "$dir/tg_gpu_tests" "$dir/tg_train_bench" "$dir/sample_taxi_fare" | grep "not found"; then
    echo "gpu_check: the libraries above are missing on this machine" >&2
    exit 1
  fi
  # Each stage runs whatever the previous ones gave, and leaves its log, so that one run shows
  # everything: under set -e a bare failing command (or a grep that matches nothing, under
  # pipefail) would end the script with nothing written.
  "$dir/tg_gpu_tests" --gtest_list_tests > "$out/start.log" 2>&1 ||
    { echo "gpu_check: tg_gpu_tests does not start (see $out/start.log)" >&2; failed=1; }
  # The engine must see the GPU; tests that skip would prove nothing.
  "$dir/tg_train_bench" --workload taxi-S --seconds 0.2 --device gpu > "$out/sees_gpu.log" 2>&1 ||
    { echo "gpu_check: the engine does not run on the GPU (see $out/sees_gpu.log)" >&2; failed=1; }

  timeout 300 "$dir/tg_gpu_tests" --gtest_filter='*OpOnGpu*:Cuda*:Placement*:Devices*:*OpForward*' \
    > "$out/gpu_tests.log" 2>&1 || failed=1
  { grep -E "^\[  (FAILED|SKIPPED) |^\[  PASSED|tests? ran" "$out/gpu_tests.log" || true; } | tail -30
  if grep "^\[  SKIPPED \]" "$out/gpu_tests.log" | grep -v "Devices.NoGpu" | grep -q "\."; then
    echo "gpu_check: GPU tests skipped on a machine with a GPU" >&2
    failed=1
  fi
  python3 benchmarks/gpu_bench.py --tg "$dir/tg_train_bench" --seconds "${TG_BENCH_SECONDS:-3}" \
    --out "$R" 2>&1 | tee "$out/gpu_bench.log" || failed=1
  cp "$R/gpu.md" "$R/gpu.json" "$out/" 2>/dev/null || true
  # The main job end to end on the GPU: estimators, checkpoints and metrics with GPU variables.
  timeout 240 "$dir/sample_taxi_fare" --generate 50000 --work_dir /tmp/tg_gpu_taxi > "$out/taxi_sample.log" 2>&1 ||
    failed=1
  tail -8 "$out/taxi_sample.log"
  [ "$failed" = 0 ] && echo "gpu_check: all passed" || { echo "gpu_check: FAILED (logs in $out)" >&2; exit 1; }
}

case "$mode" in
  bundle) bundle ;;
  run) run ;;
  all) [ -f "$B/bundle.tar.xz" ] || bundle; run ;;
  *) echo "usage: scripts/gpu_check.sh [bundle|run]" >&2; exit 2 ;;
esac
