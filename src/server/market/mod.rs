//! Market data: every price and company profile enters Folio through here.
//!
//! [`MarketData`] is what an upstream provider offers (Finnhub for real prices,
//! Demo for simulated ones when no API key is set). [`service::MarketService`] sits
//! in front of it: an in-memory cache over database tables, request coalescing,
//! stale-while-revalidate, the shared rate budget, and the refresher that keeps held
//! symbols fresh. A Finnhub failure never falls back to demo prices: the last cached
//! value is served, marked stale.

pub mod demo;
pub mod fairness;
pub mod finnhub;
pub mod history;
pub mod limiter;
pub mod logos;
pub mod refresher;
pub mod service;
pub mod shared_budget;
pub mod store;
pub mod stream;

use crate::model::{CompanyProfile, PriceSource, Quote, SearchHit, Symbol};
use crate::server::error::AppError;
use axum::http::StatusCode;

/// Why market data could not be had.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MarketError {
    #[error("No market data exists for {0}.")]
    NotFound(String),
    #[error("Finnhub rejected the API key. Check FINNHUB_API_KEY.")]
    Rejected,
    #[error("Finnhub does not give this API key access to {0}.")]
    Forbidden(String),
    #[error("Finnhub's rate limit was reached; trying again in {0} s.")]
    RateLimited(u64),
    #[error("Market data is unavailable right now ({0}).")]
    Unavailable(String),
}

impl MarketError {
    /// A stable code for the API and the price badge.
    pub fn code(&self) -> &'static str {
        match self {
            MarketError::NotFound(_) => "unknown_symbol",
            MarketError::Rejected => "market_data_key_rejected",
            MarketError::Forbidden(_) => "market_data_forbidden",
            MarketError::RateLimited(_) => "market_data_rate_limited",
            MarketError::Unavailable(_) => "market_data_unavailable",
        }
    }
}

impl From<MarketError> for AppError {
    fn from(err: MarketError) -> Self {
        let status = match err {
            MarketError::NotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        let mut app = AppError::new(status, err.code(), err.to_string());
        if let MarketError::RateLimited(seconds) = err {
            app.retry_after = Some(seconds);
        }
        app
    }
}

/// A quote as an upstream provider returns it, before the cache adds freshness.
pub type Fetched<T> = Result<T, MarketError>;

/// What a market-data provider offers.
pub trait MarketData: Send + Sync {
    fn source(&self) -> PriceSource;
    fn quote(&self, symbol: &Symbol) -> impl Future<Output = Fetched<Quote>> + Send;
    fn profile(&self, symbol: &Symbol) -> impl Future<Output = Fetched<CompanyProfile>> + Send;
    fn search(&self, query: &str) -> impl Future<Output = Fetched<Vec<SearchHit>>> + Send;
}

/// The configured provider (an enum rather than a trait object: two variants,
/// static dispatch, no boxing of futures).
pub enum Upstream {
    Finnhub(finnhub::FinnhubClient),
    Demo(demo::DemoMarket),
}

impl MarketData for Upstream {
    fn source(&self) -> PriceSource {
        match self {
            Upstream::Finnhub(f) => f.source(),
            Upstream::Demo(d) => d.source(),
        }
    }

    async fn quote(&self, symbol: &Symbol) -> Fetched<Quote> {
        match self {
            Upstream::Finnhub(f) => f.quote(symbol).await,
            Upstream::Demo(d) => d.quote(symbol).await,
        }
    }

    async fn profile(&self, symbol: &Symbol) -> Fetched<CompanyProfile> {
        match self {
            Upstream::Finnhub(f) => f.profile(symbol).await,
            Upstream::Demo(d) => d.profile(symbol).await,
        }
    }

    async fn search(&self, query: &str) -> Fetched<Vec<SearchHit>> {
        match self {
            Upstream::Finnhub(f) => f.search(query).await,
            Upstream::Demo(d) => d.search(query).await,
        }
    }
}

/// Converts an upstream float to an exact decimal (4 places); refuses NaN, infinities
/// and negative numbers.
pub fn to_decimal(value: f64) -> Option<rust_decimal::Decimal> {
    use rust_decimal::prelude::FromPrimitive;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    rust_decimal::Decimal::from_f64(value).map(|d| d.round_dp(4).normalize())
}

/// As [`to_decimal`], but signed (for changes).
pub fn to_signed_decimal(value: f64) -> Option<rust_decimal::Decimal> {
    use rust_decimal::prelude::FromPrimitive;
    value.is_finite().then(|| rust_decimal::Decimal::from_f64(value)).flatten().map(|d| d.round_dp(4).normalize())
}
