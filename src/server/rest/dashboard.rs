//! `/api/dashboard/*`: the overview, positions, trades and performance series, in
//! the shapes the original system's clients read. Money is rounded to 2 places,
//! percentages are in percent (12.5 means 12.5 %), ratios to 4 places; a figure
//! that cannot be computed is `null` with its reason in `notes`.

use super::market::{iso_time, money};
use super::success;
use crate::model::{ActivityKind, Range};
use crate::server::auth::extractor::AuthUser;
use crate::server::error::AppError;
use crate::server::portfolio::metrics::Figure;
use crate::server::portfolio::repo;
use crate::server::portfolio::service::{self, Portfolio};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value, json};
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

/// Collects `null`-with-reason fields.
#[derive(Default)]
struct Fields {
    map: Map<String, Value>,
    notes: BTreeMap<String, String>,
}

impl Fields {
    fn money(&mut self, name: &str, value: Option<Decimal>, why: &str) {
        match value {
            Some(v) => self.set(name, json!(money(v))),
            None => self.missing(name, why),
        }
    }
    fn percent(&mut self, name: &str, figure: &Figure) {
        self.figure(name, figure, |v| round(v * 100.0, 2));
    }
    fn ratio(&mut self, name: &str, figure: &Figure) {
        self.figure(name, figure, |v| round(v, 4));
    }
    fn figure(&mut self, name: &str, figure: &Figure, scale: impl Fn(f64) -> f64) {
        match figure {
            Ok(v) if v.is_finite() => self.set(name, json!(scale(*v))),
            Ok(_) => self.missing(name, "not a finite number"),
            Err(why) => self.missing(name, why),
        }
    }
    fn set(&mut self, name: &str, value: Value) {
        self.map.insert(name.into(), value);
    }
    fn missing(&mut self, name: &str, why: &str) {
        self.map.insert(name.into(), Value::Null);
        self.notes.insert(name.into(), why.into());
    }
}

pub async fn overview(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<RangeQuery>,
) -> Result<Json<Value>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let Portfolio { ledger, valuation: v } = service::portfolio(&state, user.id).await?;
    let risk = service::risk(&state, user.id, range).await?;
    let no_price =
        format!("no price for {}", v.missing_prices.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    let mut f = Fields::default();
    f.money("total_value", v.total_value, &no_price);
    f.money("cash", Some(v.cash), "");
    f.money("invested", Some(v.invested), "");
    f.money("market_value", v.market_value, &no_price);
    f.money("unrealized_pnl", v.unrealized, &no_price);
    f.money("realized_pnl", Some(v.realized), "");
    f.money("dividends", Some(v.dividends), "");
    f.money("fees", Some(v.fees), "");
    f.money("net_contributions", Some(v.net_contributions), "");
    f.money("total_return", v.total_return, &no_price);
    match (v.total_return_percent, v.total_return) {
        (Some(p), _) => f.set("total_return_percent", json!(money(p))),
        (None, None) => f.missing("total_return_percent", &no_price),
        (None, Some(_)) => f.missing("total_return_percent", "no net contributions to compare with"),
    }
    f.percent("time_weighted_return", &risk.time_weighted_return);
    f.percent("money_weighted_return", &risk.money_weighted_return);
    f.percent("annual_return", &risk.annual_return);
    f.percent("volatility", &risk.volatility);
    f.ratio("sharpe_ratio", &risk.sharpe);
    f.ratio("sortino_ratio", &risk.sortino);
    f.ratio("beta", &risk.beta);
    f.percent("alpha", &risk.alpha);
    match &risk.max_drawdown {
        Ok(dd) => {
            f.set("max_drawdown", json!(round(dd.max * 100.0, 2)));
            f.set("max_drawdown_peak", json!(dd.peak.to_string()));
            f.set("max_drawdown_trough", json!(dd.trough.to_string()));
            f.set("max_drawdown_recovery", json!(dd.recovery.map(|d| d.to_string())));
        }
        Err(why) => {
            for name in ["max_drawdown", "max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery"] {
                f.missing(name, why);
            }
        }
    }
    let (winning, losing, _) = ledger.trade_outcomes();
    match ledger.win_rate() {
        Some(rate) => f.set("win_rate", json!(money(rate))),
        None => f.missing("win_rate", "no closed trades yet"),
    }
    f.set("total_trades", json!(ledger.closed.len()));
    f.set("winning_trades", json!(winning));
    f.set("losing_trades", json!(losing));
    f.set("range", json!(range.as_str()));
    let as_of = v.positions.iter().filter_map(|p| p.quote.as_ref().map(|q| q.fetched_at)).min();
    f.set("as_of", json!(as_of.map(iso_time)));
    f.set("price_source", json!(state.market.source().as_str()));
    f.set(
        "stale_symbols",
        json!(
            v.positions
                .iter()
                .filter(|p| p.quote.as_ref().is_some_and(|q| q.stale))
                .map(|p| p.symbol.to_string())
                .collect::<Vec<_>>()
        ),
    );
    f.map.insert("notes".into(), json!(f.notes));
    Ok(success(Value::Object(f.map)))
}

pub async fn positions(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Json<Value>, AppError> {
    let Portfolio { valuation, .. } = service::portfolio(&state, user.id).await?;
    let mut rows = Vec::new();
    for p in valuation.positions {
        let profile = state.market.profile(&p.symbol).await.ok();
        let quote = p.quote.as_ref();
        rows.push(json!({
            "id": p.opened_by,
            "symbol": p.symbol.as_str(),
            "company_name": profile.as_ref().map(|pr| pr.name.clone()),
            "quantity": p.quantity.normalize().to_string().parse::<f64>().unwrap_or_default(),
            "average_cost": money(p.average_cost),
            "current_price": quote.map(|q| money(q.price)),
            "market_value": p.market_value.map(money),
            "cost_basis": money(p.cost_basis),
            "unrealized_pnl": p.unrealized.map(money),
            "unrealized_pnl_pct": p.unrealized_percent.map(money),
            "day_change": p.day_change.map(money),
            "day_change_pct": p.day_change_percent.map(money),
            // Finnhub has no sector classification; `industry` is finnhubIndustry.
            "sector": Value::Null,
            "industry": profile.as_ref().map(|pr| pr.industry.clone()),
            "logo": profile.as_ref().map(|pr| pr.logo.clone()).filter(|l| !l.is_empty()),
            "opened_at": p.opened_at.to_string(),
            "weight": p.weight.map(money),
            "price_as_of": quote.map(|q| iso_time(q.as_of)),
            "price_source": quote.map(|q| q.source.as_str()),
            "stale": quote.map(|q| q.stale),
        }));
    }
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
