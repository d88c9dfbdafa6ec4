# Folio's commands. `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run build backup test lint unit integration-postgres cluster-check e2e e2e-baselines fuzz bench soak cluster help

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-22s %s\n", $$1, $$2 }'

run: ## Install missing tools, build (release), create the database, seed demo, serve on 127.0.0.1:3000
	scripts/bootstrap.sh run
	cargo leptos build --release --precompress
	./target/release/folio

build: ## Release build only
	scripts/bootstrap.sh run
	cargo leptos build --release --precompress

backup: ## Back up the database now (safe while the server runs) into FOLIO_BACKUP_DIR (default data/backups)
	scripts/bootstrap.sh run
	cargo leptos build --release --precompress
	./target/release/folio backup

test: ## Everything: format, lints (both targets), unit + integration (SQLite, PostgreSQL), three instances behind HAProxy, end-to-end, API fuzz (100 cases per operation, fixed seed), no secret in any log
	scripts/bootstrap.sh test
	rm -rf target/tmp/logs
	$(MAKE) --no-print-directory lint unit integration-postgres
	scripts/cluster-check.sh
	scripts/e2e.sh
	FUZZ_SEED=20261125 FUZZ_EXAMPLES=100 scripts/fuzz.sh
	scripts/check-logs.sh

lint: ## rustfmt check, clippy -D warnings for the server and the browser builds, the OpenAPI document (Spectral, Redocly)
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --features hydrate --target wasm32-unknown-unknown --lib -- -D warnings
	cargo clippy -p folio-fakes --all-targets -- -D warnings
	scripts/check-engine.sh
	scripts/lint-openapi.sh

unit: ## Unit tests and the integration suite on SQLite
	cargo test --features ssr || { scripts/print-warnings.sh; exit 1; }

integration-postgres: ## The integration suite on PostgreSQL (127.0.0.1:5432)
	scripts/test-postgres.sh

cluster-check: ## Three instances on one PostgreSQL behind HAProxy: shared budget, one WebSocket, the leader killed mid-run (about 3 minutes)
	scripts/bootstrap.sh cluster
	cargo build --features ssr --bin folio
	scripts/cluster-check.sh

e2e: ## End-to-end tests in headless Chromium (Playwright)
	scripts/bootstrap.sh test
	scripts/e2e.sh

e2e-baselines: ## Renew the screenshot baselines (end2end/baselines/) after a deliberate change of the pages; look at them before committing
	scripts/bootstrap.sh test
	scripts/e2e.sh tests/visual.spec.ts --update-snapshots

fuzz: ## Schema-driven fuzzing of the REST API (schemathesis) for 10 minutes, random seed
	scripts/bootstrap.sh run
	cargo leptos build
	scripts/fuzz.sh 600

cluster: ## Three instances on one PostgreSQL (a new database) behind HAProxy on 127.0.0.1:3000, with the fake Finnhub; Ctrl-C stops them
	scripts/bootstrap.sh cluster
	cargo leptos build --release --precompress
	cargo build -p folio-fakes --bin fake_finnhub
	scripts/cluster.sh

bench: ## Benchmarks; figures are written to bench-results/
	scripts/bootstrap.sh bench
	scripts/bench.sh

soak: ## Disk-full soak: 60 s of writes while the disk fills and frees twice, checked after a restart (root; bench-results/reliability.txt)
	scripts/bootstrap.sh run
	cargo leptos build --release --precompress
	scripts/disk-full-soak.sh 60
