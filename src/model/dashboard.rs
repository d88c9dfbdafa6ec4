//! Everything the dashboard shows, in one response: one server call renders it.

use super::{Activity, DashboardCharts, Income, MarketStatus, Overview, PositionRow};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dashboard {
    pub overview: Overview,
    pub charts: DashboardCharts,
    pub positions: Vec<PositionRow>,
    /// Where prices come from and whether the provider is healthy (the price badge).
    pub market: MarketStatus,
    /// The newest trades, dividends and fees, newest first (deposits and
    /// withdrawals are money moved in and out, not activity of the portfolio).
    pub recent_activity: Vec<Activity>,
    /// Dividends over the range, all-time and by month.
    pub income: Income,
    /// The ledger is empty: the page welcomes a new account with its next steps
    /// instead of a wall of zeros.
    pub first_run: bool,
}
