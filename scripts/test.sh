#!/usr/bin/env bash
# Everything `make test` does: install what is missing, build Release (all
# tiers) and an ASan/UBSan build (unit tier), then run them all under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="postgres browser" bash scripts/setup.sh
JOBS=$(nproc)

echo "== browser test dependencies (npm ci)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== build (Release)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j "$JOBS"

echo "== build (ASan+UBSan, unit tier)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address,undefined >/dev/null
ninja -C build-asan -j "$JOBS" unit_tests

echo "== unit tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan -L unit --output-on-failure -j "$JOBS" --timeout 300

echo "== all tiers (Release)"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 600
