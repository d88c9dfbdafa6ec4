#!/usr/bin/env bash
# Benchmarks against a release build on this machine. Figures go to
# bench-results/ (one file per benchmark) and are printed.
#   foundation.txt  time to first byte of the sign-in page and the dashboard, and the
#                   cost of a sign-in (bcrypt at the default cost), p50/p99 over N runs.
#   market.txt      warm-cache quote latency; upstream calls for 1,000 dashboard loads
#                   in a minute (takes a minute).
#   dashboard.txt   first load of the dashboard in headless Chromium, empty cache: bytes
#                   transferred (compressed), TTFB of the HTML, time until the chart is
#                   painted (scripts/bench-dashboard.mjs).
#   lighthouse.txt  Lighthouse on /login (anonymous) and / (the demo user), as a phone (its
#                   default simulated throttling) and as a desktop (its desktop preset):
#                   performance, accessibility, best practices, SEO and the bytes
#                   transferred, median of 3 runs (scripts/lighthouse.mjs; full reports of
#                   the median runs in target/lighthouse/).
#   api.txt         throughput and p50/p99 latency of GET /api/dashboard/overview (demo
#                   user, warm cache) at 1, 16 and 128 connections, beside /healthz as the
#                   ceiling of the same server (wrk, 10 s each).
#   api.txt         ... and GET /api/dashboard/positions and /performance beside it, and
#                   the signed-in dashboard page (SSR) at 1 and 16 connections.
#   import.txt      a 50,000-row CSV import (dry run, then the real one) into a new
#                   account, the dashboard overview of that account afterwards, the
#                   first overview after a restart and the warm p50.
#   memory.txt      the server's resident memory after 1,000 users loaded their dashboards.
#   metrics.txt     the overview's throughput with /metrics on and off (alternated), and
#                   the cost of one scrape.
#   portfolio.txt   replay + valuation + all metrics, 10,000 activities, 10 years (criterion).
#   history.txt     the price-history backfill of 50 symbols x 10 years from the fake's
#                   Yahoo API (wall time against the 1-call-a-second floor) and the
#                   rebuild of that ten-year history (benches/history.rs; about a minute).
#   stream.txt      1,000 concurrent /api/stream clients on loopback: one trade's fan-out
#                   latency p50/p99, the server's memory per client, its CPU while 50
#                   symbols trade 10 times a second (benches/stream.rs, the release
#                   server as its own process; about a minute).
#   backup.txt      backup, restore and the account file of the 50,000-activity account,
#                   on SQLite and PostgreSQL (scripts/bench-backup.sh).
#   cluster.txt     several instances on one PostgreSQL behind HAProxy (deploy/haproxy.cfg):
#                   overview throughput and p50/p99 with 1 instance (directly and through
#                   HAProxy) and 3, Finnhub calls a minute counted at the fake, leader
#                   fail-over after kill -9 (scripts/bench-cluster.mjs; about 4 minutes), and
#                   the cost of one shared-budget slot in PostgreSQL (scripts/bench-budget.sh).
#   reliability.txt the disk-full soak (scripts/disk-full-soak.sh; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
runs=${BENCH_RUNS:-200}

cargo leptos build --release --precompress
mkdir -p bench-results
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# (Re)starts the release server on $work's database, with extra VAR=VALUE settings.
start_server() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  env -u DATABASE_URL -u FINNHUB_API_KEY FOLIO_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn "$@" \
    ./target/release/folio >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
}
base="http://127.0.0.1:$port"
start_server

curl -fs -c "$work/cookies" -o /dev/null -d 'username=demo&password=demo123' "$base/auth/login"

# Prints "p50 p99" in milliseconds of curl's time to first byte over $runs requests.
ttfb() {
  for _ in $(seq 1 "$runs"); do curl -s -o /dev/null -w '%{time_starttransfer}\n' "$@"; done |
    python3 -c 'import sys, statistics as s
v = sorted(float(x) * 1000 for x in sys.stdin)
print(f"p50 {s.median(v):.2f} ms  p99 {v[int(len(v) * 0.99) - 1]:.2f} ms  (n={len(v)})")'
}

{
  echo "# Folio foundation benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build"
  echo "GET /healthz                 $(ttfb "$base/healthz")"
  echo "GET /login (SSR)             $(ttfb "$base/login")"
  echo "GET / dashboard (SSR, auth)  $(ttfb -b "$work/cookies" "$base/")"
  runs=$(( runs / 10 )) ; [ "$runs" -ge 10 ] || runs=10
  echo "POST /api/auth/login         $(ttfb -H 'content-type: application/json' -d '{"username":"demo","password":"demo123"}' "$base/api/auth/login")"
  echo "release binary               $(stat -c %s target/release/folio) bytes"
  # The browser files are named by their content's hash (Cargo.toml: hash-files).
  wasm=$(ls -t target/site/pkg/folio*.wasm | head -n 1)
  js=$(ls -t target/site/pkg/folio*.js | head -n 1)
  css=$(ls -t target/site/pkg/folio*.css | head -n 1)
  echo "WASM                         $(stat -c %s "$wasm") bytes raw, $(gzip -9c "$wasm" | wc -c) gzip"
  echo "JS + CSS                     $(cat "$js" "$css" | wc -c) bytes raw, $(cat "$js" "$css" | gzip -9c | wc -c) gzip"
} | tee bench-results/foundation.txt

{
  echo "# Folio dashboard first load — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, headless Chromium, demo prices"
  node scripts/bench-dashboard.mjs "$base" "${BENCH_PAGE_RUNS:-10}"
} | tee bench-results/dashboard.txt

node scripts/lighthouse.mjs "$base" bench-results/lighthouse.txt

token=$(curl -fs "$base/api/auth/login" -H 'content-type: application/json' \
  -d '{"username":"demo","password":"demo123"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
# One wrk run; prints "requests/s p50 p99" (latencies in ms).
load() {
  local connections=$1 path=$2 auth=${3:-"Authorization: Bearer $token"} threads=2
  [ "$connections" -ge 2 ] || threads=1
  wrk -t"$threads" -c"$connections" -d"${BENCH_SECONDS:-10}"s --latency -H "$auth" "$base$path" |
    python3 -c 'import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
p50, p99 = ms("50"), ms("99")
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors.group(1) if errors else 0}")'
}
for _ in $(seq 1 20); do curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/dashboard/overview"; done
{
  echo "# Folio REST API throughput — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores shared by server and wrk, release build, demo prices, warm cache"
  printf '%-28s %5s %12s %10s %10s %8s\n' route conns "requests/s" "p50 ms" "p99 ms" non-2xx
  for connections in 1 16 128; do
    read -r h_rps h_p50 h_p99 h_err <<<"$(load "$connections" /healthz)"
    printf '%-28s %5s %12s %10s %10s %8s\n' "GET /healthz (ceiling)" "$connections" "$h_rps" "$h_p50" "$h_p99" "$h_err"
    for route in overview positions performance; do
      read -r rps p50 p99 err <<<"$(load "$connections" "/api/dashboard/$route")"
      printf '%-28s %5s %12s %10s %10s %8s\n' "GET /api/dashboard/$route" "$connections" "$rps" "$p50" "$p99" "$err"
      python3 -c "print('%-28s %5s %12.3f' % ('$route / ceiling', $connections, $rps / $h_rps))"
    done
  done
  # The floor of any signed-in route: /api/auth/me makes the one indexed read of the
  # session check and nothing else (the same read the dashboard routes make).
  read -r rps p50 p99 err <<<"$(load 128 /api/auth/me)"
  printf '%-28s %5s %12s %10s %10s %8s\n' "GET /api/auth/me (1 read)" 128 "$rps" "$p50" "$p99" "$err"
  python3 -c "print('%-28s %5s %12.3f' % ('one read / ceiling', 128, $rps / $h_rps))"
  # The whole dashboard page, server-rendered for a signed-in browser (cookie).
  cookie=$(awk '$6 == "folio_token" { print "Cookie: folio_token=" $7 }' "$work/cookies")
  for connections in 1 16; do
    read -r rps p50 p99 err <<<"$(load "$connections" / "$cookie")"
    printf '%-28s %5s %12s %10s %10s %8s\n' "GET / (dashboard SSR)" "$connections" "$rps" "$p50" "$p99" "$err"
  done
} | tee bench-results/api.txt

# The cost of the metrics: the overview at 16 connections with /metrics on (token)
# and off, in the order on off off on on off off on (each mode as often early as
# late, so drift on a shared machine hits both alike), then the median of each.
# The block runs in this shell, not a pipeline's subshell: it restarts the server.
metrics_token=bench-metrics-token-0123456789abcdef
{
  echo "# Folio metrics cost — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores shared by server and wrk, release build, demo prices, warm cache, 16 connections"
  printf '%-34s %12s %10s %10s\n' run "requests/s" "p50 ms" "p99 ms"
  on_runs=""; off_runs=""
  for mode in on off off on on off off on; do
    if [ "$mode" = on ]; then start_server FOLIO_METRICS_TOKEN="$metrics_token"; else start_server; fi
    for _ in $(seq 1 20); do curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/dashboard/overview"; done
    read -r rps p50 p99 _ <<<"$(load 16 /api/dashboard/overview)"
    printf '%-34s %12s %10s %10s\n' "overview, metrics $mode" "$rps" "$p50" "$p99"
    if [ "$mode" = on ]; then on_runs="$on_runs $rps"; else off_runs="$off_runs $rps"; fi
    if [ "$mode" = on ] && [ -z "${scraped:-}" ]; then
      scraped=1
      echo "GET /metrics (scrape)              $(ttfb -H "Authorization: Bearer $metrics_token" "$base/metrics")"
      exposition=$(curl -fs -H "Authorization: Bearer $metrics_token" "$base/metrics")
      echo "exposition                         $(printf '%s' "$exposition" | wc -c) bytes, $(printf '%s\n' "$exposition" | grep -vc '^#') series lines"
    fi
  done
  python3 -c "
import statistics as s
on, off = [float(x) for x in '$on_runs'.split()], [float(x) for x in '$off_runs'.split()]
print(f'median requests/s: metrics on {s.median(on):.0f}, off {s.median(off):.0f}; on / off {s.median(on) / s.median(off):.3f} (cost {100 * (1 - s.median(on) / s.median(off)):+.1f} %)')
print(f'spread between runs of one mode: on {100 * (max(on) - min(on)) / s.median(on):.1f} %, off {100 * (max(off) - min(off)) / s.median(off):.1f} %')"
  echo "# The recording itself (benches/metrics.rs, no server):"
  cargo bench --features ssr --bench metrics 2>/dev/null | grep "record one"
} > >(tee bench-results/metrics.txt)
start_server

# 50,000 rows: a deposit every third row, buys of KO otherwise, 15 a day over ~9 years.
python3 - "$work/ledger.csv" <<'PY'
import datetime, sys
start = datetime.date(2016, 1, 4)
with open(sys.argv[1], "w") as f:
    f.write("date,kind,symbol,quantity,price,amount\n")
    for i in range(50_000):
        day = start + datetime.timedelta(days=i // 15)
        f.write(f"{day},deposit,,,,1000\n" if i % 3 == 0 else f"{day},buy,KO,1,{40 + i % 20}.{i % 100:02d},\n")
PY
bulk_token=$(curl -fs "$base/api/auth/signup" -H 'content-type: application/json' \
  -d '{"username":"bench_import","password":"bench import pw"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
timed() { curl -s -o "$work/out.json" -w '%{http_code} %{time_total}' "$@"; }
{
  echo "# Folio CSV import — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, SQLite, $(stat -c %s "$work/ledger.csv") bytes, 50,000 rows"
  read -r code seconds <<<"$(timed -H "Authorization: Bearer $bulk_token" -F "file=@$work/ledger.csv" "$base/api/activities/import?dry_run=true")"
  echo "dry run             HTTP $code  ${seconds} s"
  read -r code seconds <<<"$(timed -H "Authorization: Bearer $bulk_token" -F "file=@$work/ledger.csv" "$base/api/activities/import?dry_run=false")"
  written=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["data"]; print("new", d["new_count"], "written", d["written"])' "$work/out.json" 2>/dev/null || echo "no report")
  echo "import (written)    HTTP $code  ${seconds} s  $written"
  read -r code seconds <<<"$(timed -H "Authorization: Bearer $bulk_token" "$base/api/dashboard/overview")"
  echo "overview afterwards HTTP $code  ${seconds} s (first load: snapshots of ~9 years)"
  read -r code seconds <<<"$(timed -H "Authorization: Bearer $bulk_token" "$base/api/dashboard/overview")"
  echo "overview again      HTTP $code  ${seconds} s"
} | tee bench-results/import.txt
# Restarted here, not inside the block above (a pipeline runs it in a subshell,
# which would leave a second server behind).
start_server
{
  read -r code seconds <<<"$(timed -H "Authorization: Bearer $bulk_token" "$base/api/dashboard/overview")"
  echo "first overview after a restart  HTTP $code  ${seconds} s (the kept state is built)"
  read -r rps p50 p99 err <<<"$(BENCH_SECONDS=5 load 1 /api/dashboard/overview "Authorization: Bearer $bulk_token")"
  echo "warm overview, 1 connection     p50 ${p50} ms  p99 ${p99} ms  ${rps} requests/s  non-2xx ${err}"
} | tee -a bench-results/import.txt

# Memory: 1,000 people sign up, record a deposit and a buy, and load their
# dashboards; the server's resident memory before and after (cheap bcrypt, so
# sign-ups do not dominate; the throttle lets one address sign up 1,000 times).
start_server FOLIO_BCRYPT_COST=4 FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; }
{
  echo "# Folio memory — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, SQLite, demo prices, FOLIO_PORTFOLIO_CACHE_MB default"
  before=$(rss)
  python3 - "$base" 1000 <<'PY'
import datetime, json, sys, urllib.request
base, users = sys.argv[1], int(sys.argv[2])
def call(path, body=None, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        return response.status, response.read()
day = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
for n in range(users):
    _, body = call("/api/auth/signup", {"username": f"mem{n:04d}", "password": "memory bench pw"})
    token = json.loads(body)["access_token"]
    call("/api/activities", {"kind": "deposit", "date": day, "amount": "10000"}, token)
    call("/api/activities", {"kind": "buy", "date": day, "symbol": "AAPL", "quantity": "5", "price": "180"}, token)
    status, page = call("/", token=token)
    assert status == 200 and b"AAPL" in page, status
PY
  after=$(rss)
  echo "resident memory at start         $((before / 1024)) MiB"
  echo "after 1,000 users' dashboards    $((after / 1024)) MiB  (+$(( (after - before) / 1000 )) KiB a user)"
} | tee bench-results/memory.txt

cleanup
trap - EXIT
{
  echo "# Folio market-data benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, fake Finnhub"
  cargo bench --features ssr --bench market 2>/dev/null
} | tee bench-results/market.txt

{
  echo "# Folio portfolio-engine benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build (criterion)"
  cargo bench --features ssr --bench portfolio 2>/dev/null | grep -E "time:|replay|kept|warm" || true
  python3 - <<'PY'
import json, glob
for path in glob.glob("target/criterion/*/new/estimates.json"):
    e = json.load(open(path))
    print(f"median {e['median']['point_estimate'] / 1e6:.3f} ms  (mean {e['mean']['point_estimate'] / 1e6:.3f} ms)  {path.split('/')[2]}")
PY
} | tee bench-results/portfolio.txt

{
  echo "# Folio price-history benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, fake Yahoo chart API"
  cargo bench --features ssr --bench history 2>/dev/null
} | tee bench-results/history.txt

{
  echo "# Folio live-stream benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, release build, fake Finnhub WebSocket in the client process"
  FOLIO_BIN="$PWD/target/release/folio" cargo bench --features ssr --bench stream 2>/dev/null
} | tee bench-results/stream.txt

scripts/bench-backup.sh

cargo build --release -p folio-fakes --bin fake_finnhub
FOLIO_BIN=target/release/folio FAKE_FINNHUB_BIN=target/release/fake_finnhub node scripts/bench-cluster.mjs bench-results/cluster.txt
# ... and what one shared-budget slot costs, appended to the same file.
scripts/bench-budget.sh

if [ "$(id -u)" -eq 0 ]; then scripts/disk-full-soak.sh 60; else echo "bench: the disk-full soak needs root; skipped"; fi
