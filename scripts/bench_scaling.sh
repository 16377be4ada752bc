#!/usr/bin/env bash
# `make bench-scaling`: intake and end-to-end throughput of 1, 2 and 3
# `orderflow serve` instances sharing one PostgreSQL database (a throwaway
# cluster on 127.0.0.1, durable settings), the numbers for docs/SCALING.md.
# Each instance gets its own `orderflow load` client; the totals are summed.
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERFLOW_SETUP_EXTRA="postgres" bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build orderflow >/dev/null

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WORK=$(mktemp -d)
TOKEN=scaling-bench-admin-token-0123456789
cleanup() {
  for f in "$WORK"/*.pid; do [[ -e "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  bash scripts/pg_cluster.sh stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BASE=$(bash scripts/pg_cluster.sh start "$WORK/pg")

start() {  # start LOG URL -> port
  local log="$1" url="$2"
  build/orderflow serve --listen 127.0.0.1:0 --db "$url" --admin-token "$TOKEN" \
    --ship-delay 0 --deliver-delay 0 --log-level warn >"$log" 2>&1 &
  echo $! >"$log.pid"
  for _ in $(seq 1 150); do
    if grep -q "listening on" "$log"; then grep -o "listening on http://[^ ]*" "$log" | sed 's/.*://'; return; fi
    sleep 0.1
  done
  echo "did not start" >&2; cat "$log" >&2; exit 1
}

echo "| instances | intake orders/s | intake p99 ms | end to end orders/s |" >"$WORK/table.md"
echo "| --- | --- | --- | --- |" >>"$WORK/table.md"
for n in 1 2 3; do
  db="scale$n"
  psql -q "$BASE" -c "CREATE DATABASE $db" >/dev/null
  url="${BASE%/*}/$db"
  ports=()
  for i in $(seq 1 "$n"); do ports+=("$(start "$WORK/s$n-$i.log" "$url")"); done
  # Enough stock for every order of the run.
  build/orderflow load --target "127.0.0.1:${ports[0]}" --token "$TOKEN" -n 1 --restock 100000000 >/dev/null 2>&1
  echo "== $n instance(s): intake, ${DURATION}s, $CONNECTIONS connections each"
  for i in "${!ports[@]}"; do
    build/orderflow load --target "127.0.0.1:${ports[$i]}" --token "$TOKEN" -c "$CONNECTIONS" \
      -d "$DURATION" 2>/dev/null >"$WORK/intake$n-$i.txt" &
  done
  wait $(jobs -p | tail -n "${#ports[@]}") 2>/dev/null || true
  intake=$(cat "$WORK"/intake$n-*.txt | awk '/^intake:/ {s += $(NF-1)} END {printf "%.0f", s}')
  p99=$(cat "$WORK"/intake$n-*.txt | awk '/latency ms/ {if ($8 > m) m = $8} END {print m}')
  echo "   intake $intake orders/s, worst p99 $p99 ms"
  echo "== $n instance(s): end to end, ${BENCH_E2E_ORDERS:-5000} orders per instance"
  for i in "${!ports[@]}"; do
    build/orderflow load --target "127.0.0.1:${ports[$i]}" --token "$TOKEN" -c "$CONNECTIONS" \
      -n "${BENCH_E2E_ORDERS:-5000}" --end-to-end 2>/dev/null >"$WORK/e2e$n-$i.txt" &
  done
  wait $(jobs -p | tail -n "${#ports[@]}") 2>/dev/null || true
  e2e=$(cat "$WORK"/e2e$n-*.txt | awk '/^end to end:/ {s += $(NF-1)} END {printf "%.0f", s}')
  echo "   end to end $e2e orders/s"
  echo "| $n | $intake | $p99 | $e2e |" >>"$WORK/table.md"
  for i in $(seq 1 "$n"); do kill "$(cat "$WORK/s$n-$i.log.pid")"; done
  sleep 1
done
echo
cat "$WORK/table.md"
cp "$WORK/table.md" docs/scaling_table.md
