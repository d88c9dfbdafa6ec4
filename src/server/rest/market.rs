//! Market data over REST: a quote, a company profile, symbol search, and the
//! feed's status. Money is sent as numbers rounded to 2 places (exact decimals
//! inside); times as ISO 8601 in UTC.

use super::success;
use crate::model::{MarketStatus, Quote, Symbol};
use crate::server::auth::extractor::AuthUser;
use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A money amount or percentage as a JSON number with 2 decimals.
pub fn money(value: Decimal) -> f64 {
    value.round_dp(2).to_f64().unwrap_or_default()
}

pub fn iso_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub fn parse_symbol(raw: &str) -> Result<Symbol, AppError> {
    Symbol::parse(raw).map_err(|message| AppError::bad_request("invalid_symbol", message))
}

#[derive(Serialize)]
pub struct QuoteResponse {
    symbol: String,
    current_price: f64,
    change: Option<f64>,
    percent_change: Option<f64>,
    high: f64,
    low: f64,
    open: f64,
    previous_close: f64,
    /// Time of the last trade upstream.
    timestamp: String,
    fetched_at: String,
    source: &'static str,
    stale: bool,
}

impl From<Quote> for QuoteResponse {
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
            source: q.source.as_str(),
            stale: q.stale,
        }
    }
}

pub async fn quote(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, AppError> {
    let symbol = parse_symbol(&raw)?;
    let quote = state.market.quote(&symbol).await?;
    Ok(success(QuoteResponse::from(quote)))
}

pub async fn profile(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<Value>, AppError> {
    let symbol = parse_symbol(&raw)?;
    let profile = state.market.profile(&symbol).await?;
    Ok(success(profile))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, AppError> {
    let q = query.q.trim();
    if q.is_empty() || q.chars().count() > 50 || q.chars().any(char::is_control) {
        return Err(AppError::validation(
            "invalid_query",
            "Search for 1 to 50 characters of a symbol or company name.",
        ));
    }
    Ok(success(state.market.search(q).await?))
}

pub async fn status(State(state): State<AppState>, _user: AuthUser) -> Json<Value> {
    let status: MarketStatus = state.market.status();
    success(status)
}
