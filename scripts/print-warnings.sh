#!/usr/bin/env bash
# After a failed test run: the warnings and errors the apps logged (the integration
# suite writes every app's log to target/tmp/logs/), so a failure that came from
# the server (a request past the timeout, a market-data problem) shows its cause in
# the run's output: every request that ran past the timeout, then the last 30
# warnings and errors (the suite provokes many on purpose).
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
logs=(target/tmp/logs/integration-*.log)
[ ${#logs[@]} -eq 0 ] && exit 0
echo "---- requests past the request timeout (${logs[*]}) ----"
grep -h "answered 408" "${logs[@]}"
echo "---- the last warnings and errors the apps logged ----"
grep -h -E "^\S+ +(WARN|ERROR) " "${logs[@]}" | tail -n 30
