#!/usr/bin/env bash
# The main job: install, build, then run the most complete sample there is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${TG_BUILD_DIR:-build}"
"$BUILD_DIR/samples/sample_gestation"
