//! The symbol page's data.

use crate::model::{ApiError, SymbolView};
use leptos::prelude::*;

/// The market's and the user's view of `symbol`. An unknown or invalid symbol is
/// an error, and the page's HTTP status becomes 404.
#[server(output = super::TextJson)]
pub async fn get_symbol_view(symbol: String) -> Result<SymbolView, ApiError> {
    use crate::model::Symbol;
    use crate::server::error::AppError;
    use crate::server::market::MarketError;
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    let symbol = Symbol::parse(&symbol).map_err(AppError::not_found)?;
    let profile = match state.market.profile(&symbol).await {
        // The page shows the logo through this origin (`/logos/{symbol}`).
        Ok(profile) if !profile.logo.is_empty() => {
            crate::model::CompanyProfile { logo: crate::server::market::logos::logo_path(symbol.as_str()), ..profile }
        }
        Ok(profile) => profile,
        Err(MarketError::NotFound(_)) => {
            return Err(AppError::not_found(format!("No market data knows the symbol {symbol}.")).into());
        }
        Err(err) => return Err(err.into()),
    };
    let (quote, quote_problem) = match state.market.quote(&symbol).await {
        Ok(quote) => (Some(quote), None),
        Err(err) => (None, Some(err.to_string())),
    };
    // One load of the portfolio: the position row and the symbol's activities.
    let portfolio = crate::server::portfolio::service::portfolio_for(&state, user.id, super::portfolio_key()).await?;
    let positions = crate::server::portfolio::service::position_rows(&state, &portfolio.valuation).await;
    let position = positions.into_iter().find(|p| p.symbol == symbol.as_str());
    let mine: Vec<crate::model::Activity> =
        portfolio.kept.activities.iter().filter(|a| a.symbol.as_ref() == Some(&symbol)).cloned().collect();
    let ledger = portfolio.ledger();
    let today = portfolio.today;
    let lots = ledger
        .lots
        .get(&symbol)
        .map(|lots| {
            lots.iter()
                .map(|l| crate::model::LotView {
                    opened_at: l.opened_at,
                    quantity: l.quantity,
                    cost: l.cost,
                    unit_cost: if l.quantity.is_zero() { l.cost } else { l.cost / l.quantity },
                    age_days: (today - l.opened_at).num_days(),
                })
                .collect()
        })
        .unwrap_or_default();
    let realized = ledger.closed.iter().filter(|c| c.symbol == symbol).map(|c| c.realized).sum();
    let dividends =
        mine.iter().filter(|a| a.kind == crate::model::ActivityKind::Dividend).filter_map(|a| a.amount).sum();
    // The price over the held period: from the first activity in it to today.
    let closes = match mine.first() {
        Some(first) => {
            state.market.daily_closes(&symbol, first.date, today, Some(user.id)).await.unwrap_or_else(|err| {
                tracing::warn!(%symbol, error = %err, "no closes for the symbol page");
                Vec::new()
            })
        }
        None => Vec::new(),
    };
    let split_suggestions = crate::server::portfolio::backfill::split_suggestions(&state, &portfolio.kept.activities)
        .into_iter()
        .filter(|s| s.symbol == symbol)
        .collect();
    let price_span = (closes.len() >= 2).then(|| (closes[0], closes[closes.len() - 1]));
    let price_chart =
        price_span.map(|_| crate::server::dashboard::charts::price_option(symbol.as_str(), &closes, &mine).to_string());
    Ok(SymbolView {
        symbol: symbol.to_string(),
        profile,
        quote,
        quote_problem,
        position,
        activities: mine.into_iter().rev().collect(),
        lots,
        realized,
        dividends,
        split_suggestions,
        price_chart,
        price_span,
        market: state.market.status(),
    })
}
