#!/usr/bin/env bash
# Backups of the 50,000-activity account (release build, SQLite, then PostgreSQL if
# it answers on 127.0.0.1:5432): `folio backup` while the server runs, `folio
# restore` with it stopped, the account file's export and import through the API,
# and `folio migrate-db` to PostgreSQL. Times and sizes go to bench-results/backup.txt.
# Run by scripts/bench.sh (make bench); alone: scripts/bench-backup.sh (after a
# release build).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pg_db="folio_bench_backup_$$"
stop_server() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
cleanup() {
  stop_server
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
start_server() {
  stop_server
  env -u DATABASE_URL -u FINNHUB_API_KEY FOLIO_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
    ./target/release/folio >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
}
# Seconds a command takes (its output goes to $work/last.txt).
seconds() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[1], "w") as out:
    code = subprocess.call(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
if code != 0:
    sys.stderr.write(open(sys.argv[1]).read())
print(f"{time.perf_counter() - t:.2f}" if code == 0 else f"failed({code})")
PY
}
size() { python3 -c 'import os, sys; print(f"{os.path.getsize(sys.argv[1]) / 1e6:.1f} MB")' "$1"; }

start_server
python3 - "$work/ledger.csv" <<'PY'
import datetime, sys
start = datetime.date(2016, 1, 4)
with open(sys.argv[1], "w") as f:
    f.write("date,kind,symbol,quantity,price,amount,fee,note\n")
    for i in range(50_000):
        day = start + datetime.timedelta(days=i // 15)
        f.write(f"{day},deposit,,,,1000,,\n" if i % 3 == 0 else f"{day},buy,KO,1,{40 + i % 20}.{i % 100:02d},,0.5,row {i}\n")
PY
token=$(curl -fs "$base/api/auth/signup" -H 'content-type: application/json' \
  -d '{"username":"bench_backup","password":"bench backup pw"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -fs -o /dev/null -H "Authorization: Bearer $token" -F "file=@$work/ledger.csv" "$base/api/activities/import?dry_run=false"
overview() { curl -fs -H "Authorization: Bearer $1" "$base/api/dashboard/overview" | python3 -c 'import json, sys; d = json.load(sys.stdin)["data"]; print(d["total_value"], d["cash"], d["invested"])'; }
curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/dashboard/overview"
before=$(overview "$token")

{
  echo "# Folio backups — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, 50,000 activities (~9 years of history) plus the demo"
  echo "database file            $(size "$work/folio.db") (+ WAL $(size "$work/folio.db-wal"))"
  t=$(seconds "$work/last.txt" env -u DATABASE_URL FOLIO_DATA_DIR="$work" ./target/release/folio backup)
  file=$(sed -n 's/^backup written: //p' "$work/last.txt")
  echo "folio backup (SQLite, server running)   ${t} s  $(size "$file")"
  t=$(seconds "$work/export.json" curl -fs -H "Authorization: Bearer $token" "$base/api/account/export")
  echo "account export (API)                    ${t} s  $(size "$work/export.json")"
  other=$(curl -fs "$base/api/auth/signup" -H 'content-type: application/json' \
    -d '{"username":"bench_backup_2","password":"bench backup pw"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  t=$(seconds "$work/last.txt" curl -fs -H "Authorization: Bearer $other" -H 'content-type: application/json' \
    --data-binary "@$work/export.json" "$base/api/account/import")
  echo "account import (API, new person)        ${t} s  $(head -c 80 "$work/last.txt")"
  same=$([ "$(overview "$other")" = "$before" ] && echo "same overview" || echo "OVERVIEW DIFFERS")
  echo "                                        $same ($before)"
  stop_server
  t=$(seconds "$work/last.txt" env -u DATABASE_URL FOLIO_DATA_DIR="$work" ./target/release/folio restore "$file")
  echo "folio restore (SQLite, server stopped)  ${t} s"
  start_server
  same=$([ "$(overview "$token")" = "$before" ] && echo "same overview" || echo "OVERVIEW DIFFERS")
  echo "after the restore                       $same"
  stop_server
  if psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pg_db" >/dev/null 2>&1; then
    pg="postgres://postgres@127.0.0.1:5432/$pg_db"
    t=$(seconds "$work/last.txt" env -u DATABASE_URL FOLIO_DATA_DIR="$work" ./target/release/folio migrate-db --to "$pg")
    echo "folio migrate-db to PostgreSQL          ${t} s"
    t=$(seconds "$work/last.txt" env DATABASE_URL="$pg" FOLIO_DATA_DIR="$work" FOLIO_BACKUP_DIR="$work/pg-backups" ./target/release/folio backup)
    file=$(sed -n 's/^backup written: //p' "$work/last.txt")
    echo "folio backup (PostgreSQL)               ${t} s  $(size "$file")"
    t=$(seconds "$work/last.txt" env DATABASE_URL="$pg" FOLIO_DATA_DIR="$work" ./target/release/folio restore "$file")
    echo "folio restore (PostgreSQL)              ${t} s"
  else
    echo "PostgreSQL not reachable on 127.0.0.1:5432: its figures are skipped"
  fi
} | tee bench-results/backup.txt
