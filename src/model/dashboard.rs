//! Everything the dashboard shows, in one response: one server call renders it.

use super::{Activity, DashboardCharts, MarketStatus, Overview, PositionRow};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dashboard {
    pub overview: Overview,
    pub charts: DashboardCharts,
    pub positions: Vec<PositionRow>,
    /// Where prices come from and whether the provider is healthy (the price badge).
    pub market: MarketStatus,
    /// The newest buys and sells, newest first.
    pub recent_trades: Vec<Activity>,
}
