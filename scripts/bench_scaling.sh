#!/usr/bin/env bash
# `make bench-scaling`: intake and end-to-end throughput of 1, 2 and 3
# `orderflow serve` instances sharing one PostgreSQL database (a throwaway
# cluster on 127.0.0.1, durable settings), the numbers for docs/SCALING.md.
# Each instance gets its own `orderflow load` client; the totals are summed.
# The end-to-end runs also print round trips and SQL statements per
# delivered order, from the instances' /metrics counters.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="postgres" bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build orderflow >/dev/null

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
E2E_ORDERS=${BENCH_E2E_ORDERS:-1000}
WORK=$(mktemp -d)
PG_DIR=$(mktemp -d /tmp/orderflow-scale-pg.XXXXXX)  # its own: the server runs as postgres
TOKEN=scaling-bench-admin-token-0123456789
cleanup() {
  for f in "$WORK"/*.pid; do [[ -e "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  bash scripts/pg_cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK" "$PG_DIR"
}
trap cleanup EXIT

BASE=$(bash scripts/pg_cluster.sh start "$PG_DIR")
# Every instance seals webhook secrets with the same key.
KEY_FILE="$WORK/secret-key"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY_FILE")

start() {  # start LOG URL -> port
  local log="$1" url="$2"
  build/orderflow serve --listen 127.0.0.1:0 --db "$url" --admin-token "$TOKEN" \
    --secret-key-file "$KEY_FILE" --ship-delay 0 --deliver-delay 0 --log-level warn >"$log" 2>&1 &
  echo $! >"$log.pid"
  for _ in $(seq 1 150); do
    if grep -q "listening on" "$log"; then grep -o "listening on http://[^ ]*" "$log" | sed 's/.*://'; return; fi
    sleep 0.1
  done
  echo "did not start" >&2; cat "$log" >&2; exit 1
}

echo "| instances | intake orders/s | intake p99 ms | end to end orders/s | round trips / order | writes / order | reads / order | tx control / order |" >"$WORK/table.md"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |" >>"$WORK/table.md"
# Starts N instances on a fresh database; fills ports[].
instances() {
  local n="$1" tag="$2" db="$2$1"
  psql -q "$BASE" -c "CREATE DATABASE $db" >/dev/null
  local url="${BASE%/*}/$db"
  ports=()
  for i in $(seq 1 "$n"); do ports+=("$(start "$WORK/$db-$i.log" "$url")"); done
  # Enough stock for every order of the run.
  build/orderflow load --target "127.0.0.1:${ports[0]}" --token "$TOKEN" -n 1 --restock 100000000 >/dev/null 2>&1
}
stop_instances() {
  for f in "$WORK"/$1*.log.pid; do kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
  sleep 1
}

for n in 1 2 3; do
  instances "$n" intake
  echo "== $n instance(s): intake, ${DURATION}s, $CONNECTIONS connections each"
  pids=()
  for i in "${!ports[@]}"; do
    build/orderflow load --target "127.0.0.1:${ports[$i]}" --token "$TOKEN" -c "$CONNECTIONS" \
      -d "$DURATION" 2>/dev/null >"$WORK/intake$n-$i.txt" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  intake=$(cat "$WORK"/intake$n-*.txt | awk '/^intake:/ {s += $(NF-1)} END {printf "%.0f", s}')
  p99=$(cat "$WORK"/intake$n-*.txt | awk '/latency ms/ {if ($8 > m) m = $8} END {print m}')
  echo "   intake $intake orders/s, worst p99 $p99 ms"
  stop_instances "intake$n"

  # Fresh instances and database: the intake run's backlog must not count.
  instances "$n" e2e
  echo "== $n instance(s): end to end, ${E2E_ORDERS} orders per instance"
  # Every instance's statement counters before and after (GET /metrics).
  for i in "${!ports[@]}"; do
    curl -sf "http://127.0.0.1:${ports[$i]}/metrics" >"$WORK/e2e$n-$i.before"
  done
  pids=()
  for i in "${!ports[@]}"; do
    build/orderflow load --target "127.0.0.1:${ports[$i]}" --token "$TOKEN" -c "$CONNECTIONS" \
      -n "$E2E_ORDERS" --end-to-end --e2e-total $((n * E2E_ORDERS)) 2>/dev/null \
      >"$WORK/e2e$n-$i.txt" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  # The counts are the store's: every client waits for all the instances'
  # orders and reports the cluster's rate, so take the slowest, never a sum.
  e2e=$(cat "$WORK"/e2e$n-*.txt | awk '/^end to end:/ {r = $(NF-1); if (m == "" || r < m) m = r} END {printf "%.0f", m}')
  sleep 1  # units still finishing after the last order reached delivered
  for i in "${!ports[@]}"; do
    curl -sf "http://127.0.0.1:${ports[$i]}/metrics" >"$WORK/e2e$n-$i.after"
  done
  delivered=$(cat "$WORK"/e2e$n-*.txt | awk '/^end to end:/ {if ($4 > m) m = $4} END {print m + 0}')
  eval "$(python3 scripts/db_statements.py "$delivered" \
    --before "$WORK"/e2e$n-*.before --after "$WORK"/e2e$n-*.after)"
  echo "   end to end $e2e orders/s"
  echo "   per delivered order, all instances and connections: $STMT_ALL_ROUND_TRIPS round trips" \
    "($STMT_WRITER_ROUND_TRIPS on the writers); statements: writes $STMT_ALL_WRITE," \
    "reads $STMT_ALL_READ, transaction control $STMT_ALL_TX_CONTROL"
  echo "| $n | $intake | $p99 | $e2e | $STMT_ALL_ROUND_TRIPS | $STMT_ALL_WRITE | $STMT_ALL_READ | $STMT_ALL_TX_CONTROL |" >>"$WORK/table.md"
  stop_instances "e2e$n"
done
echo
cat "$WORK/table.md"
