//! The portfolio as a signed-in user sees it: their kept state (`state`) valued at
//! the latest quotes. Pages and REST routes load it once per request and take what
//! they need from it; it holds no rules of its own.

use super::engine::ledger::Ledger;
use super::engine::risk::RiskFigures;
use super::engine::valuation::Valuation;
use super::state::{Kept, Key};
use crate::model::{Performance, PositionRow, Quote, Range, Symbol};
use crate::server::error::AppError;
use crate::server::market::logos::logo_path;
use crate::server::state::AppState;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// One request's view of a user's portfolio.
pub struct Portfolio {
    pub kept: Arc<Kept>,
    pub valuation: Valuation,
    pub today: NaiveDate,
    risk_free_rate: f64,
    benchmark: String,
}

/// The user's kept state (built if it is missing or out of date) valued at the
/// quotes in the market cache; a symbol without any quote is in `missing_prices`.
pub async fn portfolio(state: &AppState, user_id: i64) -> Result<Portfolio, AppError> {
    portfolio_on(state, user_id, state.clock.today(), None).await
}

/// [`portfolio`] for a request whose session check already read the key of the
/// kept state (`auth::extractor::request_portfolio_key`): no second query.
pub async fn portfolio_for(state: &AppState, user_id: i64, known: Option<Key>) -> Result<Portfolio, AppError> {
    portfolio_on(state, user_id, state.clock.today(), known).await
}

/// [`portfolio`] as it is on `today`.
pub async fn portfolio_on(
    state: &AppState,
    user_id: i64,
    today: NaiveDate,
    known: Option<Key>,
) -> Result<Portfolio, AppError> {
    let kept = state.portfolios.load(state, user_id, today, known).await?;
    let symbols: Vec<Symbol> = kept.ledger.lots.keys().cloned().collect();
    let quotes: HashMap<Symbol, Quote> = state
        .market
        .quotes(&symbols)
        .await
        .into_iter()
        .filter_map(|(symbol, result)| match result {
            Ok(quote) => Some((symbol, quote)),
            Err(err) => {
                tracing::warn!(%symbol, error = %err, "no price for a held symbol");
                None
            }
        })
        .collect();
    let valuation = Valuation::new(&kept.ledger, &quotes);
    Ok(Portfolio {
        kept,
        valuation,
        today,
        risk_free_rate: state.config.portfolio.risk_free_rate,
        benchmark: state.market.settings.benchmark.as_str().to_string(),
    })
}

impl Portfolio {
    pub fn ledger(&self) -> &Ledger {
        &self.kept.ledger
    }

    /// The risk and performance figures of `range` (kept until the history changes).
    pub fn risk(&self, range: Range) -> Arc<RiskFigures> {
        self.kept.risk(range, self.today, self.risk_free_rate)
    }

    /// The performance chart's series for `range`.
    pub fn performance(&self, range: Range) -> Performance {
        let risk = self.risk(range);
        Performance {
            range,
            benchmark: self.benchmark.clone(),
            points: super::engine::performance::series(&self.kept.history, &risk),
        }
    }
}

/// The risk and performance figures of `range`, the history brought up to today
/// first (see `state`).
pub async fn risk(state: &AppState, user_id: i64, range: Range) -> Result<Arc<RiskFigures>, AppError> {
    Ok(portfolio(state, user_id).await?.risk(range))
}

/// How long a page waits for a company profile that is not in memory.
const PROFILE_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The rows of an already valued portfolio, with company profiles.
pub async fn position_rows(state: &AppState, valuation: &Valuation) -> Vec<PositionRow> {
    // Profiles concurrently: on a cold cache each is an upstream call. A row shows
    // without its company name, so these calls leave pages' share of the budget
    // to what cannot wait (a new symbol's first quote), and the page waits for
    // them at most PROFILE_WAIT: a slower one goes on and is there next time.
    let profiles = valuation.positions.iter().map(|p| {
        let (market, symbol) = (state.market.clone(), p.symbol.clone());
        let lookup =
            tokio::spawn(crate::server::market::limiter::as_background(async move { market.profile(&symbol).await }));
        async move { tokio::time::timeout(PROFILE_WAIT, lookup).await.ok().and_then(Result::ok).and_then(Result::ok) }
    });
    let profiles = futures::future::join_all(profiles).await;
    valuation
        .positions
        .iter()
        .zip(profiles)
        .map(|(p, profile)| {
            let quote = p.quote.as_ref();
            PositionRow {
                id: p.opened_by,
                symbol: p.symbol.to_string(),
                company_name: profile.as_ref().map(|pr| pr.name.clone()).filter(|n| !n.is_empty()),
                quantity: p.quantity.normalize(),
                average_cost: p.average_cost,
                cost_basis: p.cost_basis,
                current_price: quote.map(|q| q.price),
                market_value: p.market_value,
                unrealized_pnl: p.unrealized,
                unrealized_pnl_pct: p.unrealized_percent,
                day_change: p.day_change,
                day_change_pct: p.day_change_percent,
                industry: profile.as_ref().map(|pr| pr.industry.clone()).filter(|i| !i.is_empty()),
                logo: profile.as_ref().filter(|pr| !pr.logo.is_empty()).map(|_| logo_path(p.symbol.as_str())),
                opened_at: p.opened_at,
                weight: p.weight,
                price_as_of: quote.map(|q| q.as_of),
                price_source: quote.map(|q| q.source),
                stale: quote.map(|q| q.stale),
            }
        })
        .collect()
}
