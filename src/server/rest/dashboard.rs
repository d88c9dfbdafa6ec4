//! `/api/dashboard/*`: the overview, positions, trades and performance series, in
//! the shapes the original system's clients read. Money is rounded to 2 places,
//! percentages are in percent (12.5 means 12.5 %), ratios to 4 places; a figure
//! that cannot be computed is `null` with its reason in `notes`.

use super::market::{iso_time, money};
use super::success;
use crate::model::{ActivityKind, Range};
use crate::server::auth::extractor::AuthUser;
use crate::server::error::AppError;
use crate::server::portfolio::repo;
use crate::server::portfolio::service::{self, Portfolio};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct RangeQuery {
    range: Option<String>,
}

fn parse_range(raw: Option<&str>) -> Result<Range, AppError> {
    match raw {
        None => Ok(Range::All),
        Some(raw) => Range::parse(raw).ok_or_else(|| {
            AppError::validation("invalid_parameter", "`range` must be one of 1M, 3M, 6M, YTD, 1Y, ALL.")
        }),
    }
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

pub async fn overview(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<RangeQuery>,
) -> Result<Json<Value>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let o = crate::server::portfolio::overview::overview(&state, user.id, range).await?;
    let percent = |f: Option<f64>| f.map(|v| round(v * 100.0, 2));
    let ratio = |f: Option<f64>| f.map(|v| round(v, 4));
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    Ok(success(json!({
        "range": o.range.as_str(),
        "total_value": o.total_value.map(money),
        "cash": money(o.cash),
        "invested": money(o.invested),
        "market_value": o.market_value.map(money),
        "unrealized_pnl": o.unrealized_pnl.map(money),
        "realized_pnl": money(o.realized_pnl),
        "dividends": money(o.dividends),
        "fees": money(o.fees),
        "net_contributions": money(o.net_contributions),
        "total_return": o.total_return.map(money),
        "total_return_percent": o.total_return_percent.map(money),
        "time_weighted_return": percent(o.time_weighted_return),
        "money_weighted_return": percent(o.money_weighted_return),
        "annual_return": percent(o.annual_return),
        "volatility": percent(o.volatility),
        "sharpe_ratio": ratio(o.sharpe_ratio),
        "sortino_ratio": ratio(o.sortino_ratio),
        "beta": ratio(o.beta),
        "alpha": percent(o.alpha),
        "max_drawdown": percent(o.max_drawdown),
        "max_drawdown_peak": day(o.max_drawdown_peak),
        "max_drawdown_trough": day(o.max_drawdown_trough),
        "max_drawdown_recovery": day(o.max_drawdown_recovery),
        "win_rate": o.win_rate.map(money),
        "total_trades": o.total_trades,
        "winning_trades": o.winning_trades,
        "losing_trades": o.losing_trades,
        "as_of": o.as_of.map(iso_time),
        "price_source": o.price_source.as_str(),
        "stale_symbols": o.stale_symbols,
        "notes": o.notes,
    })))
}

pub async fn positions(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Json<Value>, AppError> {
    let rows: Vec<Value> = service::positions(&state, user.id)
        .await?
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id,
                "symbol": p.symbol,
                "company_name": p.company_name,
                "quantity": p.quantity.to_string().parse::<f64>().unwrap_or_default(),
                "average_cost": money(p.average_cost),
                "current_price": p.current_price.map(money),
                "market_value": p.market_value.map(money),
                "cost_basis": money(p.cost_basis),
                "unrealized_pnl": p.unrealized_pnl.map(money),
                "unrealized_pnl_pct": p.unrealized_pnl_pct.map(money),
                "day_change": p.day_change.map(money),
                "day_change_pct": p.day_change_pct.map(money),
                // Finnhub has no sector classification; `industry` is finnhubIndustry.
                "sector": Value::Null,
                "industry": p.industry,
                "logo": p.logo,
                "opened_at": p.opened_at.to_string(),
                "weight": p.weight.map(money),
                "price_as_of": p.price_as_of.map(iso_time),
                "price_source": p.price_source.map(|s| s.as_str()),
                "stale": p.stale,
            })
        })
        .collect();
    Ok(success(rows))
}

#[derive(Deserialize)]
pub struct TradesQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn trades(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<TradesQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = match query.limit.as_deref() {
        None => 50,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(AppError::validation("invalid_parameter", "`limit` must be a whole number from 1 to 500."));
            }
        },
    };
    let cursor = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(parse_cursor(raw)?),
    };
    let Portfolio { ledger, .. } = service::portfolio(&state, user.id).await?;
    let realized: BTreeMap<i64, _> = ledger.closed.iter().map(|t| (t.activity_id, t)).collect();
    let mut trades: Vec<_> =
        repo::activities(&state.db, user.id).await?.into_iter().filter(|a| a.kind.is_trade()).collect();
    trades.sort_by_key(|a| std::cmp::Reverse((a.date, a.id)));
    let after_cursor: Vec<_> = trades.iter().filter(|a| cursor.is_none_or(|c| (a.date, a.id) < c)).collect();
    let page = &after_cursor[..limit.min(after_cursor.len())];
    let next_cursor =
        (after_cursor.len() > limit).then(|| page.last().map(|a| format!("{}_{}", a.date, a.id))).flatten();
    let rows: Vec<Value> = page
        .iter()
        .map(|a| {
            let quantity = a.quantity.unwrap_or_default();
            let price = a.price.unwrap_or_default();
            let closed = realized.get(&a.id);
            json!({
                "id": a.id,
                "symbol": a.symbol.as_ref().map(|s| s.as_str()),
                "trade_type": if a.kind == ActivityKind::Buy { "buy" } else { "sell" },
                "quantity": quantity.normalize().to_string().parse::<f64>().unwrap_or_default(),
                "price": money(price),
                "total_amount": money(quantity * price),
                "commission": money(a.fee),
                "realized_pnl": closed.map(|t| money(t.realized)),
                "realized_pnl_pct": closed.and_then(|t| t.realized_percent()).map(money),
                "trade_date": a.date.to_string(),
                "notes": a.note,
            })
        })
        .collect();
    Ok(Json(json!({ "status": "success", "data": rows, "next_cursor": next_cursor })))
}

fn parse_cursor(raw: &str) -> Result<(chrono::NaiveDate, i64), AppError> {
    let bad = || AppError::validation("invalid_parameter", "`cursor` is not one this API gave out.");
    let (date, id) = raw.split_once('_').ok_or_else(bad)?;
    Ok((date.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

pub async fn performance(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<RangeQuery>,
) -> Result<Json<Value>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let risk = service::risk(&state, user.id, range).await?;
    let history =
        repo::snapshots(&state.db, user.id, risk.days.first().map_or(chrono::NaiveDate::MIN, |d| d.date)).await?;
    let returns: BTreeMap<_, _> = risk.returns.iter().copied().collect();
    let base_benchmark = risk.days.first().and_then(|d| d.benchmark);
    let (mut wealth, mut peak) = (1.0f64, 1.0f64);
    let points: Vec<Value> = history
        .iter()
        .filter(|s| risk.days.iter().any(|d| d.date == s.date))
        .map(|s| {
            let daily = returns.get(&s.date).copied();
            if let Some(r) = daily {
                wealth *= 1.0 + r;
            }
            peak = peak.max(wealth);
            let benchmark = risk.days.iter().find(|d| d.date == s.date).and_then(|d| d.benchmark);
            json!({
                "date": s.date.to_string(),
                "total_value": money(s.total_value),
                "cash": money(s.cash),
                "invested": money(s.invested),
                "daily_return": daily.map(|r| round(r * 100.0, 4)),
                "cumulative_twr": round((wealth - 1.0) * 100.0, 4),
                "benchmark_cumulative": match (base_benchmark, benchmark) {
                    (Some(base), Some(b)) if base > 0.0 => Some(round((b / base - 1.0) * 100.0, 4)),
                    _ => None,
                },
                "drawdown": round((wealth / peak - 1.0) * 100.0, 4),
            })
        })
        .collect();
    Ok(success(
        json!({ "range": range.as_str(), "benchmark": state.market.settings.benchmark.as_str(), "points": points }),
    ))
}
