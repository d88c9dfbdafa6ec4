#!/usr/bin/env bash
# The integration suite again, on PostgreSQL (127.0.0.1:5432, user postgres; each
# test creates and drops its own database). Without a server this fails and says how
# to start one: a green `make test` means both engines passed. A person without
# PostgreSQL may opt out with FOLIO_SKIP_POSTGRES=1 (CI never sets it; CI's
# FOLIO_REQUIRE_POSTGRES=1 overrides it).
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
  cat >&2 <<'MSG'
test-postgres: PostgreSQL is not answering on 127.0.0.1:5432, and the integration
suite runs on it too. Start it, for example on Debian:
    sudo apt-get install -y postgresql && sudo pg_ctlcluster 15 main start
with trust authentication for user postgres on 127.0.0.1 (pg_hba.conf:
"host all postgres 127.0.0.1/32 trust"), or skip it knowingly:
    FOLIO_SKIP_POSTGRES=1 make test
MSG
  exit 1
fi
FOLIO_TEST_DB=postgres cargo test --features ssr --test integration || { scripts/print-warnings.sh; exit 1; }
