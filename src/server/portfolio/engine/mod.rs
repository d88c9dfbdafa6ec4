//! The portfolio engine: every number Folio shows is computed here, by pure
//! functions over the ledger, quotes and closes, exactly as
//! `../shared/design/METRICS.md` defines it. Nothing here reads the database, the
//! network or the clock: the services around it (`super::service`,
//! `super::snapshots`, `super::state`) fetch, then hand the data in.
//! `scripts/check-engine.sh` fails if an import of IO code appears here.
//!
//! - [`ledger`]: activities → FIFO lots, cash, realized P&L (exact decimals).
//! - [`valuation`]: lots + quotes → positions and headline figures.
//! - [`history`]: ledger + daily closes → one snapshot per trading day.
//! - [`metrics`]: return series → TWR, XIRR, volatility, Sharpe, Sortino, drawdown,
//!   beta, alpha, CAGR (floats, empyrical's conventions).
//! - [`risk`]: snapshots of a range → the risk and return figures.
//! - [`performance`]: snapshots → the chart's cumulative return and drawdown series.
//! - [`allocation`]: positions + cash → shares by industry.
//! - [`income`]: dividend activities → income by month and over a range.
//! - [`splits`]: splits the market reported that the ledger lacks.

pub mod allocation;
pub mod history;
pub mod income;
pub mod ledger;
pub mod metrics;
pub mod performance;
pub mod risk;
pub mod splits;
pub mod valuation;
