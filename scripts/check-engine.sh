#!/usr/bin/env bash
# Fails when the portfolio engine (src/server/portfolio/engine/) reaches for IO:
# the database (sqlx, server::db), the network (reqwest, axum, server::market),
# the server's state or clock, tokio, or the wall clock (Utc::now, SystemTime).
# The engine computes from what it is handed; the services around it fetch.
#   scripts/check-engine.sh [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-src/server/portfolio/engine}
forbidden='\b(sqlx|reqwest|axum|tokio|leptos_axum|moka)::|server::(db|market|state|clock|rest|forms|ops|auth)\b|portfolio::(repo|service|state|snapshots|activities|overview|seed)\b|\bsuper::super::|Utc::now|Local::now|SystemTime|Instant::now|std::(fs|net|env)\b'
if [ ! -d "$dir" ]; then
  echo "check-engine: $dir is missing"
  exit 1
fi
if grep -rnE "$forbidden" "$dir" --include='*.rs'; then
  echo "check-engine: the engine must not do IO; the lines above reach for the database, the network, the clock or a service"
  exit 1
fi
echo "check-engine: $(find "$dir" -name '*.rs' | wc -l) files in $dir, no IO"
