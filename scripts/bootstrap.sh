#!/usr/bin/env bash
# Installs the pinned tools Folio needs, skipping whatever is already there.
#   scripts/bootstrap.sh run    build tools (wasm target, cargo-leptos, wasm-bindgen, npm packages)
#   scripts/bootstrap.sh test   the same, plus Chromium for the end-to-end tests and Prometheus
#                               (Debian's package, unpacked into .tools/) for the metrics test
#   scripts/bootstrap.sh bench  the same, plus wrk for the API throughput benchmark
#   scripts/bootstrap.sh cluster  run's tools plus HAProxy (Debian's package) for `make cluster`;
#                               test and bench install HAProxy too (the cluster check, its bench)
# Idempotent: a second run only checks. Versions are pinned here and in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
mode=${1:-run}
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf 'bootstrap: %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }

need cargo "install Rust (rustup) first"
need npm "install Node.js and npm first"

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}\$"; then
  say "cargo-leptos ${CARGO_LEPTOS_VERSION}: present"
else
  # no_downloads: use the tools on PATH (the machine cannot download binaries).
  say "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (about 16 minutes on 2 cores, once)"
  cargo install "cargo-leptos@${CARGO_LEPTOS_VERSION}" --locked --features no_downloads
fi

# wasm-bindgen's CLI must match the library version in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}\$"; then
  say "wasm-bindgen ${bindgen_version}: present"
else
  # Without --locked: its lock file names a crate version the registry no longer serves.
  say "installing wasm-bindgen-cli ${bindgen_version} (about 5 minutes, once)"
  cargo install "wasm-bindgen-cli@${bindgen_version}" --force
fi

# After `npm ci` the lock file's checksum is kept in node_modules, so a changed lock
# file (even one changed with `npm install --package-lock-only`) installs again.
lock_sum=node_modules/.folio-package-lock.sha256
if [ -x node_modules/.bin/tailwindcss ] && [ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/playwright ] \
   && [ -x node_modules/.bin/esbuild ] && [ -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ] \
   && [ -f node_modules/redoc/bundles/redoc.standalone.js ] \
   && [ -x node_modules/.bin/spectral ] && [ -x node_modules/.bin/redocly ] \
   && [ -x node_modules/.bin/lighthouse ] && [ -f node_modules/chrome-launcher/package.json ] \
   && sha256sum --check --status "$lock_sum" 2>/dev/null; then
  say "npm packages: present"
else
  say "installing npm packages (Tailwind CSS, binaryen, Playwright, axe-core, ECharts, esbuild, Swagger UI, ReDoc, Spectral, Redocly CLI, Lighthouse) from package-lock.json"
  npm ci --no-audit --no-fund
  sha256sum package-lock.json >"$lock_sum"
fi

# The /docs page serves Swagger UI, and /redoc ReDoc, from the app's own static files.
for asset in swagger-ui-bundle.js swagger-ui.css; do
  if ! cmp -s "node_modules/swagger-ui-dist/$asset" "public/docs/$asset"; then
    say "copying $asset into public/docs/"
    cp "node_modules/swagger-ui-dist/$asset" "public/docs/$asset"
  fi
done
# ReDoc's sidebar shows Redocly's logo from cdn.redoc.ly, the bundle's one request to
# another origin: the copy points it at an empty data: URL (ReDoc then hides the image).
redoc_bundle=node_modules/redoc/bundles/redoc.standalone.js
redoc_logo=https://cdn.redoc.ly/redoc/logo-mini.svg
if [ "$(grep -oF "$redoc_logo" "$redoc_bundle" | wc -l)" -ne 1 ]; then
  say "$redoc_bundle does not name $redoc_logo exactly once: check the copy below"
  exit 1
fi
if ! sed "s#$redoc_logo#data:,#" "$redoc_bundle" | cmp -s - public/redoc/redoc.standalone.js; then
  say "copying redoc.standalone.js into public/redoc/ (without the logo from cdn.redoc.ly)"
  sed "s#$redoc_logo#data:,#" "$redoc_bundle" >public/redoc/redoc.standalone.js
fi

# The dashboard's charts: ECharts with only the parts Folio draws with, bundled into
# one script served from public/echarts/ (rebuilt when the entry or the packages change).
charts=public/echarts/echarts.folio.js
if [ -f "$charts" ] && [ "$charts" -nt scripts/echarts-entry.mjs ] && [ "$charts" -nt "$lock_sum" ]; then
  say "ECharts bundle: present"
else
  say "bundling ECharts into $charts"
  # Licence texts go beside it (echarts.folio.js.LEGAL.txt, linked from the bundle).
  esbuild scripts/echarts-entry.mjs --bundle --minify --format=iife --target=es2020 \
    --legal-comments=linked --log-level=warning --outfile="$charts"
fi

# Debian packages: Chromium for the end-to-end tests, wrk for the API benchmark,
# HAProxy for the several-instances check (the scripts run their own with
# deploy/haproxy.cfg; the package's service, if started, listens on no port).
apt_install() {
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  say "installing Debian's $* "
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@"
}
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  if [ -x /usr/bin/chromium ]; then say "chromium: present"; else apt_install chromium; fi
fi
if [ "$mode" = test ] || [ "$mode" = bench ] || [ "$mode" = cluster ]; then
  if [ -x /usr/sbin/haproxy ]; then say "haproxy: present"; else apt_install haproxy; fi
fi
# Prometheus for the metrics test: Debian's package unpacked into .tools/ rather
# than installed, so no service starts and no port is taken on the machine.
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  prometheus_bin=.tools/prometheus/usr/bin/prometheus
  if [ -x "$prometheus_bin" ]; then
    say "prometheus: present ($("$prometheus_bin" --version 2>&1 | head -n 1))"
  else
    say "unpacking Debian's prometheus into .tools/prometheus"
    rm -rf .tools/debs && mkdir -p .tools/debs
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    (cd .tools/debs && apt-get download prometheus 2>/dev/null) \
      || { $sudo_cmd apt-get update -qq && (cd .tools/debs && apt-get download prometheus); }
    dpkg-deb -x .tools/debs/prometheus_*.deb .tools/prometheus
    rm -rf .tools/debs
    "$prometheus_bin" --version 2>&1 | head -n 1
  fi
fi
if [ "$mode" = bench ]; then
  if command -v wrk >/dev/null 2>&1; then say "wrk: present"; else apt_install wrk; fi
fi
say "done"
