//! Integration tests: the real app on port 0, a fresh database per test.
//!
//! The database engine comes from `FOLIO_TEST_DB` (`sqlite`, the default, or
//! `postgres`); `make test` runs the whole suite once for each.

mod account_file;
mod activities;
mod api;
mod auth;
mod backups;
mod cluster;
mod dashboard;
mod doors;
mod forms;
mod health;
mod helpers;
mod history;
mod jobs;
mod live;
mod market;
mod operations;
mod portfolio;
mod portfolio_state;
mod prometheus;
mod security;
mod server_fns;
mod shared_state;
mod upgrades;
