//! Daily price history as the two real sources serve it, on the fake's server:
//!
//! - Yahoo Finance's chart API, `GET /v8/finance/chart/{symbol}?period1=&period2=
//!   &interval=1d&events=split`: `chart.result[0]` with `timestamp[]` (the session's
//!   open, UTC), `indicators.quote[0].close[]` **split-adjusted**, some entries `null`,
//!   and `events.splits` keyed by time; the last day can come twice (a later bar of
//!   the same day); an unknown symbol is a 404 with `chart.error`; no key. Its faults (429 as plain text, 5xx) are the common ones.
//! - Finnhub's `/api/v1/stock/candle?symbol=&resolution=D&from=&to=`: `{"s":"ok","t":
//!   […],"c":[…],…}` split-adjusted, or `{"s":"no_data"}`; a free key gets 403 "You
//!   don't have access to this resource." (the default here, [`FakeState::allow_candles`]
//!   lifts it), as does `/api/v1/stock/split` (`[{"symbol","date","fromFactor",
//!   "toFactor"}]`).
//!
//! Every symbol the fake quotes has a history: trading days (Monday to Friday) from
//! 1990 on, a smooth series that ends at the symbol's quoted price. A split set with
//! [`FakeState::set_splits`] makes the *as traded* price before it higher by its
//! ratio, which both sources then adjust away, as the real ones do.

use crate::finnhub::{FakeState, gate, lock, now_unix};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// A split as a test sets it: on the trading day that contains `date` (Unix
/// seconds), every `denominator` shares became `numerator`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct FakeSplit {
    pub date: i64,
    pub numerator: u32,
    pub denominator: u32,
}

const DAY: i64 = 86_400;
/// The session's open in UTC (9:30 in New York in winter), as Yahoo stamps a day.
const OPEN: i64 = 14 * 3600 + 30 * 60;
/// The earliest day with a price (1990-01-02).
const FIRST_DAY: i64 = 7306;

fn is_trading_day(day: i64) -> bool {
    // 1970-01-01 (day 0) was a Thursday: Saturday is 2, Sunday 3 (mod 7).
    !matches!(day.rem_euclid(7), 2 | 3)
}

/// The split-adjusted close of `symbol` on `day`: a smooth series that ends at
/// `last` on `today` (no randomness, so tests can recompute it).
pub fn adjusted_close(symbol: &str, last: f64, day: i64, today: i64) -> f64 {
    let seed = symbol.bytes().map(f64::from).sum::<f64>();
    let age = (today - day).max(0) as f64;
    let wave = |d: i64| 0.04 * ((d as f64) / 9.0 + seed).sin();
    let value = last * (1.0 + wave(day) - wave(today)) / (1.0 + age / 3650.0);
    (value * 100.0).round() / 100.0
}

impl FakeState {
    /// The splits of `symbol` (replacing any set before).
    pub fn set_splits(&self, symbol: &str, splits: Vec<FakeSplit>) {
        lock(&self.splits).insert(symbol.to_string(), splits);
    }

    /// Lets the key fetch candles and splits (a paid plan), or not (the free plan).
    pub fn allow_candles(&self, allowed: bool) {
        *lock(&self.candles_allowed) = allowed;
    }

    /// The price as traded on `day`: the adjusted one times the ratio of every
    /// later split.
    pub fn traded_close(&self, symbol: &str, day: i64) -> Option<f64> {
        let last = lock(&self.quotes).get(symbol)?.c;
        let today = now_unix().div_euclid(DAY);
        let factor: f64 = self
            .splits_of(symbol)
            .iter()
            .filter(|s| s.date.div_euclid(DAY) > day)
            .map(|s| f64::from(s.numerator) / f64::from(s.denominator))
            .product();
        Some(((adjusted_close(symbol, last, day, today) * factor) * 100.0).round() / 100.0)
    }

    fn splits_of(&self, symbol: &str) -> Vec<FakeSplit> {
        lock(&self.splits).get(symbol).cloned().unwrap_or_default()
    }

    /// (day, adjusted close) for every trading day in `[from, to]` (Unix seconds),
    /// `None` when the symbol is unknown.
    fn series(&self, symbol: &str, from: i64, to: i64) -> Option<Vec<(i64, f64)>> {
        let last = lock(&self.quotes).get(symbol)?.c;
        let today = now_unix().div_euclid(DAY);
        let first = from.div_euclid(DAY).max(FIRST_DAY);
        let end = to.div_euclid(DAY).min(today);
        Some(
            (first..=end)
                .filter(|day| is_trading_day(*day))
                .map(|day| (day, adjusted_close(symbol, last, day, today)))
                .collect(),
        )
    }
}

type Params = Query<HashMap<String, String>>;

fn seconds(params: &HashMap<String, String>, name: &str, default: i64) -> i64 {
    params.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Yahoo's chart API.
pub async fn yahoo_chart(
    State(state): State<Arc<FakeState>>,
    Path(symbol): Path<String>,
    Query(params): Params,
) -> Response {
    state.record("chart", &symbol);
    if let Some(response) = state.keyless_fault(&symbol, "chart").await {
        return response;
    }
    let (from, to) = (seconds(&params, "period1", 0), seconds(&params, "period2", now_unix()));
    let Some(series) = state.series(&symbol, from, to) else {
        let error = json!({"code": "Not Found", "description": "No data found, symbol may be delisted"});
        return (StatusCode::NOT_FOUND, Json(json!({"chart": {"result": null, "error": error}}))).into_response();
    };
    let mut timestamps: Vec<i64> = series.iter().map(|(day, _)| day * DAY + OPEN).collect();
    // Yahoo leaves holes: every 29th close of a symbol is null.
    let mut closes: Vec<Value> =
        series.iter().map(|(day, close)| if day % 29 == 0 { Value::Null } else { json!(close) }).collect();
    // And it often ends with a second bar for the last day (the latest price beside
    // the close), at a later time of the same day.
    if let (Some(last), Some(close)) = (timestamps.last().copied(), series.last().map(|(_, c)| *c)) {
        timestamps.push(last + 3 * 3600);
        closes.push(json!(close + 0.01));
    }
    let splits: serde_json::Map<String, Value> = state
        .splits_of(&symbol)
        .into_iter()
        .filter(|s| s.date >= from && s.date <= to)
        .map(|s| {
            let stamp = s.date.div_euclid(DAY) * DAY + OPEN;
            let ratio = format!("{}:{}", s.numerator, s.denominator);
            (
                stamp.to_string(),
                json!({"date": stamp, "numerator": s.numerator, "denominator": s.denominator, "splitRatio": ratio}),
            )
        })
        .collect();
    let meta = json!({"currency": "USD", "symbol": symbol, "exchangeTimezoneName": "America/New_York",
        "instrumentType": "EQUITY", "dataGranularity": "1d"});
    let mut result = json!({"meta": meta, "indicators": {"quote": [{}], "adjclose": [{}]}});
    if !timestamps.is_empty() {
        result["timestamp"] = json!(timestamps);
        result["indicators"] = json!({"quote": [{"close": closes, "open": closes, "high": closes, "low": closes}],
            "adjclose": [{"adjclose": closes}]});
    }
    if !splits.is_empty() {
        result["events"] = json!({"splits": splits});
    }
    Json(json!({"chart": {"result": [result], "error": null}})).into_response()
}

/// Finnhub's daily candles (a paid endpoint).
pub async fn finnhub_candle(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let symbol = params.get("symbol").cloned().unwrap_or_default();
    if let Err(response) = gate(&state, &headers, &params, "candle", &symbol).await {
        return response;
    }
    if !*lock(&state.candles_allowed) {
        return forbidden();
    }
    let (from, to) = (seconds(&params, "from", 0), seconds(&params, "to", now_unix()));
    match state.series(&symbol, from, to) {
        Some(series) if !series.is_empty() => {
            let t: Vec<i64> = series.iter().map(|(day, _)| day * DAY).collect();
            let c: Vec<f64> = series.iter().map(|(_, close)| *close).collect();
            let v: Vec<u64> = vec![1_000_000; c.len()];
            Json(json!({"s": "ok", "t": t, "c": c, "o": c, "h": c, "l": c, "v": v})).into_response()
        }
        _ => Json(json!({"s": "no_data"})).into_response(),
    }
}

/// Finnhub's split list (a paid endpoint): `[{"symbol","date","fromFactor","toFactor"}]`.
pub async fn finnhub_splits(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let symbol = params.get("symbol").cloned().unwrap_or_default();
    if let Err(response) = gate(&state, &headers, &params, "split", &symbol).await {
        return response;
    }
    if !*lock(&state.candles_allowed) {
        return forbidden();
    }
    let list: Vec<Value> = state
        .splits_of(&symbol)
        .into_iter()
        .map(|s| {
            json!({"symbol": symbol, "date": iso_date(s.date.div_euclid(DAY)),
                "fromFactor": s.denominator, "toFactor": s.numerator})
        })
        .collect();
    Json(json!(list)).into_response()
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({"error": "You don't have access to this resource."}))).into_response()
}

/// YYYY-MM-DD of a day number (days since 1970-01-01), by the civil-from-days rule.
pub fn iso_date(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(19_884), "2024-06-10");
        assert_eq!(iso_date(FIRST_DAY), "1990-01-02");
        assert!(!is_trading_day(19_886 + 3), "2024-06-15 is a Saturday");
        assert!(is_trading_day(19_884), "2024-06-10 is a Monday");
    }

    #[test]
    fn the_series_ends_at_the_quoted_price() {
        assert_eq!(adjusted_close("AAPL", 189.84, 20_000, 20_000), 189.84);
        assert!(adjusted_close("AAPL", 189.84, 16_000, 20_000) < 189.84);
    }
}
