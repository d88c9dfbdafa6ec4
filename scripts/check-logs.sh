#!/usr/bin/env bash
# Fails when a log written during this test run holds a secret the run used: the
# fake Finnhub keys, the demo password, the test JWT secret, the metrics tokens.
# The integration suite writes its log (debug level) to target/tmp/logs/, and the
# end-to-end and fuzz servers copy theirs there; `make test` clears the folder first.
#   scripts/check-logs.sh [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/tmp/logs}
secrets=(
  fake-finnhub-key                          # tests/integration/helpers.rs FAKE_KEY
  e2e-key                                   # scripts/e2e.sh's fake Finnhub key
  fuzz-key                                  # scripts/fuzz.sh's
  demo123                                   # the demo user's password
  integration-test-secret-0123456789abcdef  # the tests' FOLIO_JWT_SECRET
  metrics-token-for-tests-0123456789abcdef  # tests/integration/operations.rs
  prometheus-scrape-token-0123456789abcdef  # tests/integration/prometheus.rs
)
shopt -s nullglob
logs=("$dir"/*.log)
if [ ${#logs[@]} -eq 0 ]; then
  echo "check-logs: no logs in $dir: run the tests first"
  exit 1
fi
lines=$(cat "${logs[@]}" | wc -l)
# A log that stopped capturing would pass any grep: demand the run's request lines.
requests=$(grep -c 'request_id' "${logs[@]}" | awk -F: '{ n += $NF } END { print n + 0 }')
if [ "$requests" -lt 100 ]; then
  echo "check-logs: only $requests lines with a request id in ${#logs[@]} logs ($lines lines): is logging captured?"
  exit 1
fi
found=0
# Session tokens are made during the run, so they cannot be listed: any JWT (its
# header and payload are base64 JSON, `eyJ...`) in a log is a leak.
if grep -E -n -m 3 'eyJ[A-Za-z0-9_-]{10,}\.eyJ' "${logs[@]}"; then
  echo "check-logs: a token (JWT) appears in the log lines above"
  found=1
fi
for secret in "${secrets[@]}"; do
  if grep -F -n -m 3 -- "$secret" "${logs[@]}"; then
    echo "check-logs: the secret '$secret' appears in the log lines above"
    found=1
  fi
done
if [ "$found" -eq 0 ]; then
  echo "check-logs: ${#logs[@]} logs, $lines lines ($requests within requests): no secret of the run in them"
fi
exit "$found"
