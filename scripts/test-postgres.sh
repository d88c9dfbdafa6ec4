#!/usr/bin/env bash
# The integration suite again, on PostgreSQL (127.0.0.1:5432, user postgres; each
# test creates and drops its own database). Without a server this fails and says how
# to start one: a green `make test` means both engines passed. A person without
# PostgreSQL may opt out with FOLIO_SKIP_POSTGRES=1 (CI never sets it; CI's
# FOLIO_REQUIRE_POSTGRES=1 overrides it). The SQLite pass's tests that reach
# PostgreSQL follow the same rule (tests/integration/helpers.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ "${FOLIO_SKIP_POSTGRES:-0}" = 1 ] && [ "${FOLIO_REQUIRE_POSTGRES:-0}" != 1 ]; then
    echo "################################################################################"
    echo "# SKIPPED (FOLIO_SKIP_POSTGRES=1): integration tests on PostgreSQL."
    echo "# This run says nothing about PostgreSQL."
    echo "################################################################################"
    exit 0
  fi
  # The same text as the SQLite pass's tests print (tests/integration/helpers.rs).
  { printf 'test-postgres: '; cat scripts/postgres-missing.txt; } >&2
  exit 1
fi
FOLIO_TEST_DB=postgres cargo test --features ssr --test integration || { scripts/print-warnings.sh; exit 1; }
