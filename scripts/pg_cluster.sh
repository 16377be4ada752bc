#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests.
#   scripts/pg_cluster.sh start DIR [PORT]   initdb in DIR, start it, print the URL
#   scripts/pg_cluster.sh stop DIR           stop it (DIR is left for the caller)
#   scripts/pg_cluster.sh resume DIR         start a stopped cluster again
# Listens on 127.0.0.1 only (trust auth there), sockets inside DIR, durable
# defaults (fsync on). initdb refuses root, so the server runs as `postgres`.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start DIR [PORT] | stop DIR | resume DIR" >&2
  exit 2
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

case "$cmd" in
  start)
    port=${3:-}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
    chmod 700 "$dir"
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    cp "$dir/data/postgresql.conf" "$dir/postgresql.conf.initdb"
    # Candidate ports: the one asked for, else a range below the kernel's
    # ephemeral range, where outgoing connections never get a port (a clash
    # with one failed a clean-clone run once). Another process may still
    # take a port between the check and the bind: then the next one is tried.
    if [[ -n "$port" ]]; then
      candidates=("$port")
    else
      read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
      first=25432
      if ((first + 100 > ephemeral_low)); then first=$((ephemeral_low - 1100)); fi
      mapfile -t candidates < <(seq "$first" $((first + 99)))
    fi
    started=""
    for p in "${candidates[@]}"; do
      port_free "$p" || continue
      cp "$dir/postgresql.conf.initdb" "$dir/data/postgresql.conf"
      cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $p
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
synchronous_commit = on
EOF
      if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        port=$p
        started=1
        break
      fi
      if ! grep -q "could not bind\|could not create any TCP/IP sockets" "$dir/server.log"; then
        cat "$dir/server.log" >&2
        exit 1
      fi
      echo "pg_cluster: port $p was taken meanwhile; trying the next" >&2
    done
    [[ -n "$started" ]] || { echo "pg_cluster: no free port among ${candidates[*]}" >&2; exit 1; }
    for _ in $(seq 1 60); do
      if as_owner /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
      sleep 0.5
    done
    as_owner /usr/lib/postgresql/15/bin/psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE DATABASE orderflow_test" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/orderflow_test"
    ;;
  resume)
    # Starts a cluster made by `start` again (after `stop`), keeping its data.
    dir=$(cd "$dir" && pwd)
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 start DIR [PORT] | stop DIR" >&2
    exit 2
    ;;
esac
