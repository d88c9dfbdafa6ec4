//! The overview cards as one value: what the dashboard shows and what
//! `/api/dashboard/overview` serialises. Money is exact; statistics are fractions
//! (0.125 = 12.5 %); a `None` has its reason in `notes`, keyed by the field name
//! ([`Field::key`]).

use super::{Field, PerStat, PriceSource, Range};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub range: Range,
    pub total_value: Option<Decimal>,
    pub cash: Decimal,
    pub invested: Decimal,
    pub market_value: Option<Decimal>,
    pub unrealized_pnl: Option<Decimal>,
    pub realized_pnl: Decimal,
    pub dividends: Decimal,
    pub fees: Decimal,
    pub net_contributions: Decimal,
    pub total_return: Option<Decimal>,
    /// In percent.
    pub total_return_percent: Option<Decimal>,
    /// Today's price move of the open positions: Σ quantity × (last − previous close).
    pub day_change: Option<Decimal>,
    /// In percent of the value at the previous close (total value − day change).
    pub day_change_percent: Option<Decimal>,
    /// Dividends dated within the range.
    pub range_dividends: Decimal,
    /// Time-weighted and money-weighted return, CAGR, volatility, Sharpe,
    /// Sortino, beta, alpha (fractions or ratios: [`super::Stat::unit`]).
    pub stats: PerStat<Option<f64>>,
    /// The daily returns the statistics are computed from.
    pub history_days: usize,
    /// Fewer daily returns than `FOLIO_ANNUALISE_MIN_DAYS`: annualised figures are
    /// marked "based on N days".
    pub short_history: bool,
    /// The size of the deepest fall (0.2 = 20 %).
    pub max_drawdown: Option<f64>,
    #[serde(default, deserialize_with = "super::wire_date::optional_date")]
    pub max_drawdown_peak: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::wire_date::optional_date")]
    pub max_drawdown_trough: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::wire_date::optional_date")]
    pub max_drawdown_recovery: Option<NaiveDate>,
    /// In percent.
    pub win_rate: Option<Decimal>,
    /// Closed trades (sells), as the original system counted them.
    pub total_trades: usize,
    pub winning_trades: usize,
    pub losing_trades: usize,
    /// Every buy and sell in the ledger.
    pub all_trades: usize,
    /// The oldest fetch time among the prices used (Unix seconds).
    pub as_of: Option<i64>,
    pub price_source: PriceSource,
    pub stale_symbols: Vec<String>,
    pub notes: BTreeMap<String, String>,
}

impl Overview {
    /// Why `field` has no value.
    pub fn why(&self, field: impl Into<Field>) -> String {
        self.notes.get(field.into().key()).cloned().unwrap_or_else(|| "not available".into())
    }
}

/// The reasons behind unavailable figures, written by field.
pub fn note(notes: &mut BTreeMap<String, String>, field: impl Into<Field>, why: impl Into<String>) {
    notes.insert(field.into().key().to_string(), why.into());
}
