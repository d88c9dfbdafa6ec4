#!/usr/bin/env bash
# The several-instances check of `make test` (#15): three instances on one
# PostgreSQL behind HAProxy with the fake Finnhub (scripts/cluster-check.mjs says
# what it checks). Uses the debug server `cargo test` built (FOLIO_BIN to choose
# another) and builds the fake's binary. About 3 minutes. Needs PostgreSQL on
# 127.0.0.1:5432 as the integration tests do (FOLIO_SKIP_POSTGRES=1 skips it, with
# a banner, unless FOLIO_REQUIRE_POSTGRES=1) and HAProxy (scripts/bootstrap.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH:/usr/sbin"

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ "${FOLIO_SKIP_POSTGRES:-0}" = 1 ] && [ "${FOLIO_REQUIRE_POSTGRES:-0}" != 1 ]; then
    echo "################################################################################"
    echo "# SKIPPED (FOLIO_SKIP_POSTGRES=1): the several-instances check (PostgreSQL)."
    echo "################################################################################"
    exit 0
  fi
  { printf 'cluster-check: '; cat scripts/postgres-missing.txt; } >&2
  exit 1
fi
command -v haproxy >/dev/null || { echo "cluster-check: HAProxy is missing: scripts/bootstrap.sh test installs it" >&2; exit 1; }

export FOLIO_BIN=${FOLIO_BIN:-target/debug/folio}
[ -x "$FOLIO_BIN" ] || cargo build --features ssr --bin folio
if [ -z "${FAKE_FINNHUB_BIN:-}" ]; then
  cargo build -p folio-fakes --bin fake_finnhub
  export FAKE_FINNHUB_BIN=target/debug/fake_finnhub
fi
# The fake's key and the session secret are the test suite's, which
# scripts/check-logs.sh looks for in the logs kept here.
export CLUSTER_FINNHUB_KEY=fake-finnhub-key FOLIO_JWT_SECRET=integration-test-secret-0123456789abcdef
export CLUSTER_KEEP_LOGS=${CLUSTER_KEEP_LOGS:-target/tmp/logs}
exec node scripts/cluster-check.mjs "$@"
