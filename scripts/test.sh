#!/usr/bin/env bash
# Everything `make test` does: install what is missing, build Release (all
# tiers) and an ASan/UBSan build (unit and integration tiers), run them all
# under ctest, with each libFuzzer harness run briefly (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="postgres browser" bash scripts/setup.sh
JOBS=$(nproc)

echo "== browser test dependencies (npm ci)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== build (Release)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j "$JOBS"

echo "== build (ASan+UBSan, unit and integration tiers)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address,undefined >/dev/null
# integration_tests depends on the orderflow binaries, so the servers the
# integration tests spawn (ORDERFLOW_BINARY) are the sanitized ones too.
ninja -C build-asan -j "$JOBS" unit_tests integration_tests

echo "== throwaway PostgreSQL cluster for the PostgreSQL tests"
PG_DIR=$(mktemp -d /tmp/orderflow-pg.XXXXXX)
cleanup_pg() {
  bash scripts/pg_cluster.sh stop "$PG_DIR" || true
  rm -rf "$PG_DIR"
}
trap cleanup_pg EXIT
ORDERFLOW_TEST_PG=$(bash scripts/pg_cluster.sh start "$PG_DIR")
export ORDERFLOW_TEST_PG ORDERFLOW_REQUIRE_PG=1
echo "PostgreSQL at $ORDERFLOW_TEST_PG"

echo "== unit and integration tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The kill -9 crash test needs a minimum request rate between kills that a
# Debug ASan server does not reach; it runs in the Release tier below.
ctest --test-dir build-asan -L 'unit|integration' -E '^integration\.CrashTest\.' \
  --output-on-failure -j "$JOBS" --timeout 300

echo "== fuzzers (${FUZZ_SECONDS:-30}s each)"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} bash scripts/fuzz.sh

# Last, so that its summary ("100% tests passed ...") ends the output.
echo "== all tiers (Release): unit, integration on SQLite and on PostgreSQL, browser"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 600
