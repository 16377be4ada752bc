#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan+UBSan) in build-fuzz and
# runs them side by side, each for FUZZ_SECONDS (default 300; `make test` uses
# 30 and its sanitizer build directory, FUZZ_BUILD_DIR). The corpus grows in
# <build dir>/corpus/<harness>, seeded from fuzz/corpus/<harness>; a crash
# leaves its input in <build dir>/artifacts/ and fails the run.
# Prints the executions of each harness.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-300}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
HARNESSES=(fuzz_http fuzz_request_body)

echo "== build fuzzers (clang, libFuzzer + ASan/UBSan) in $BUILD_DIR"
# A directory already configured with the harnesses (e.g. by scripts/test.sh,
# which builds its tests there too) is used as it is.
if ! grep -qs '^ORDERFLOW_FUZZ:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt"; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER=clang++ -DORDERFLOW_FUZZ=ON -DORDERFLOW_TESTS=OFF >/dev/null
fi
ninja -C "$BUILD_DIR" -j "$JOBS" "${HARNESSES[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$BUILD_DIR/artifacts"
# Each harness is one single-threaded process: run them all at once (one core
# each on a two-core machine) and report in order.
pids=()
for harness in "${HARNESSES[@]}"; do
  dict=fuzz/http.dict
  [[ $harness == fuzz_request_body ]] && dict=fuzz/request_body.dict
  corpus="$BUILD_DIR/corpus/$harness"
  mkdir -p "$corpus"
  echo "== $harness for ${FUZZ_SECONDS}s"
  "$BUILD_DIR/fuzz/$harness" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -timeout=10 \
    -rss_limit_mb=4096 -dict="$dict" -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/artifacts/$harness-" \
    "$corpus" "fuzz/corpus/$harness" >"$BUILD_DIR/$harness.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!HARNESSES[@]}"; do
  harness=${HARNESSES[$i]}
  corpus="$BUILD_DIR/corpus/$harness"
  log="$BUILD_DIR/$harness.log"
  if wait "${pids[$i]}"; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "   $harness ok: ${execs:-?} executions (${per_second:-?}/s), ${cov}, corpus $(ls "$corpus" | wc -l) files"
  else
    status=1
    echo "   $harness FAILED: see $log; crashing input in $BUILD_DIR/artifacts/"
    grep -E 'ERROR|SUMMARY|violat|invariant|==[0-9]+==' "$log" | head -20 || true
  fi
done
exit $status
