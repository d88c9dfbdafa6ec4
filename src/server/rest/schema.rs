//! The shapes the REST API sends and accepts, in one place. Handlers build these
//! types and nothing else, and the OpenAPI document is derived from the same types,
//! so the published schema cannot drift from what is served.
//!
//! Money is a JSON number rounded to 2 places (exact decimals inside Folio),
//! percentages are in percent (12.5 means 12.5 %), ratios have 4 places, dates are
//! ISO `YYYY-MM-DD`, times ISO 8601 in UTC. A figure that cannot be computed is
//! `null`, and the overview says why in `notes`.

use crate::model::{Overview, PerStat, PositionRow, PriceSource, Quote, Range, Stat, Unit, round_cents};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Always `"success"` in a success envelope.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessStatus {
    Success,
}

/// Every success answer but sign-in: `{"status":"success","data":...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T: ToSchema> {
    pub status: SuccessStatus,
    pub data: T,
}

/// A money amount or percentage as a JSON number with 2 decimals.
pub fn money(value: Decimal) -> f64 {
    round_cents(value).to_f64().unwrap_or_default()
}

/// A quantity as a JSON number, without trailing zeros.
pub fn quantity(value: Decimal) -> f64 {
    value.normalize().to_f64().unwrap_or_default()
}

pub fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

pub fn iso_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// `POST /api/auth/login`.
#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// Case-insensitive; surrounding spaces are ignored.
    #[schema(example = "demo", min_length = 1, max_length = 32)]
    pub username: String,
    /// At most 72 bytes (bcrypt's limit).
    #[schema(example = "demo123", min_length = 1, max_length = 72)]
    pub password: String,
}

/// `POST /api/auth/signup`.
#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    /// 3 to 32 letters, digits, `.`, `_` or `-` (surrounding spaces are ignored);
    /// unique regardless of case.
    #[schema(example = "alice", pattern = "^\\s*[A-Za-z0-9._-]{3,32}\\s*$")]
    pub username: String,
    /// At least 8 characters, at most 72 bytes.
    #[schema(example = "correct horse", min_length = 8, max_length = 72)]
    pub password: String,
}

/// OAuth2-style token answer, the shape existing clients of the original API expect
/// (no envelope).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// The portfolio's figures. Risk figures cover exactly the daily returns that
/// `/api/dashboard/performance` returns for the same `range`.
#[derive(Serialize, ToSchema)]
pub struct OverviewData {
    /// The range the risk figures cover.
    #[schema(value_type = Range)]
    pub range: &'static str,
    /// Cash + market value; null when a held symbol has no price.
    pub total_value: Option<f64>,
    pub cash: f64,
    /// Cost basis of the open positions.
    pub invested: f64,
    pub market_value: Option<f64>,
    pub unrealized_pnl: Option<f64>,
    pub realized_pnl: f64,
    pub dividends: f64,
    pub fees: f64,
    /// Deposits minus withdrawals.
    pub net_contributions: f64,
    /// Total value minus net contributions.
    pub total_return: Option<f64>,
    /// In percent of net contributions.
    pub total_return_percent: Option<f64>,
    /// Today's price move of the open positions: the sum of quantity × (last −
    /// previous close); null when a held symbol has no price.
    pub day_change: Option<f64>,
    /// `day_change` in percent of the value at the previous close (total value
    /// minus day change).
    pub day_change_percent: Option<f64>,
    /// Dividends dated within the range (`dividends` is all-time).
    pub range_dividends: f64,
    // Time-weighted and money-weighted return, CAGR, volatility, Sharpe, Sortino,
    // beta, alpha: one property each, listed once in `model::figures`.
    #[serde(flatten)]
    #[schema(inline)]
    pub stats: StatsData,
    /// The daily returns the statistics above are computed from.
    pub history_days: usize,
    /// True when `history_days` is under the server's minimum
    /// (`FOLIO_ANNUALISE_MIN_DAYS`, 60 by default): the annualised figures (XIRR,
    /// CAGR, volatility, Sharpe, Sortino, alpha) rest on a short history.
    pub short_history: bool,
    /// Largest peak-to-trough fall, in percent, as a positive size (12.5 means the
    /// value fell 12.5 % from a peak); the performance series' `drawdown` is ≤ 0.
    pub max_drawdown: Option<f64>,
    #[schema(format = Date)]
    pub max_drawdown_peak: Option<String>,
    #[schema(format = Date)]
    pub max_drawdown_trough: Option<String>,
    #[schema(format = Date)]
    pub max_drawdown_recovery: Option<String>,
    /// Closed trades with a gain, in percent of closed trades.
    pub win_rate: Option<f64>,
    /// Closed trades: each sell closes one (the original system's count).
    pub total_trades: usize,
    /// Closed trades with a gain.
    pub winning_trades: usize,
    /// Closed trades with a loss.
    pub losing_trades: usize,
    /// Every trade in the ledger, buys and sells.
    pub all_trades: usize,
    /// Oldest price time among the held symbols.
    #[schema(format = DateTime)]
    pub as_of: Option<String>,
    pub price_source: PriceSource,
    /// Held symbols whose price is older than its freshness limit.
    pub stale_symbols: Vec<String>,
    /// For every null figure above, why it is null.
    pub notes: BTreeMap<String, String>,
}

/// The overview's statistics in the API's units (percent with 2 places, ratios
/// with 4), one nullable number per [`Stat`]; its schema is built from the same list.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct StatsData(pub PerStat<Option<f64>>);

impl utoipa::PartialSchema for StatsData {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
        let mut object = ObjectBuilder::new();
        for stat in Stat::ALL {
            let mut property = ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)));
            if !stat.doc().is_empty() {
                property = property.description(Some(stat.doc()));
            }
            object = object.property(stat.key(), property);
        }
        object.into()
    }
}

impl ToSchema for StatsData {}

impl From<Overview> for OverviewData {
    fn from(o: Overview) -> Self {
        let percent = |f: Option<f64>| f.map(|v| round(v * 100.0, 2));
        let ratio = |f: Option<f64>| f.map(|v| round(v, 4));
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        Self {
            range: o.range.as_str(),
            total_value: o.total_value.map(money),
            cash: money(o.cash),
            invested: money(o.invested),
            market_value: o.market_value.map(money),
            unrealized_pnl: o.unrealized_pnl.map(money),
            realized_pnl: money(o.realized_pnl),
            dividends: money(o.dividends),
            fees: money(o.fees),
            net_contributions: money(o.net_contributions),
            total_return: o.total_return.map(money),
            total_return_percent: o.total_return_percent.map(money),
            day_change: o.day_change.map(money),
            day_change_percent: o.day_change_percent.map(money),
            range_dividends: money(o.range_dividends),
            stats: StatsData(o.stats.map(|stat, value| match stat.unit() {
                Unit::Percent => percent(value),
                Unit::Ratio => ratio(value),
            })),
            history_days: o.history_days,
            short_history: o.short_history,
            max_drawdown: percent(o.max_drawdown),
            max_drawdown_peak: day(o.max_drawdown_peak),
            max_drawdown_trough: day(o.max_drawdown_trough),
            max_drawdown_recovery: day(o.max_drawdown_recovery),
            win_rate: o.win_rate.map(money),
            total_trades: o.total_trades,
            winning_trades: o.winning_trades,
            losing_trades: o.losing_trades,
            all_trades: o.all_trades,
            as_of: o.as_of.map(iso_time),
            price_source: o.price_source,
            stale_symbols: o.stale_symbols,
            notes: o.notes,
        }
    }
}

/// One open position (all lots of a symbol).
#[derive(Serialize, ToSchema)]
pub struct PositionData {
    /// The buy that opened the oldest open lot.
    pub id: i64,
    pub symbol: String,
    pub company_name: Option<String>,
    pub quantity: f64,
    pub average_cost: f64,
    pub current_price: Option<f64>,
    pub market_value: Option<f64>,
    pub cost_basis: f64,
    pub unrealized_pnl: Option<f64>,
    /// In percent of the cost basis.
    pub unrealized_pnl_pct: Option<f64>,
    pub day_change: Option<f64>,
    pub day_change_pct: Option<f64>,
    /// Always null: Finnhub has no sector classification (see `industry`).
    pub sector: Option<String>,
    /// Finnhub's `finnhubIndustry`.
    pub industry: Option<String>,
    /// An http(s) URL or a local path; null when unknown.
    pub logo: Option<String>,
    #[schema(format = Date)]
    pub opened_at: String,
    /// In percent of the priced positions' market value.
    pub weight: Option<f64>,
    #[schema(format = DateTime)]
    pub price_as_of: Option<String>,
    pub price_source: Option<PriceSource>,
    /// True when the price is older than its freshness limit; null without a price.
    pub stale: Option<bool>,
}

impl From<PositionRow> for PositionData {
    fn from(p: PositionRow) -> Self {
        Self {
            id: p.id,
            symbol: p.symbol,
            company_name: p.company_name,
            quantity: quantity(p.quantity),
            average_cost: money(p.average_cost),
            current_price: p.current_price.map(money),
            market_value: p.market_value.map(money),
            cost_basis: money(p.cost_basis),
            unrealized_pnl: p.unrealized_pnl.map(money),
            unrealized_pnl_pct: p.unrealized_pnl_pct.map(money),
            day_change: p.day_change.map(money),
            day_change_pct: p.day_change_pct.map(money),
            sector: None,
            industry: p.industry,
            logo: p.logo,
            opened_at: p.opened_at.to_string(),
            weight: p.weight.map(money),
            price_as_of: p.price_as_of.map(iso_time),
            price_source: p.price_source,
            stale: p.stale,
        }
    }
}

#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TradeType {
    Buy,
    Sell,
}

/// One buy or sell.
#[derive(Serialize, ToSchema)]
pub struct TradeData {
    pub id: i64,
    pub symbol: Option<String>,
    pub trade_type: TradeType,
    pub quantity: f64,
    pub price: f64,
    /// Quantity × price, before the commission.
    pub total_amount: f64,
    pub commission: f64,
    /// Sells only: proceeds after fees minus the FIFO cost of the shares sold.
    pub realized_pnl: Option<f64>,
    pub realized_pnl_pct: Option<f64>,
    #[schema(format = Date)]
    pub trade_date: String,
    pub notes: Option<String>,
}

/// A page of trades, newest first.
#[derive(Serialize, ToSchema)]
pub struct TradesPage {
    pub status: SuccessStatus,
    pub data: Vec<TradeData>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One trading day of the performance series.
#[derive(Serialize, ToSchema)]
pub struct PerformancePoint {
    #[schema(format = Date)]
    pub date: String,
    pub total_value: f64,
    pub cash: f64,
    pub invested: f64,
    /// Deposits minus withdrawals up to and including this day.
    pub net_contributions: f64,
    /// In percent; null on the first day of the range.
    pub daily_return: Option<f64>,
    /// Cumulative time-weighted return since the range start, in percent.
    pub cumulative_twr: f64,
    /// The benchmark's cumulative return since the range start, in percent.
    pub benchmark_cumulative: Option<f64>,
    /// Fall from the running peak of the cumulative return, in percent (≤ 0).
    pub drawdown: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PerformanceData {
    /// The range the series covers.
    #[schema(value_type = Range)]
    pub range: &'static str,
    pub benchmark: String,
    pub points: Vec<PerformancePoint>,
}

/// Dividends received: over the range, all-time, and by calendar month.
#[derive(Serialize, ToSchema)]
pub struct IncomeData {
    /// The range `range_dividends` covers.
    #[schema(value_type = Range)]
    pub range: &'static str,
    /// Dividends dated within the range.
    pub range_dividends: f64,
    /// Every dividend received (the overview's `dividends`).
    pub all_time: f64,
    /// The last twelve calendar months, oldest first, each present even when
    /// nothing was received.
    pub months: Vec<MonthIncomeData>,
}

/// One calendar month of dividends.
#[derive(Serialize, ToSchema)]
pub struct MonthIncomeData {
    /// The month, as YYYY-MM.
    #[schema(example = "2026-03")]
    pub month: String,
    pub dividends: f64,
}

/// A quote: the latest price and the day's range.
#[derive(Serialize, ToSchema)]
pub struct QuoteData {
    pub symbol: String,
    pub current_price: f64,
    pub change: Option<f64>,
    /// In percent.
    pub percent_change: Option<f64>,
    pub high: f64,
    pub low: f64,
    pub open: f64,
    pub previous_close: f64,
    /// Time of the last trade upstream.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// When Folio fetched it.
    #[schema(format = DateTime)]
    pub fetched_at: String,
    pub source: PriceSource,
    /// True when served from cache past its freshness limit (upstream unavailable).
    pub stale: bool,
}

impl From<Quote> for QuoteData {
    fn from(q: Quote) -> Self {
        Self {
            symbol: q.symbol.to_string(),
            current_price: money(q.price),
            change: q.change.map(money),
            percent_change: q.change_percent.map(money),
            high: money(q.high),
            low: money(q.low),
            open: money(q.open),
            previous_close: money(q.previous_close),
            timestamp: iso_time(q.as_of),
            fetched_at: iso_time(q.fetched_at),
            source: q.source,
            stale: q.stale,
        }
    }
}

/// `/healthz` and `/readyz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the process answers.
    pub status: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_half_away_from_zero_to_cents() {
        assert_eq!(money(Decimal::new(12345, 3)), 12.35);
        assert_eq!(money(Decimal::new(-12345, 3)), -12.35);
        assert_eq!(quantity(Decimal::new(1_500_000, 5)), 15.0);
    }

    #[test]
    fn times_are_utc_iso_8601() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
    }
}
