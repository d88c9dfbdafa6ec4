#!/usr/bin/env bash
# Several Folio instances on one PostgreSQL behind HAProxy, all on loopback (#15):
# the fake Finnhub, a new database, N instances (3 by default) sharing it, one JWT
# secret and one Finnhub key, and HAProxy (deploy/haproxy.cfg) in front. Waits
# until everything is ready, prints the addresses, and runs until Ctrl-C (or
# SIGTERM); then it stops everything it started and drops the database.
#
#   scripts/cluster.sh [--instances N] [--listen ADDR] [--state DIR] [-- VAR=VALUE ...]
#
#   --instances N  1 to 3 instances (deploy/haproxy.cfg names three servers)
#   --listen ADDR  HAProxy's address (default 127.0.0.1:3000)
#   --state DIR    for programs (scripts/cluster-check.mjs, bench-cluster.mjs): once
#                  ready, write DIR/cluster.env (addresses, pids, database) and keep
#                  the logs in DIR; also stop when the parent process is gone, so a
#                  killed caller never leaves a cluster behind
#   VAR=VALUE      extra settings for every instance (e.g. FOLIO_BCRYPT_COST=4)
#
# Environment: FOLIO_BIN (default target/release/folio if built, else
# target/debug/folio), FAKE_FINNHUB_BIN (default target/debug/fake_finnhub),
# CLUSTER_PG (default postgres://postgres@127.0.0.1:5432, a role that may create
# databases), FOLIO_JWT_SECRET (default: random for this run), CLUSTER_FINNHUB_KEY
# (the fake's key, default cluster-key), CLUSTER_RUST_LOG (default info,sqlx=warn),
# CLUSTER_KEEP_LOGS=DIR (copy the logs there on exit, named cluster-*.log).
set -euo pipefail
cd "$(dirname "$0")/.."

instances=3
listen=127.0.0.1:3000
state=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$instances" in 1|2|3) ;; *) echo "cluster: --instances must be 1, 2 or 3" >&2; exit 2 ;; esac

say() { printf 'cluster: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

bin=${FOLIO_BIN:-}
if [ -z "$bin" ]; then
  if [ -x target/release/folio ]; then bin=target/release/folio; else bin=target/debug/folio; fi
fi
fake_bin=${FAKE_FINNHUB_BIN:-target/debug/fake_finnhub}
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
pg=${CLUSTER_PG:-postgres://postgres@127.0.0.1:5432}
[ -x "$bin" ] || die "no Folio binary at $bin (build it: cargo leptos build --release, or set FOLIO_BIN)"
[ -x "$fake_bin" ] || die "no fake Finnhub at $fake_bin (build it: cargo build -p folio-fakes --bin fake_finnhub)"
[ -x "$haproxy_bin" ] || die "HAProxy is not installed (scripts/bootstrap.sh cluster installs Debian's haproxy)"
command -v psql >/dev/null || die "psql is needed to create the database (Debian: postgresql-client)"
psql "$pg/postgres" -qAtc 'select 1' >/dev/null 2>&1 || die "PostgreSQL does not answer at $pg (user postgres, trust on 127.0.0.1)"

if [ -n "$state" ]; then
  mkdir -p "$state"
  work=$(cd "$state" && pwd)
  watch_parent=$PPID
else
  work=$(mktemp -d -t folio-cluster.XXXXXX)
  watch_parent=""
fi
db="folio_cluster_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
secret=${FOLIO_JWT_SECRET:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
key=${CLUSTER_FINNHUB_KEY:-cluster-key}
pids=()
haproxy_pid=""
fake_pid=""
created_db=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null
  # SIGTERM: each instance drains (FOLIO_SHUTDOWN_DRAIN) and lets go of its lock.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  for pid in "${pids[@]}" $haproxy_pid $fake_pid; do wait "$pid" 2>/dev/null; done
  if [ -n "$created_db" ]; then
    psql "$pg/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 \
      || say "could not drop database $db"
  fi
  if [ -n "${CLUSTER_KEEP_LOGS:-}" ]; then
    mkdir -p "$CLUSTER_KEEP_LOGS"
    for log in "$work"/*.log; do [ -f "$log" ] && cp "$log" "$CLUSTER_KEEP_LOGS/cluster-$(basename "$log")"; done
  fi
  if [ -z "$state" ]; then rm -rf "$work"; else rm -f "$work/cluster.env"; rm -rf "$work"/data-*; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for URL PID LOG WHAT: up to 60 s for URL to answer 2xx, or show LOG and fail.
wait_for() {
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$3" >&2; die "$4 stopped while starting (log above: $3)"; }
    sleep 0.2
  done
  tail -n 30 "$3" >&2
  die "$4 was not ready within 60 s (log above: $3)"
}

# The fake Finnhub: REST (/api/v1), its trade WebSocket (/) and its controls (/_fake).
fake_port=$(free_port)
"$fake_bin" "127.0.0.1:$fake_port" "$key" >"$work/fake.log" 2>&1 &
fake_pid=$!
fake="http://127.0.0.1:$fake_port"
wait_for "$fake/_fake/stream" "$fake_pid" "$work/fake.log" "the fake Finnhub"

psql "$pg/postgres" -qAtc "CREATE DATABASE $db" >/dev/null
created_db=1
database_url="$pg/$db"

ports=()
start_instance() {
  local n=$1 port
  port=$(free_port)
  ports[n]=$port
  mkdir -p "$work/data-$n"
  env -u FINNHUB_CALLS_PER_MINUTE -u FINNHUB_CALLS_PER_SECOND -u FOLIO_METRICS_ADDR -u FOLIO_BACKUP_DIR \
    DATABASE_URL="$database_url" FOLIO_JWT_SECRET="$secret" \
    FINNHUB_API_KEY="$key" FINNHUB_BASE_URL="$fake/api/v1" FINNHUB_WS_URL="ws://127.0.0.1:$fake_port" \
    FOLIO_HISTORY_SOURCE=none FOLIO_HISTORY_BASE_URL="$fake" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}" \
    FOLIO_DATA_DIR="$work/data-$n" FOLIO_SHUTDOWN_DRAIN=3s FOLIO_SEED_DEMO=true FOLIO_TRUSTED_PROXIES=127.0.0.1 \
    RUST_LOG="${CLUSTER_RUST_LOG:-info,sqlx=warn}" FOLIO_LOG_FORMAT=text \
    "${extra[@]}" "$bin" >"$work/instance-$n.log" 2>&1 &
  pids[n - 1]=$!
  # Not a job bash reports on: a test kills instances on purpose.
  disown "$!"
}

# The first instance alone migrates the new database and seeds the demo user; the
# others start together once it is ready.
start_instance 1
wait_for "http://127.0.0.1:${ports[1]}/readyz" "${pids[0]}" "$work/instance-1.log" "instance 1"
for n in $(seq 2 "$instances"); do start_instance "$n"; done
for n in $(seq 2 "$instances"); do
  wait_for "http://127.0.0.1:${ports[n]}/readyz" "${pids[n - 1]}" "$work/instance-$n.log" "instance $n"
done

stats_port=$(free_port)
lb_env=(FOLIO_LB_ADDR="$listen" FOLIO_LB_STATS_ADDR="127.0.0.1:$stats_port")
for n in $(seq 1 "$instances"); do lb_env+=("FOLIO_INSTANCE_$n=127.0.0.1:${ports[n]}"); done
env -u FOLIO_INSTANCE_2 -u FOLIO_INSTANCE_3 "${lb_env[@]}" "$haproxy_bin" -f deploy/haproxy.cfg -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
lb="http://$listen"
stats="http://127.0.0.1:$stats_port/stats"
# Ready when HAProxy answers and counts every instance UP (its CSV: field 18 is the status).
for _ in $(seq 1 100); do
  up=$(curl -fs "$stats;csv" 2>/dev/null | awk -F, '$1 == "instances" && $2 ~ /^folio[0-9]$/ && $18 == "UP"' | wc -l) || up=0
  [ "$up" = "$instances" ] && curl -fs -o /dev/null "$lb/readyz" && break
  kill -0 "$haproxy_pid" 2>/dev/null || { cat "$work/haproxy.log" >&2; die "HAProxy stopped (is $listen taken?)"; }
  sleep 0.2
done
[ "$up" = "$instances" ] || { cat "$work/haproxy.log" >&2; die "HAProxy did not see the $instances instances up"; }

if [ -n "$state" ]; then
  {
    echo "LB_URL=$lb"
    echo "STATS_URL=$stats"
    echo "FAKE_URL=$fake"
    echo "FINNHUB_KEY=$key"
    echo "DATABASE=$db"
    echo "DATABASE_URL=$database_url"
    echo "INSTANCES=$instances"
    for n in $(seq 1 "$instances"); do
      echo "INSTANCE_${n}_URL=http://127.0.0.1:${ports[n]}"
      echo "INSTANCE_${n}_PID=${pids[n - 1]}"
      echo "INSTANCE_${n}_LOG=$work/instance-$n.log"
    done
    echo "HAPROXY_PID=$haproxy_pid"
    echo "FAKE_PID=$fake_pid"
    echo "BIN=$bin"
  } >"$work/cluster.env.tmp"
  mv "$work/cluster.env.tmp" "$work/cluster.env"
else
  cat <<EOF

Folio: $instances instances on PostgreSQL database $db, behind HAProxy
  open        $lb   (sign in as demo / demo123)
  instances   $(for n in $(seq 1 "$instances"); do printf 'http://127.0.0.1:%s  ' "${ports[n]}"; done)
  roles       curl -s http://127.0.0.1:${ports[1]}/readyz   (role: leader or follower)
  HAProxy     $stats
  fake        $fake   (POST /_fake/stream/trades, GET /_fake/calls, ...)
  logs        $work
Try: kill -9 the leader's pid (${pids[*]}: instances 1..$instances) and watch another take over.
Ctrl-C stops everything and drops the database.

EOF
fi

# Runs until interrupted, or until the program that asked for it is gone; says
# when an instance stops (a test may kill one on purpose).
reported=()
while :; do
  sleep 1 &
  wait $! || true
  if [ -n "$watch_parent" ] && ! kill -0 "$watch_parent" 2>/dev/null; then exit 0; fi
  kill -0 "$haproxy_pid" 2>/dev/null || { tail -n 20 "$work/haproxy.log" >&2; die "HAProxy stopped"; }
  for n in $(seq 1 "$instances"); do
    if [ -z "${reported[n]:-}" ] && ! kill -0 "${pids[n - 1]}" 2>/dev/null; then
      reported[n]=1
      say "instance $n (pid ${pids[n - 1]}) stopped; its log: $work/instance-$n.log"
    fi
  done
done
