#!/usr/bin/env bash
# Everything `make test` does: install what is missing, build Release (all
# tiers) and one clang ASan/UBSan build (the unit tests, the server and
# payment binaries the integration suite drives, and the libFuzzer
# harnesses), run them all under ctest, with each harness run briefly
# (scripts/fuzz.sh). ORDERFLOW_BUILD_ROOT puts the build directories
# elsewhere than the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="postgres browser" bash scripts/setup.sh
JOBS=$(nproc)
# Tests mostly wait (fsync, timers, child processes): twice as many as cores
# keep the cores busy. None may depend on timing, so this is also a check.
TEST_JOBS=$((JOBS * 2))
# Where the build directories go (default: the repository, as `make clean`
# expects); another root keeps a run apart from the usual ones.
ROOT=${ORDERFLOW_BUILD_ROOT:-.}
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)
# Each phase reports its wall time and the CPU time of its processes (the
# latter barely moves when something else shares the machine).
TICKS=$(getconf CLK_TCK)
children_cpu() { # CPU seconds of this shell's waited-for children so far
  local stat
  read -ra stat <"/proc/$$/stat"
  echo $(((stat[15] + stat[16]) / TICKS))
}
phase_start=$SECONDS
phase_cpu=$(children_cpu)
phase_done() {
  local cpu
  cpu=$(children_cpu)
  echo "   ($1: $((SECONDS - phase_start)) s, CPU $((cpu - phase_cpu)) s)"
  phase_start=$SECONDS
  phase_cpu=$cpu
}

echo "== browser test dependencies (npm ci)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
phase_done "npm ci"

echo "== build (Release)"
cmake -S . -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$ROOT/build" -j "$JOBS"
phase_done "Release build"

echo "== build (clang ASan+UBSan: unit tests, the binaries under integration test, fuzzers)"
# One build for both: the fuzzers' flags (CMakeLists.txt, ORDERFLOW_FUZZ) on
# the tests as well, so that the core library is compiled twice, not three
# times. Debug keeps assertions on.
cmake -S . -B "$ROOT/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DORDERFLOW_FUZZ=ON >/dev/null
# The integration suite drives server processes: what it checks under the
# sanitizers is those binaries, so it is not compiled again here; the
# Release-built suite runs against the sanitized binaries below.
ninja -C "$ROOT/build-asan" -j "$JOBS" unit_tests orderflow orderflow-payment-gateway \
  fuzz_http fuzz_request_body
phase_done "sanitizer build"

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
phase_done "PostgreSQL start"

echo "== unit and integration tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The kill -9 crash test needs a minimum request rate between kills that a
# Debug ASan server does not reach; it runs in the Release tier below.
ctest --test-dir "$ROOT/build-asan" -L unit --output-on-failure -j "$TEST_JOBS" --timeout 300
ORDERFLOW_TEST_BINARY="$ROOT/build-asan/orderflow" \
  ORDERFLOW_TEST_GATEWAY_BINARY="$ROOT/build-asan/orderflow-payment-gateway" \
  ctest --test-dir "$ROOT/build" -L integration -E '^integration\.CrashTest\.' \
  --output-on-failure -j "$TEST_JOBS" --timeout 300
phase_done "sanitizer tests"

echo "== fuzzers (${FUZZ_SECONDS:-30}s each)"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} FUZZ_BUILD_DIR="$ROOT/build-asan" bash scripts/fuzz.sh
phase_done "fuzzers"

# Last, so that its summary ("100% tests passed ...") ends the output.
echo "== all tiers (Release): unit, integration on SQLite and on PostgreSQL, browser"
ctest --test-dir "$ROOT/build" --output-on-failure -j "$TEST_JOBS" --timeout 600
