//! A person's portfolio: the pure [`engine`] that computes every number, and the
//! services around it that read and write the ledger, fetch prices and keep each
//! user's replayed state.
//!
//! - [`engine`]: ledger, valuation, history, metrics, risk, performance, allocation
//!   (pure; no database, network or clock).
//! - [`repo`]: the `activities` and `portfolio_snapshots` tables.
//! - [`snapshots`]: the stored daily history, rebuilt from the engine and the market
//!   service's daily closes, kept current by an hourly job.
//! - [`state`]: each user's ledger and history, replayed and read once, kept until they change.
//! - [`service`]: a user's kept state valued at current quotes, and what pages need of it.
//! - [`overview`]: the dashboard's cards, from a valued portfolio.
//! - [`activities`]: changing the ledger (add, edit, delete, CSV import and export,
//!   uploads waiting for confirmation).
//! - [`seed`]: the demo account.

pub mod activities;
pub mod backfill;
pub mod engine;
pub mod overview;
pub mod repo;
pub mod seed;
pub mod service;
pub mod snapshots;
pub mod state;
