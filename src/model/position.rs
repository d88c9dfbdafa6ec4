//! One row of the positions table, as the dashboard and `/api/dashboard/positions`
//! show it. Figures that need a price are `None` when there is none.

use super::PriceSource;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionRow {
    /// The buy that opened the oldest open lot.
    pub id: i64,
    pub symbol: String,
    pub company_name: Option<String>,
    pub quantity: Decimal,
    pub average_cost: Decimal,
    pub cost_basis: Decimal,
    pub current_price: Option<Decimal>,
    pub market_value: Option<Decimal>,
    pub unrealized_pnl: Option<Decimal>,
    /// In percent.
    pub unrealized_pnl_pct: Option<Decimal>,
    pub day_change: Option<Decimal>,
    /// In percent.
    pub day_change_pct: Option<Decimal>,
    /// Finnhub's `finnhubIndustry` (it has no sector classification).
    pub industry: Option<String>,
    /// An http(s) URL or a local path; `None` shows a monogram.
    pub logo: Option<String>,
    #[serde(deserialize_with = "super::wire_date::date")]
    pub opened_at: NaiveDate,
    /// In percent of the priced positions' market value.
    pub weight: Option<Decimal>,
    pub price_as_of: Option<i64>,
    pub price_source: Option<PriceSource>,
    pub stale: Option<bool>,
}
