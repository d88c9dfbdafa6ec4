#!/usr/bin/env bash
# The integration suite again, on PostgreSQL (127.0.0.1:5432, user postgres; each
# test creates and drops its own database). Without a server this is skipped with a
# loud note, unless FOLIO_REQUIRE_POSTGRES=1 (as in CI), where it fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ "${FOLIO_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "test-postgres: PostgreSQL is not answering on 127.0.0.1:5432 and FOLIO_REQUIRE_POSTGRES=1" >&2
    exit 1
  fi
  echo "################################################################################"
  echo "# SKIPPED: integration tests on PostgreSQL (no server on 127.0.0.1:5432)."
  echo "# Start one, or set FOLIO_REQUIRE_POSTGRES=1 to make this an error."
  echo "################################################################################"
  exit 0
fi
FOLIO_TEST_DB=postgres cargo test --features ssr --test integration
