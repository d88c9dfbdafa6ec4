//! The portfolio engine: every number Folio shows is computed here, by pure
//! functions over the ledger, quotes and snapshots, exactly as
//! `../shared/design/METRICS.md` defines it.
//!
//! - [`ledger`]: activities → FIFO lots, cash, realized P&L (exact decimals).
//! - [`metrics`]: return series → TWR, XIRR, volatility, Sharpe, Sortino, drawdown,
//!   beta, alpha, CAGR (floats, empyrical's conventions).
//! - [`valuation`]: lots + quotes → positions and headline figures.
//! - [`repo`]: the `activities` and `portfolio_snapshots` tables.
//! - [`performance`]: snapshots → the chart's cumulative return and drawdown series.
//! - [`state`]: each user's ledger and history, replayed and read once, kept until they change.
//! - [`service`]: a user's kept state valued at current quotes, and what pages need of it.
//! - [`activities`]: changing the ledger (add, edit, delete, CSV import and export).

pub mod activities;
pub mod ledger;
pub mod metrics;
pub mod overview;
pub mod performance;
pub mod repo;
pub mod risk;
pub mod service;
pub mod snapshots;
pub mod state;
pub mod valuation;
