//! Market data over REST: a quote, a company profile, symbol search, and the
//! feed's status.

use super::errors::{MarketErrors, Unauthorized};
use super::extract::{ApiPath, ApiQuery};
use super::schema::{Envelope, QuoteData};
use super::success;
use crate::model::{CompanyProfile, MarketStatus, SearchHit, Symbol};
use crate::server::auth::extractor::AuthUser;
use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

pub fn parse_symbol(raw: &str) -> Result<Symbol, AppError> {
    Symbol::parse(raw).map_err(|message| AppError::bad_request("invalid_symbol", message))
}

/// The latest quote for a symbol.
///
/// Served from cache while fresh; when the provider fails, the cached value is
/// returned with `stale: true`.
#[utoipa::path(get, path = "/api/dashboard/quote/{symbol}", tag = "market",
    params(("symbol" = String, Path, description = "Ticker, e.g. AAPL or BRK.B", example = "AAPL")),
    responses((status = 200, body = Envelope<QuoteData>), Unauthorized, MarketErrors))]
pub async fn quote(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Envelope<QuoteData>>, AppError> {
    let symbol = parse_symbol(&raw)?;
    let quote = state.market.quote(&symbol).await?;
    Ok(success(QuoteData::from(quote)))
}

/// The company profile for a symbol.
///
/// Name, exchange, industry, logo and size as the market-data provider reports
/// them: `market_capitalization` and `shares_outstanding` are in millions.
#[utoipa::path(get, path = "/api/dashboard/profile/{symbol}", tag = "market",
    params(("symbol" = String, Path, description = "Ticker, e.g. AAPL or BRK.B", example = "AAPL")),
    responses((status = 200, body = Envelope<CompanyProfile>), Unauthorized, MarketErrors))]
pub async fn profile(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Envelope<CompanyProfile>>, AppError> {
    let symbol = parse_symbol(&raw)?;
    let profile = state.market.profile(&symbol).await?;
    Ok(success(profile))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 1 to 50 characters of a symbol or company name, not all spaces, no control
    /// characters.
    #[serde(default)]
    #[param(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        example = "apple"
    )]
    q: String,
}

/// Symbols matching a name or ticker.
///
/// The market-data provider's search, for filling in a symbol: each match with
/// its symbol, the company's name and the kind of security.
#[utoipa::path(get, path = "/api/market/search", tag = "market", params(SearchQuery),
    responses((status = 200, body = Envelope<Vec<SearchHit>>), Unauthorized, super::errors::Bad,
        (status = 503, description = "The provider is unavailable.", body = crate::server::error::ErrorEnvelope)))]
pub async fn search(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<Envelope<Vec<SearchHit>>>, AppError> {
    let q =
        crate::model::SearchQuery::parse(&query.q).map_err(|message| AppError::validation("invalid_query", message))?;
    Ok(success(state.market.search(&q).await?))
}

/// Where prices come from and whether the provider is healthy.
///
/// The source of prices (`finnhub`, or `demo` without an API key), the last
/// successful upstream answer and the current problem, if any: what the pages'
/// price badge shows.
#[utoipa::path(get, path = "/api/market/status", tag = "market",
    responses((status = 200, body = Envelope<MarketStatus>), Unauthorized))]
pub async fn status(State(state): State<AppState>, _user: AuthUser) -> Json<Envelope<MarketStatus>> {
    success(state.market.status())
}
