#!/usr/bin/env bash
# The main job: install, build, generate a taxi-fare data set with the project's generator,
# then train and evaluate the heuristic, a linear model and DNNRegressors, and print the table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${TG_BUILD_DIR:-build}"
"$BUILD_DIR/samples/sample_taxi_fare" --generate "${TG_TAXI_ROWS:-50000}" --work_dir "$BUILD_DIR/taxi-sample" \
  --json "$BUILD_DIR/taxi-sample/results.json"
