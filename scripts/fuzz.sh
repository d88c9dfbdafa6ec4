#!/usr/bin/env bash
# Schema-driven fuzzing of the REST API: schemathesis (pinned with all its
# dependencies in scripts/fuzz-requirements.txt, from PyPI, in a venv under target/) reads /api/openapi.json and sends generated valid and invalid
# requests, signed in as the demo user, against the real server (its own SQLite
# database) pointed at the fake Finnhub. It fails on any 5xx, any response that
# breaks its documented schema or status codes, and any protected operation that
# answers without a token. The fake has no rate limit and Folio's own budget is
# raised to match, so every 503 the fuzzer meets is a bug (the documented 503 of an
# unavailable provider is covered by the integration tests).
#   scripts/fuzz.sh [SECONDS]   time budget (default 60; `make fuzz` gives 600)
#   FUZZ_SEED=N                 repeat a run (`make test` uses a fixed seed)
#   FUZZ_EXAMPLES=N             N cases per operation instead of a time budget:
#                               with a seed, the same cases on any machine, however
#                               fast (`make test` runs it so)
# Expects a debug build (`cargo leptos build`); builds one when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
budget=${1:-60}
SCHEMATHESIS_VERSION=4.32.5

venv=target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q " $SCHEMATHESIS_VERSION\$"; then
  echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/fuzz-requirements.txt
fi
[ -x target/debug/folio ] || cargo leptos build
[ -x target/debug/fake_finnhub ] || cargo build -p folio-fakes --bin fake_finnhub

# The server logs request lines (text); its log joins the run's for check-logs.sh.
export SERVE_RUST_LOG="info,tower_http=debug" SERVE_KEEP_LOGS="$PWD/target/tmp/logs" SERVE_LOG_PREFIX=fuzz
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
serve_with_fake fuzz-key FOLIO_BCRYPT_COST=4 FINNHUB_CALLS_PER_MINUTE=100000

token=$(curl -fs "$base/api/auth/login" -H 'content-type: application/json' \
  -d '{"username":"demo","password":"demo123"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# The two sign-out operations would end the fuzzer's own session (every later
# request would be a 401); the integration tests cover them. /api/stream never ends
# (server-sent events): every call would be a timeout; tests/integration/live.rs
# covers its inputs and refusals.
# One worker: with several threads, Python 3.11's ast module fails inside
# Hypothesis ("AST constructor recursion depth mismatch").
if [ -n "${FUZZ_EXAMPLES:-}" ]; then
  limit=(--max-examples "$FUZZ_EXAMPLES")
else
  limit=(--max-time "$budget")
fi
status=0
"$venv/bin/schemathesis" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance \
  --exclude-path /api/auth/logout --exclude-path /api/auth/logout-everywhere --exclude-path /api/stream \
  "${limit[@]}" --workers 1 --request-timeout 10 \
  --suppress-health-check too_slow \
  ${FUZZ_SEED:+--seed "$FUZZ_SEED"} || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz: server log (last 40 lines):"; tail -n 40 "$server_log"
fi
exit "$status"
