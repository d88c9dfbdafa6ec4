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
    /// The price history being fetched for an imported ledger (none when complete).
    pub history: Option<HistoryProgress>,
    /// Splits of held symbols the ledger lacks, offered with a one-click form.
    pub split_suggestions: Vec<crate::model::SplitSuggestion>,
}

/// How far the fetching of a person's price history has come: `done` of `total`
/// symbols (the benchmark included) have closes back to their first activity;
/// `failures` says, per symbol, why a fetch failed (it is tried again later).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryProgress {
    pub done: usize,
    pub total: usize,
    pub failures: Vec<(String, String)>,
}

impl HistoryProgress {
    /// "Loading price history: 5 of 12 symbols".
    pub fn message(&self) -> String {
        format!("Loading price history: {} of {} symbols", self.done, self.total)
    }
}
