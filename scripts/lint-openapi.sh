#!/usr/bin/env bash
# Lints the API's OpenAPI document with Spectral (`spectral:oas`, .spectral.yaml) and
# Redocly CLI (`recommended`, redocly.yaml), and fails on any error or warning.
# The document is tests/fixtures/openapi.json, which a unit test keeps equal to the
# one served at /api/openapi.json, so no build or server is needed.
# Both tools are pinned in package-lock.json (scripts/bootstrap.sh installs them) and
# run offline: Redocly CLI's usage data, update check and notices are turned off.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true REDOCLY_SUPPRESS_NOTIFICATIONS=true
doc=tests/fixtures/openapi.json

for tool in spectral redocly; do
  command -v "$tool" >/dev/null || { echo "lint-openapi: $tool is missing; run scripts/bootstrap.sh" >&2; exit 1; }
done

status=0
echo "lint-openapi: spectral $(spectral --version) (spectral:oas)"
spectral lint --ruleset .spectral.yaml --fail-severity warn "$doc" || status=1

# Redocly CLI fails only on errors; its JSON report counts the warnings too.
echo "lint-openapi: redocly $(redocly --version 2>/dev/null) (recommended)"
redocly lint --config redocly.yaml --format stylish "$doc" || status=1
report=$(redocly lint --config redocly.yaml --format json "$doc" 2>/dev/null) || true
node -e '
  const { totals } = JSON.parse(process.argv[1]);
  console.log(`lint-openapi: redocly: ${totals.errors} errors, ${totals.warnings} warnings, ${totals.ignored} ignored`);
  process.exit(totals.errors + totals.warnings + totals.ignored === 0 ? 0 : 1);
' "$report" || status=1
exit "$status"
