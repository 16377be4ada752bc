#!/usr/bin/env bash
# `make bench`: builds Release, runs the baselines and the product side by
# side on this machine, prints a table and rewrites docs/BENCHMARKS.md.
# Durable settings throughout (WAL, synchronous=FULL); delays 0.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="bench" bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build orderflow orderflow-payment-gateway >/dev/null

WORK=$(mktemp -d)
cleanup() {
  for f in "$WORK"/*.pid; do [[ -e "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Starts a binary that prints "listening on http://HOST:PORT"; echoes PORT.
# Runs inside $(...), so the pid goes to LOG.pid rather than a variable.
start() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  echo $! > "$log.pid"
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$log"; then grep -o "listening on http://[^ ]*" "$log" | sed 's/.*://'; return; fi
    sleep 0.1
  done
  echo "did not start: $*" >&2; cat "$log" >&2; exit 1
}

DURATION=${BENCH_DURATION:-10}
E2E_ORDERS=${BENCH_E2E_ORDERS:-20000}

echo "== baseline: HTTP hello-world on the same server stack (wrk, 64 connections, ${DURATION}s)"
GW_PORT=$(start "$WORK/gw.log" build/orderflow-payment-gateway --listen 127.0.0.1:0)
HELLO=$(wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$GW_PORT/healthz" | awk '/Requests\/sec/ {print $2}')
echo "   $HELLO requests/s"

echo "== baseline: raw SQLite commits (WAL, synchronous=FULL, one row per commit)"
RAW=$(python3 - "$WORK/raw.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
n, start = 0, time.time()
while time.time() - start < 3:
    db.execute("BEGIN"); db.execute("INSERT INTO t (v) VALUES ('x')"); db.execute("COMMIT"); n += 1
print(f"{n / (time.time() - start):.0f}")
PY
)
echo "   $RAW commits/s"

kill "$(cat "$WORK/gw.log.pid")"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
serve() {
  start "$WORK/$1.log" build/orderflow serve --listen 127.0.0.1:0 --db "sqlite:$WORK/$1.db" \
    --admin-token "$TOKEN" --ship-delay 0 --deliver-delay 0 --log-level warn
}

echo "== intake: POST /api/order, 64 connections, ${DURATION}s"
PORT=$(serve intake)
build/orderflow load --target "127.0.0.1:$PORT" --token "$TOKEN" -c 64 -d "$DURATION" --restock 100000000 \
  2>/dev/null | tee "$WORK/intake.txt"
kill "$(cat "$WORK/intake.log.pid")"

# A fresh server, so the intake run's backlog does not count here.
echo "== end to end: $E2E_ORDERS orders, created -> delivered"
PORT=$(serve e2e)
build/orderflow load --target "127.0.0.1:$PORT" --token "$TOKEN" -c 64 -n "$E2E_ORDERS" --restock 100000000 \
  --end-to-end 2>/dev/null | tee "$WORK/e2e.txt"
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$WORK/e2e.log.pid")/status")

INTAKE=$(awk '/^intake:/ {print $(NF-1)}' "$WORK/intake.txt")
INTAKE_LAT=$(awk '/latency ms/ {print "p50 "$4" / p99 "$8" / max "$10}' "$WORK/intake.txt")
E2E=$(awk '/^end to end:/ {print $(NF-1)}' "$WORK/e2e.txt")
E2E_LAT=$(awk '/created -> delivered/ {print "p50 "$9" / p99 "$13}' "$WORK/e2e.txt")
RATIO=$(python3 -c "print(f'{float(\"$INTAKE\")/float(\"$HELLO\")*100:.1f}')" 2>/dev/null || echo "?")

cat > docs/BENCHMARKS.md <<MD
# Benchmarks

Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%MZ). Machine: $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB,
loopback; load generator on the same cores. Durable settings: SQLite WAL with
synchronous=FULL, every acknowledged order committed; delays 0.

| measurement | result | target (SPEC §11) |
| --- | --- | --- |
| baseline: HTTP hello-world, same server stack (wrk, 64 conn) | $HELLO req/s | |
| baseline: raw SQLite commits, one row each | $RAW commits/s | |
| intake \`POST /api/order\`, 64 connections | $INTAKE orders/s ($RATIO% of hello-world) | ≥ 20,000/s |
| intake latency (ms) | $INTAKE_LAT | p99 ≤ 10 ms |
| end to end created → delivered, $E2E_ORDERS orders | $E2E orders/s | ≥ 10,000/s |
| created → delivered latency (ms, last 500) | $E2E_LAT | |
| server RSS after the run | $((RSS / 1024)) MiB | ≤ 200 MiB at 1M orders |

List and stats latency, start-up time and the dashboard at 1,000,000 orders
are in [DASHBOARD.md](DASHBOARD.md) (measured by hand with
\`orderflow seed --orders 1000000\`); not yet automated here, nor the Google
Benchmark micro-benchmarks.

Where the time goes: one SQLite writer thread runs all SQL, for the intake
and for the ~8 step deliveries of every order (each its own unit of work:
order read, update, history, counters, outbox rows, completion), with an
fsync per group commit. See the engine notes in the closing notes of issue 3.
MD
echo "== wrote docs/BENCHMARKS.md"
cat docs/BENCHMARKS.md
