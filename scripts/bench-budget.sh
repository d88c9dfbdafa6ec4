#!/usr/bin/env bash
# What one shared-budget slot costs (src/server/market/shared_budget.rs): the
# transaction every Finnhub call of every instance takes on PostgreSQL, replayed
# by pgbench (the statements Folio sends, on the tables of migration 0009) with 1
# client and with 3 (three instances taking slots at once), 10 s each.
# Appends to bench-results/cluster.txt (scripts/bench-cluster.mjs writes the rest).
#   scripts/bench-budget.sh
set -euo pipefail
cd "$(dirname "$0")/.."
db="folio_bench_budget_$$"
psql_() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
work=$(mktemp -d)
cleanup() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
psql_ -d postgres -c "CREATE DATABASE $db"
psql_ -d "$db" -f migrations/postgres/0009_cluster.sql
# The advisory lock class 0x466f0010 and key 2, as shared_budget.rs takes them; a
# call completes at once (the UPDATE), and the log is kept at a minute's worth of a
# 60-a-minute key (the DELETE), as in use.
cat >"$work/slot.sql" <<'SQL'
BEGIN;
SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(1181679632, 2)) AS locked;
SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS now \gset
DELETE FROM upstream_calls WHERE at_ms < :now - 60000;
SELECT at_ms, in_flight FROM upstream_calls;
SELECT until_ms FROM upstream_pause WHERE id = 1;
INSERT INTO upstream_calls (at_ms, in_flight) VALUES (:now, TRUE) RETURNING id \gset
COMMIT;
UPDATE upstream_calls SET at_ms = CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT), in_flight = FALSE WHERE id = :id;
DELETE FROM upstream_calls WHERE id <= :id - 60;
SQL
mkdir -p bench-results
{
  echo
  echo "## One shared-budget slot (scripts/bench-budget.sh, $(date -u +%Y-%m-%dT%H:%MZ))"
  echo "pgbench replaying the slot transaction + completion on PostgreSQL $(psql_ -d postgres -tAc 'SHOW server_version') at 127.0.0.1, 10 s each; nproc=$(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for clients in 1 3; do
    out=$(pgbench -h 127.0.0.1 -U postgres -n -f "$work/slot.sql" -c "$clients" -j "$clients" -T 10 -r "$db" 2>&1)
    tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$out" | head -n 1)
    latency=$(grep -oP 'latency average = \K[0-9.]+ ms' <<<"$out")
    echo "- $clients client(s): $tps slots/s, $latency per slot (transaction + completion)"
  done
  echo "A 60-a-minute key needs 1 slot a second: the slot's cost is noise beside the Finnhub call it guards (tens to hundreds of ms)."
} | tee -a bench-results/cluster.txt
