#!/usr/bin/env bash
# End-to-end tests: build the app (debug), start the fake Finnhub and the app on
# free ports (the app with its own SQLite database, pointed at the fake), a second
# app on demo prices (its back-filled history feeds the chart tests), and a third
# that fetches price history from the fake's Yahoo API (the history tests), a
# fourth with a fake of its own to push live trades at (the live-price tests), run
# Playwright in headless Chromium against them, stop them all.
# Screenshots and reports land in end2end/test-results and end2end/playwright-report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

cargo leptos build
cargo build -p folio-fakes --bin fake_finnhub

# The servers log request lines as JSON; the logs join the run's for check-logs.sh.
export SERVE_RUST_LOG="info,tower_http=debug,folio::server::market=debug" SERVE_LOG_FORMAT=json
export SERVE_KEEP_LOGS="$PWD/target/tmp/logs" SERVE_LOG_PREFIX=e2e
# bcrypt at its real cost spends 1-2.5 s of one of two cores on each of the run's
# ~60 sign-ins, which pushed long tests past their limit on a busy machine; the
# cost itself is checked by the unit and integration tests.
export FOLIO_BCRYPT_COST=4
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
serve_with_fake e2e-key
serve_demo
serve_history e2e-key
serve_live e2e-key

rm -rf end2end/test-results
status=0
FOLIO_E2E_URL="$base" FOLIO_DEMO_URL="$demo_base" FOLIO_HISTORY_URL="$history_base" FAKE_FINNHUB_URL="$fake_base" \
  FOLIO_LIVE_URL="$live_base" LIVE_FAKE_URL="$live_fake_base" npx playwright test --config end2end/playwright.config.ts "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: warnings and errors of both servers:"
  grep -h -E '"level":"(WARN|ERROR)"' "$server_log" "$demo_log" "$history_log" "$live_log" | tail -n 30 || true
  echo "e2e: server log:"; tail -n 50 "$server_log"
  echo "e2e: demo server log:"; tail -n 30 "$demo_log"
fi
exit "$status"
