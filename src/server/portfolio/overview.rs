//! Every overview card for one user and range, shared by the dashboard page and
//! `/api/dashboard/overview`.

use super::engine::metrics::Figure;
use super::service;
use crate::model::{Overview, PriceSource, Range};
use std::collections::BTreeMap;

/// The cards of an already loaded portfolio (no IO).
pub fn of(portfolio: &service::Portfolio, range: Range, price_source: PriceSource) -> Overview {
    let (ledger, v) = (portfolio.ledger(), &portfolio.valuation);
    let risk = portfolio.risk(range);
    let mut notes = BTreeMap::new();
    let no_price =
        format!("no price for {}", v.missing_prices.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    for (field, missing) in [
        ("total_value", v.total_value.is_none()),
        ("market_value", v.market_value.is_none()),
        ("unrealized_pnl", v.unrealized.is_none()),
        ("total_return", v.total_return.is_none()),
    ] {
        if missing {
            notes.insert(field.to_string(), no_price.clone());
        }
    }
    if v.total_return_percent.is_none() {
        let why =
            if v.total_return.is_none() { no_price.clone() } else { "no net contributions to compare with".into() };
        notes.insert("total_return_percent".into(), why);
    }
    let mut figure = |field: &str, f: &Figure| match f {
        Ok(value) if value.is_finite() => Some(*value),
        Ok(_) => {
            notes.insert(field.into(), "not a finite number".into());
            None
        }
        Err(why) => {
            notes.insert(field.into(), why.clone());
            None
        }
    };
    let time_weighted_return = figure("time_weighted_return", &risk.time_weighted_return);
    let money_weighted_return = figure("money_weighted_return", &risk.money_weighted_return);
    let annual_return = figure("annual_return", &risk.annual_return);
    let volatility = figure("volatility", &risk.volatility);
    let sharpe_ratio = figure("sharpe_ratio", &risk.sharpe);
    let sortino_ratio = figure("sortino_ratio", &risk.sortino);
    let beta = figure("beta", &risk.beta);
    let alpha = figure("alpha", &risk.alpha);
    let drawdown = risk.max_drawdown.as_ref().ok();
    if let Err(why) = &risk.max_drawdown {
        for field in ["max_drawdown", "max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery"] {
            notes.insert(field.into(), why.clone());
        }
    } else if drawdown.is_some_and(|d| d.recovery.is_none()) {
        notes.insert("max_drawdown_recovery".into(), "not recovered yet".into());
    }
    let win_rate = ledger.win_rate();
    if win_rate.is_none() {
        notes.insert("win_rate".into(), "no closed trades yet".into());
    }
    let (winning_trades, losing_trades, _) = ledger.trade_outcomes();
    Overview {
        range,
        total_value: v.total_value,
        cash: v.cash,
        invested: v.invested,
        market_value: v.market_value,
        unrealized_pnl: v.unrealized,
        realized_pnl: v.realized,
        dividends: v.dividends,
        fees: v.fees,
        net_contributions: v.net_contributions,
        total_return: v.total_return,
        total_return_percent: v.total_return_percent,
        time_weighted_return,
        money_weighted_return,
        annual_return,
        volatility,
        sharpe_ratio,
        sortino_ratio,
        beta,
        alpha,
        max_drawdown: drawdown.map(|d| d.max),
        max_drawdown_peak: drawdown.map(|d| d.peak),
        max_drawdown_trough: drawdown.map(|d| d.trough),
        max_drawdown_recovery: drawdown.and_then(|d| d.recovery),
        win_rate,
        total_trades: ledger.closed.len(),
        winning_trades,
        losing_trades,
        as_of: v.positions.iter().filter_map(|p| p.quote.as_ref().map(|q| q.fetched_at)).min(),
        price_source,
        stale_symbols: v
            .positions
            .iter()
            .filter(|p| p.quote.as_ref().is_some_and(|q| q.stale))
            .map(|p| p.symbol.to_string())
            .collect(),
        notes,
    }
}
