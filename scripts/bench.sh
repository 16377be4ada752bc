#!/usr/bin/env bash
# `make bench`: builds Release, runs the baselines and the product side by
# side on this machine, prints a table and rewrites docs/BENCHMARKS.md,
# with the SQL statements per delivered order counted by the store (/metrics).
# Durable settings throughout (WAL, synchronous=FULL); delays 0.
# BENCH_ORDERS (default 1000000) sizes the at-scale database; BENCH_DURATION
# (seconds per throughput run) and BENCH_E2E_ORDERS shorten a quick run;
# BENCH_BUILD_DIR (default build) is the build directory used.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="bench" bash scripts/setup.sh
BUILD=${BENCH_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD" orderflow orderflow-payment-gateway micro_benchmarks >/dev/null

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
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
SCALE_ORDERS=${BENCH_ORDERS:-1000000}

echo "== baseline: HTTP hello-world on the same server stack (wrk, 64 connections, ${DURATION}s)"
GW_PORT=$(start "$WORK/gw.log" "$BUILD"/orderflow-payment-gateway --listen 127.0.0.1:0)
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
  start "$WORK/$1.log" "$BUILD"/orderflow serve --listen 127.0.0.1:0 --db "sqlite:$WORK/$1.db" \
    --admin-token "$TOKEN" --ship-delay 0 --deliver-delay 0 --log-level warn
}

echo "== intake: POST /api/order, 64 connections, ${DURATION}s"
PORT=$(serve intake)
"$BUILD"/orderflow load --target "127.0.0.1:$PORT" --token "$TOKEN" -c 64 -d "$DURATION" --restock 100000000 \
  2>/dev/null | tee "$WORK/intake.txt"
kill "$(cat "$WORK/intake.log.pid")"

# A fresh server, so the intake run's backlog does not count here.
echo "== end to end: $E2E_ORDERS orders, created -> delivered"
PORT=$(serve e2e)
# The store's statement counters (GET /metrics) before and after the run,
# divided by the delivered orders: what the write path costs an order.
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/e2e-metrics-before.txt"
"$BUILD"/orderflow load --target "127.0.0.1:$PORT" --token "$TOKEN" -c 64 -n "$E2E_ORDERS" --restock 100000000 \
  --end-to-end 2>/dev/null | tee "$WORK/e2e.txt"
sleep 1  # units still finishing after the last order reached delivered
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/e2e-metrics-after.txt"
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$WORK/e2e.log.pid")/status")
DELIVERED=$(awk '/^end to end:/ {print $4}' "$WORK/e2e.txt")
eval "$(python3 scripts/db_statements.py "${DELIVERED:-0}" \
  --before "$WORK/e2e-metrics-before.txt" --after "$WORK/e2e-metrics-after.txt")"
echo "   SQL statements per delivered order (writer connection; all connections):"
echo "   writes $STMT_WRITER_WRITE ($STMT_ALL_WRITE), reads $STMT_WRITER_READ ($STMT_ALL_READ)," \
  "transaction control $STMT_WRITER_TX_CONTROL ($STMT_ALL_TX_CONTROL), other $STMT_ALL_OTHER"
echo "   group commits: $ORDERS_PER_COMMIT delivered orders and $PAGES_PER_COMMIT pages written per commit," \
  "$STMT_WRITER_PAGES_WRITTEN pages per delivered order"

kill "$(cat "$WORK/e2e.log.pid")"

echo "== micro-benchmarks (Google Benchmark)"
"$BUILD"/micro_benchmarks --benchmark_min_time=0.1 --benchmark_format=json \
  --benchmark_out="$WORK/micro.json" --benchmark_out_format=json >/dev/null
MICRO_TABLE=$(python3 - "$WORK/micro.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
print("| benchmark | time per call | throughput |")
print("| --- | --- | --- |")
for b in data["benchmarks"]:
    # CPU time: the load generator and other jobs may share the cores.
    ns = b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    t = f"{ns:,.1f} ns" if ns < 100 else f"{ns:,.0f} ns" if ns < 10_000 else f"{ns / 1000:,.1f} µs"
    extra = []
    extra.append(f"{1e9 / ns:,.0f} calls/s")
    if "bytes_per_second" in b: extra.append(f"{b['bytes_per_second'] / 2**20:,.0f} MiB/s")
    print(f"| `{b['name'].removeprefix('BM_')}` | {t} | {', '.join(extra)} |")
PY
)
echo "$MICRO_TABLE"

echo "== $SCALE_ORDERS orders: orderflow seed --orders $SCALE_ORDERS"
SEED_START=$(date +%s.%N)
"$BUILD"/orderflow seed --db "sqlite:$WORK/scale.db" --orders "$SCALE_ORDERS" 2>/dev/null
SEED_S=$(python3 -c "import time; print(f'{time.time() - $SEED_START:.1f}')")
SEED_RATE=$(python3 -c "print(f'{$SCALE_ORDERS / $SEED_S:,.0f}')")
echo "   ${SEED_S}s ($SEED_RATE orders/s)"

# Start-up: from exec to the first 200 of /readyz, polled every 2 ms.
echo "== $SCALE_ORDERS orders: start-up to ready"
STARTUP_MS=$(python3 - "$WORK/scale" "$TOKEN" "$BUILD"/orderflow <<'PY'
import http.client, subprocess, sys, time
base, token, binary = sys.argv[1], sys.argv[2], sys.argv[3]
log = open(base + ".log", "w")
start = time.monotonic()
proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + base + ".db",
                         "--admin-token", token, "--ship-delay", "0", "--deliver-delay", "0",
                         "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
open(base + ".log.pid", "w").write(str(proc.pid))
port = None
while time.monotonic() - start < 30:
    if port is None:
        for line in open(base + ".log"):
            if "listening on http://" in line:
                port = int(line.strip().rsplit(":", 1)[1])
    if port is not None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                print(f"{(time.monotonic() - start) * 1000:.0f} {port}")
                sys.exit(0)
        except OSError:
            pass
    time.sleep(0.002)
sys.exit("server not ready within 30 s")
PY
)
PORT=${STARTUP_MS#* }
STARTUP_MS=${STARTUP_MS% *}
echo "   ${STARTUP_MS} ms"

# Latency of one dashboard user (1 connection) and of 16 at once, wrk
# with keep-alive; the client costs a few microseconds per request.
latency() {  # PATH CONNECTIONS -> "p50 / p99 (N req/s)"
  wrk -t1 -c"$2" -d3s --latency -H "Authorization: Bearer $TOKEN" -H "X-Store-ID: X" \
    "http://127.0.0.1:$PORT$1" | awk '
      /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2}
      /Non-2xx/ {bad=$NF}
      END {printf "p50 %s / p99 %s (%d req/s)%s", p50, p99, rps, bad ? " NON-2XX: " bad : ""}'
}
echo "== $SCALE_ORDERS orders: GET /api/orders (first page) and GET /api/dashboard/stats"
LIST_1=$(latency "/api/orders" 1); echo "   /api/orders, 1 connection: $LIST_1"
LIST_16=$(latency "/api/orders" 16); echo "   /api/orders, 16 connections: $LIST_16"
STATS_1=$(latency "/api/dashboard/stats" 1); echo "   /api/dashboard/stats, 1 connection: $STATS_1"
STATS_16=$(latency "/api/dashboard/stats" 16); echo "   /api/dashboard/stats, 16 connections: $STATS_16"
SCALE_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$WORK/scale.log.pid")/status")
echo "   RSS $((SCALE_RSS / 1024)) MiB"
kill "$(cat "$WORK/scale.log.pid")"

INTAKE=$(awk '/^intake:/ {print $(NF-1)}' "$WORK/intake.txt")
INTAKE_LAT=$(awk '/latency ms/ {print "p50 "$4" / p99 "$8" / max "$10}' "$WORK/intake.txt")
E2E=$(awk '/^end to end:/ {print $(NF-1)}' "$WORK/e2e.txt")
E2E_LAT=$(awk '/created -> delivered/ {print "p50 "$9" / p99 "$13}' "$WORK/e2e.txt")
RATIO=$(python3 -c "print(f'{float(\"$INTAKE\")/float(\"$HELLO\")*100:.1f}')" 2>/dev/null || echo "?")

cat > docs/BENCHMARKS.md <<MD
# Benchmarks

Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%MZ). Machine: $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB,
loopback; load generator on the same cores. Load average (1, 5, 15 min) before
the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg); anything well above 0
means other work shared the cores and the figures below are low. Durable
settings: SQLite WAL with synchronous=FULL, every acknowledged order
committed; delays 0.

| measurement | result | target (SPEC §11) |
| --- | --- | --- |
| baseline: HTTP hello-world, same server stack (wrk, 64 conn) | $HELLO req/s | |
| baseline: raw SQLite commits, one row each | $RAW commits/s | |
| intake \`POST /api/order\`, 64 connections | $INTAKE orders/s ($RATIO% of hello-world) | ≥ 20,000/s |
| intake latency (ms) | $INTAKE_LAT | p99 ≤ 10 ms |
| end to end created → delivered, $E2E_ORDERS orders | $E2E orders/s | ≥ 10,000/s |
| created → delivered latency (ms, last 500) | $E2E_LAT | |
| server RSS after the end-to-end run | $((RSS / 1024)) MiB | |
| SQL write statements per delivered order, writer (all connections) | $STMT_WRITER_WRITE ($STMT_ALL_WRITE) | ≤ 25 (issue 13) |
| SQL read statements per delivered order, writer (all connections) | $STMT_WRITER_READ ($STMT_ALL_READ) | |
| transaction-control statements per delivered order, writer (all connections) | $STMT_WRITER_TX_CONTROL ($STMT_ALL_TX_CONTROL) | ≤ 6 (issue 13) |
| database pages written per group commit (per delivered order) | $PAGES_PER_COMMIT ($STMT_WRITER_PAGES_WRITTEN), $ORDERS_PER_COMMIT delivered orders per commit | |

Statements are counted in the store (\`orderflow_db_statements_total\` on
\`/metrics\`, scraped before and after the end-to-end run; one per execution,
by kind: INSERT/UPDATE/DELETE/upsert, SELECT, BEGIN/COMMIT/SAVEPOINT/RELEASE/
ROLLBACK). The writer connection runs every unit of work; the other
connections serve reads, the dispatcher's polling and the load generator's
progress checks. Pages are those the writer's commits wrote to the WAL
(\`orderflow_db_pages_written_total\`, SQLite's SQLITE_DBSTATUS_CACHE_WRITE
read after each commit): each is a 4 KiB frame the commit's fsync pays for.

## At $SCALE_ORDERS orders

\`orderflow seed --orders $SCALE_ORDERS\` imports finished orders (with their
history and the dashboard counters) in ${SEED_S}s ($SEED_RATE orders/s); then a
fresh \`orderflow serve\` on that database. Latency by wrk with keep-alive,
3 s per row, one store holding all the orders.

| measurement | result | target (SPEC §11) |
| --- | --- | --- |
| start-up to ready (exec → first \`/readyz\` 200) | $STARTUP_MS ms | ≤ 1 s |
| \`GET /api/orders\` first page, 1 connection | $LIST_1 | p99 ≤ 5 ms |
| \`GET /api/orders\` first page, 16 connections | $LIST_16 | p99 ≤ 5 ms |
| \`GET /api/dashboard/stats\`, 1 connection | $STATS_1 | p99 ≤ 5 ms |
| \`GET /api/dashboard/stats\`, 16 connections | $STATS_16 | p99 ≤ 5 ms |
| server RSS after those requests | $((SCALE_RSS / 1024)) MiB | ≤ 200 MiB |

The dashboard itself at 1,000,000 orders is described in [DASHBOARD.md](DASHBOARD.md).

## Micro-benchmarks

Pure per-order work (\`bench/micro_benchmarks.cpp\`, Google Benchmark, one
thread, \`--benchmark_min_time=0.1\`; CPU time per call; \`StatusTransitions\`
checks all 64 pairs of the table per call):

$MICRO_TABLE

## Where the time goes, and what each optimisation bought

One SQLite writer thread runs all SQL, with one fsync per group commit. With
step chaining (\`--step-chain\`, docs/event_log_format.md) an order takes two
units of work: the intake (order, fraud check, reservation, alerts) and the
payment's unit (payment, fulfilment, shipping, delivery, alerts). Per
delivered order the writer writes the order row twice (insert, and once in
the payment's unit), 8 events carrying the order's 6 history entries (the
log is the history) in two multi-row inserts, one delivery row (the
payment's, which leaves the unit) inserted and later marked done, two
product updates (reserve, commit), and its share of the batch's multi-row
inserts (alerts, stock movements) and summed counters: 8.4 statements.
The writer thread is the bottleneck: what it runs besides SQL (the steps,
allocation) is about half its time, B-tree work and the commit's WAL
writes the rest. The load generator shares the two cores.

Measured in one session on this machine, same-run A/B (two compiling jobs
shared the cores, so absolute rates were low; ratios hold):

| change | effect |
| --- | --- |
| step chaining (steps without I/O run inside the unit that emitted their event) | created → delivered p50 3.5-4.0 s → 80-120 ms; end to end +25-45 % (615-717 → 821-902 orders/s); units an order ~10 → 2 |
| order cache per unit (chained steps read an order once) | order reads an order 8 → 2.3, history rows read 30 → 6 |
| chained delivery rows written done (no pending-then-update) | delivery statements an order 16 → 8 |
| counter and hourly-stats deltas written once a unit (SQLite) | stats upserts an order 9 → 3 |
| all of the above | SQL rows stepped on the writer 131 → 101 an order; traced writer SQL CPU 792 → 482 µs an order |

A later session (issue 13), writes and reads per delivered order on the
writer, counted by the store:

| change | effect |
| --- | --- |
| stores cached in the writer (\`StoreInfoCache\`, PRAGMA data_version per batch) | reads 10.1 → 6.1 |
| fraud counts include the unit's buffered orders instead of flushing them | writes 17.3 → 15.3 (the intake writes its order once) |
| alerts and stock movements kept for the whole group commit (\`batch_rows\`) | writes 15.3 → 10.4 |
| history on the events rows, order_history dropped | writes 10.4 → 8.4 |
| the writer keeps recently committed orders (`recent_orders`) and the catalogue write-through (`product_cache`) | reads 6.1 → 2.1; intake 4.4k → 4.9-5.9k orders/s on this machine |
| tcmalloc; SQLite memory statistics off; the intake's response rendered on the pool | server CPU per order about −20 % (glibc malloc and the statistics mutex were a third of the writer's samples) |
| all of the above | make bench before (Intel Xeon, 2 cores): intake 2,377, end to end 2,373 orders/s; after (AMD EPYC, 2 cores, this run): see the table above. Different machines: the ratio is indicative only |

Intake and end-to-end rates are now the same number: before chaining the
intake run left most of the pipeline as a backlog, so its rate looked
higher than what the system sustains.
MD
echo "== wrote docs/BENCHMARKS.md"
cat docs/BENCHMARKS.md
