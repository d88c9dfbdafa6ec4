#!/usr/bin/env bash
# End-to-end tests: build the app (debug), start the fake Finnhub and the app on
# free ports (the app with its own SQLite database, pointed at the fake), run
# Playwright in headless Chromium against it, stop both.
# Screenshots and reports land in end2end/test-results and end2end/playwright-report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

cargo leptos build
cargo build --features ssr --bin fake_finnhub

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
fake_port=$(free_port)
log="$work/server.log"
cleanup() {
  for pid in "${server_pid:-}" "${fake_pid:-}"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

./target/debug/fake_finnhub "127.0.0.1:$fake_port" e2e-key >"$work/fake.log" 2>&1 &
fake_pid=$!

env -u DATABASE_URL -u FOLIO_JWT_SECRET \
  FINNHUB_API_KEY=e2e-key FINNHUB_BASE_URL="http://127.0.0.1:$fake_port/api/v1" \
  FOLIO_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  FOLIO_SEED_DEMO=true FOLIO_ALLOW_SIGNUP=true RUST_LOG=warn \
  ./target/debug/folio >"$log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "e2e: the server did not start:"; cat "$log"; exit 1; }
  sleep 0.2
done

rm -rf end2end/test-results
status=0
FOLIO_E2E_URL="http://127.0.0.1:$port" FAKE_FINNHUB_URL="http://127.0.0.1:$fake_port" npx playwright test --config end2end/playwright.config.ts "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: server log:"; tail -n 50 "$log"
fi
exit "$status"
