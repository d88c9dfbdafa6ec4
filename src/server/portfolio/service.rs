//! The portfolio as a signed-in user sees it: their ledger replayed and valued at
//! the latest quotes. Pages and REST routes call this; it holds no rules of its own.

use super::ledger::{Ledger, Rules};
use super::repo;
use super::risk::{RiskFigures, risk_figures};
use super::snapshots;
use super::valuation::Valuation;
use crate::model::{Performance, PositionRow, Quote, Range, Symbol};
use crate::server::error::AppError;
use crate::server::market::logos::logo_path;
use crate::server::state::AppState;
use chrono::NaiveDate;
use std::collections::HashMap;

pub struct Portfolio {
    pub ledger: Ledger,
    pub valuation: Valuation,
}

/// Replays the user's ledger and values it (quotes from the market cache; a
/// symbol without any quote is listed in `missing_prices`).
pub async fn portfolio(state: &AppState, user_id: i64) -> Result<Portfolio, AppError> {
    let activities = repo::activities(&state.db, user_id).await?;
    let ledger = Ledger::replay(&activities, Rules::default())
        .map_err(|e| AppError::internal("the stored ledger does not replay", e))?;
    let symbols: Vec<Symbol> = ledger.lots.keys().cloned().collect();
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
    let valuation = Valuation::new(&ledger, &quotes);
    Ok(Portfolio { ledger, valuation })
}

/// The risk and performance figures of `range`, after making sure the history
/// reaches today (writing today's snapshot if it is missing). A history that
/// cannot be written (a full or read-only disk) is logged and the figures come
/// from what is stored: a read must not fail because a write did.
pub async fn risk(state: &AppState, user_id: i64, range: Range) -> Result<RiskFigures, AppError> {
    let today = chrono::Utc::now().date_naive();
    if let Err(err) = snapshots::ensure_current(state, user_id, today).await {
        tracing::warn!(user_id, error = %err, "the history could not be brought up to today");
    }
    let history = repo::snapshots(&state.db, user_id, NaiveDate::MIN).await?;
    Ok(risk_figures(&history, range, today, state.config.risk_free_rate))
}

/// The performance chart's series for `range`.
pub async fn performance(state: &AppState, user_id: i64, range: Range) -> Result<Performance, AppError> {
    let risk = risk(state, user_id, range).await?;
    let from = risk.days.first().map_or(NaiveDate::MIN, |d| d.date);
    let history = repo::snapshots(&state.db, user_id, from).await?;
    Ok(Performance {
        range,
        benchmark: state.market.settings.benchmark.as_str().to_string(),
        points: super::performance::series(&history, &risk),
    })
}

/// The positions table: every holding with its price and company profile.
pub async fn positions(state: &AppState, user_id: i64) -> Result<Vec<PositionRow>, AppError> {
    let Portfolio { valuation, .. } = portfolio(state, user_id).await?;
    Ok(position_rows(state, valuation).await)
}

/// The rows of an already valued portfolio, with company profiles.
pub async fn position_rows(state: &AppState, valuation: Valuation) -> Vec<PositionRow> {
    // Profiles concurrently: on a cold cache each is an upstream call.
    let profiles = futures::future::join_all(valuation.positions.iter().map(|p| state.market.profile(&p.symbol))).await;
    valuation
        .positions
        .into_iter()
        .zip(profiles)
        .map(|(p, profile)| {
            let profile = profile.ok();
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
                logo: profile.as_ref().filter(|pr| !pr.logo.is_empty()).map(|_| logo_path(&p.symbol.to_string())),
                opened_at: p.opened_at,
                weight: p.weight,
                price_as_of: quote.map(|q| q.as_of),
                price_source: quote.map(|q| q.source),
                stale: quote.map(|q| q.stale),
            }
        })
        .collect()
}
