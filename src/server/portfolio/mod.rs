//! The portfolio engine: every number Folio shows is computed here, by pure
//! functions over the ledger, quotes and snapshots, exactly as
//! `../shared/design/METRICS.md` defines it.
//!
//! - [`ledger`]: activities → FIFO lots, cash, realized P&L (exact decimals).
//! - [`metrics`]: return series → TWR, XIRR, volatility, Sharpe, Sortino, drawdown,
//!   beta, alpha, CAGR (floats, empyrical's conventions).

pub mod ledger;
pub mod metrics;
