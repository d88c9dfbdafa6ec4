//! Every overview card for one user and range, shared by the dashboard page and
//! `/api/dashboard/overview`.

use super::engine::metrics::Figure;
use super::service;
use crate::model::{Field, Overview, PriceSource, Range, note};
use std::collections::BTreeMap;

/// The cards of an already loaded portfolio (no IO).
/// Annualised figures from fewer than `annualise_min_days` daily returns are marked.
pub fn of(
    portfolio: &service::Portfolio,
    range: Range,
    price_source: PriceSource,
    annualise_min_days: usize,
) -> Overview {
    let (ledger, v) = (portfolio.ledger(), &portfolio.valuation);
    let risk = portfolio.risk(range);
    let mut notes = BTreeMap::new();
    let no_price =
        format!("no price for {}", v.missing_prices.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    for (field, missing) in [
        (Field::TotalValue, v.total_value.is_none()),
        (Field::MarketValue, v.market_value.is_none()),
        (Field::UnrealizedPnl, v.unrealized.is_none()),
        (Field::TotalReturn, v.total_return.is_none()),
        (Field::DayChange, v.day_change.is_none()),
    ] {
        if missing {
            note(&mut notes, field, no_price.clone());
        }
    }
    if v.total_return_percent.is_none() {
        let why =
            if v.total_return.is_none() { no_price.clone() } else { "no net contributions to compare with".into() };
        note(&mut notes, Field::TotalReturnPercent, why);
    }
    if v.day_change_percent.is_none() {
        let why = if v.day_change.is_none() { no_price.clone() } else { "nothing was held at the last close".into() };
        note(&mut notes, Field::DayChangePercent, why);
    }
    let stats = risk.stats.clone().map(|stat, figure: Figure| match figure {
        Ok(value) if value.is_finite() => Some(value),
        Ok(_) => {
            note(&mut notes, stat, "not a finite number");
            None
        }
        Err(why) => {
            note(&mut notes, stat, why);
            None
        }
    });
    let drawdown = risk.max_drawdown.as_ref().ok();
    if let Err(why) = &risk.max_drawdown {
        for field in [Field::MaxDrawdown, Field::MaxDrawdownPeak, Field::MaxDrawdownTrough, Field::MaxDrawdownRecovery]
        {
            note(&mut notes, field, why.clone());
        }
    } else if drawdown.is_some_and(|d| d.recovery.is_none()) {
        note(&mut notes, Field::MaxDrawdownRecovery, "not recovered yet");
    }
    let win_rate = ledger.win_rate();
    if win_rate.is_none() {
        note(&mut notes, Field::WinRate, "no closed trades yet");
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
        day_change: v.day_change,
        day_change_percent: v.day_change_percent,
        range_dividends: super::engine::income::income(&portfolio.kept.activities, range, portfolio.today).range_total,
        stats,
        history_days: risk.returns.len(),
        short_history: risk.returns.len() < annualise_min_days,
        max_drawdown: drawdown.map(|d| d.max),
        max_drawdown_peak: drawdown.map(|d| d.peak),
        max_drawdown_trough: drawdown.map(|d| d.trough),
        max_drawdown_recovery: drawdown.and_then(|d| d.recovery),
        win_rate,
        total_trades: ledger.closed.len(),
        winning_trades,
        losing_trades,
        all_trades: portfolio.kept.activities.iter().filter(|a| a.kind.is_trade()).count(),
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
