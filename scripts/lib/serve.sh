# Sourced by scripts that test against a running Folio (e2e.sh, fuzz.sh).
#   serve_with_fake KEY [VAR=VALUE ...]
# starts the fake Finnhub (accepting KEY) and the debug build of the app pointed at
# it, on free ports, with their own data directory (a fresh SQLite database seeded
# with the demo user), waits until the app is ready, and stops both on exit.
# Afterwards: $base (the app's URL), $fake_base, $work, $server_log.
#   serve_demo
# starts a second app on demo prices (no API key: the configuration `make run`
# gives a new user, with a year of back-filled history for the charts) in a data
# directory of its own. Afterwards: $demo_base, $demo_log.
#   serve_history KEY
# (after serve_with_fake) starts a third app on the same fake with price history
# fetched from the fake's Yahoo chart API (FOLIO_HISTORY_SOURCE=yahoo) and no demo
# user, in a data directory of its own. Afterwards: $history_base, $history_log.
#   serve_live KEY
# (after serve_with_fake) starts a fourth app with a fake Finnhub of its own, whose
# trade WebSocket the live-price tests push trades at (pushed trades move prices:
# on a fake of their own they cannot move the other tests' numbers).
# Afterwards: $live_base, $live_fake_base, $live_log.
# SERVE_RUST_LOG and SERVE_LOG_FORMAT set the servers' logging; with SERVE_KEEP_LOGS
# their logs are copied into that folder on exit (named SERVE_LOG_PREFIX-*.log).
# Both let one address sign up and fail to sign in far more often than the
# default 20 a minute: every test user comes from 127.0.0.1.

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

_serve_cleanup() {
  for pid in "${_server_pid:-}" "${_fake_pid:-}" "${_demo_pid:-}" "${_history_pid:-}" "${_live_pid:-}" "${_live_fake_pid:-}"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  # The servers' logs join the run's logs for scripts/check-logs.sh.
  if [ -n "${SERVE_KEEP_LOGS:-}" ] && [ -d "${work:-}" ]; then
    mkdir -p "$SERVE_KEEP_LOGS"
    for log in "$work/server.log" "$work/demo.log" "$work/history.log" "$work/live.log"; do
      [ -f "$log" ] && cp "$log" "$SERVE_KEEP_LOGS/${SERVE_LOG_PREFIX:-serve}-$(basename "$log")"
    done
  fi
  rm -rf "${work:-}"
}

serve_with_fake() {
  local key=$1 port fake_port
  shift
  work=$(mktemp -d)
  port=$(free_port)
  fake_port=$(free_port)
  server_log="$work/server.log"
  trap _serve_cleanup EXIT
  ./target/debug/fake_finnhub "127.0.0.1:$fake_port" "$key" >"$work/fake.log" 2>&1 &
  _fake_pid=$!
  env -u DATABASE_URL -u FOLIO_JWT_SECRET \
    FINNHUB_API_KEY="$key" FINNHUB_BASE_URL="http://127.0.0.1:$fake_port/api/v1" \
    FINNHUB_WS_URL="ws://127.0.0.1:$fake_port" \
    FOLIO_HISTORY_BASE_URL="http://127.0.0.1:$fake_port" FOLIO_HISTORY_SOURCE="${SERVE_HISTORY_SOURCE:-none}" \
    FOLIO_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    FOLIO_SEED_DEMO=true FOLIO_ALLOW_SIGNUP=true FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000 \
    RUST_LOG="${SERVE_RUST_LOG:-warn}" FOLIO_LOG_FORMAT="${SERVE_LOG_FORMAT:-text}" "$@" \
    ./target/debug/folio >"$server_log" 2>&1 &
  _server_pid=$!
  base="http://127.0.0.1:$port"
  fake_base="http://127.0.0.1:$fake_port"
  _wait_ready "$base" "$_server_pid" "$server_log"
}

# _wait_ready URL PID LOG: waits up to 30 s for URL/readyz, or shows LOG and exits.
_wait_ready() {
  for _ in $(seq 1 150); do
    curl -fs "$1/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server did not start:"; cat "$3"; exit 1; }
    sleep 0.2
  done
  echo "the server did not become ready:"; cat "$3"; exit 1
}

serve_demo() {
  local port
  port=$(free_port)
  mkdir -p "$work/demo"
  demo_log="$work/demo.log"
  env -u DATABASE_URL -u FOLIO_JWT_SECRET -u FINNHUB_API_KEY \
    FINNHUB_STREAM=false \
    FOLIO_DATA_DIR="$work/demo" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    FOLIO_SEED_DEMO=true FOLIO_ALLOW_SIGNUP=true FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000 \
    RUST_LOG="${SERVE_RUST_LOG:-warn}" FOLIO_LOG_FORMAT="${SERVE_LOG_FORMAT:-text}" \
    ./target/debug/folio >"$demo_log" 2>&1 &
  _demo_pid=$!
  demo_base="http://127.0.0.1:$port"
  _wait_ready "$demo_base" "$_demo_pid" "$demo_log"
}

serve_history() {
  local key=$1 port
  port=$(free_port)
  mkdir -p "$work/history"
  history_log="$work/history.log"
  env -u DATABASE_URL -u FOLIO_JWT_SECRET \
    FINNHUB_API_KEY="$key" FINNHUB_BASE_URL="$fake_base/api/v1" \
    FOLIO_HISTORY_BASE_URL="$fake_base" FOLIO_HISTORY_SOURCE=yahoo FINNHUB_STREAM=false \
    FOLIO_DATA_DIR="$work/history" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    FOLIO_SEED_DEMO=false FOLIO_ALLOW_SIGNUP=true FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000 \
    RUST_LOG="${SERVE_RUST_LOG:-warn}" FOLIO_LOG_FORMAT="${SERVE_LOG_FORMAT:-text}" \
    ./target/debug/folio >"$history_log" 2>&1 &
  _history_pid=$!
  history_base="http://127.0.0.1:$port"
  _wait_ready "$history_base" "$_history_pid" "$history_log"
}

serve_live() {
  local key=$1 port fake_port
  port=$(free_port)
  fake_port=$(free_port)
  mkdir -p "$work/live"
  live_log="$work/live.log"
  ./target/debug/fake_finnhub "127.0.0.1:$fake_port" "$key" >"$work/live-fake.log" 2>&1 &
  _live_fake_pid=$!
  env -u DATABASE_URL -u FOLIO_JWT_SECRET \
    FINNHUB_API_KEY="$key" FINNHUB_BASE_URL="http://127.0.0.1:$fake_port/api/v1" \
    FINNHUB_WS_URL="ws://127.0.0.1:$fake_port" FOLIO_HISTORY_SOURCE=none \
    FOLIO_DATA_DIR="$work/live" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    FOLIO_SEED_DEMO=false FOLIO_ALLOW_SIGNUP=true FOLIO_AUTH_ATTEMPTS_PER_ADDRESS=100000 \
    RUST_LOG="${SERVE_RUST_LOG:-warn}" FOLIO_LOG_FORMAT="${SERVE_LOG_FORMAT:-text}" \
    ./target/debug/folio >"$live_log" 2>&1 &
  _live_pid=$!
  live_base="http://127.0.0.1:$port"
  live_fake_base="http://127.0.0.1:$fake_port"
  _wait_ready "$live_base" "$_live_pid" "$live_log"
}
