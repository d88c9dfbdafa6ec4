//! `/api/dashboard/*`: the overview, positions, trades and performance series, in
//! the shapes the original system's clients read (see `schema` for units).

use super::errors::{Bad, Unauthorized};
use super::extract::ApiQuery;
use super::schema::{
    Envelope, IncomeData, MonthIncomeData, OverviewData, PerformanceData, PerformancePoint, PositionData,
    SuccessStatus, TradeData, TradeType, TradesPage, money, quantity, round,
};
use super::success;
use crate::model::{ActivityKind, Cursor, Range};
use crate::server::auth::extractor::{AuthUser, PortfolioKey};
use crate::server::error::AppError;
use crate::server::portfolio::service;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// The period covered (default ALL).
    #[param(value_type = Option<Range>)]
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

/// Portfolio overview: value, cash, P&L, returns and risk figures.
///
/// Saves today's snapshot if it is missing. Every null figure has its reason in
/// `notes`.
#[utoipa::path(get, path = "/api/dashboard/overview", tag = "dashboard", params(RangeQuery),
    responses((status = 200, body = Envelope<OverviewData>), Unauthorized, Bad))]
pub async fn overview(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<Envelope<OverviewData>>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let portfolio = service::portfolio_for(&state, user.id, key).await?;
    let overview = crate::server::portfolio::overview::of(
        &portfolio,
        range,
        state.market.source(),
        state.config.portfolio.annualise_min_days,
    );
    Ok(success(OverviewData::from(overview)))
}

/// Open positions with prices, P&L and weights.
///
/// One row per held symbol (all its open lots together), valued at the latest
/// price; a symbol without a price has null value, P&L and weight, and the others'
/// weights add up to 100.
#[utoipa::path(get, path = "/api/dashboard/positions", tag = "dashboard",
    responses((status = 200, body = Envelope<Vec<PositionData>>), Unauthorized))]
pub async fn positions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
) -> Result<Json<Envelope<Vec<PositionData>>>, AppError> {
    let portfolio = service::portfolio_for(&state, user.id, key).await?;
    let rows = service::position_rows(&state, &portfolio.valuation).await.into_iter().map(PositionData::from).collect();
    Ok(success(rows))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TradesQuery {
    /// Trades per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]+)?$", example = "2026-03-02_17")]
    cursor: Option<String>,
}

/// Buys and sells, newest first, a page at a time.
///
/// Each sell carries its realized P&L (FIFO). Pass the answer's `next_cursor` as
/// `cursor` for the next page; it is null on the last one.
#[utoipa::path(get, path = "/api/dashboard/trades", tag = "dashboard", params(TradesQuery),
    responses((status = 200, body = TradesPage), Unauthorized, Bad))]
pub async fn trades(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
    ApiQuery(query): ApiQuery<TradesQuery>,
) -> Result<Json<TradesPage>, AppError> {
    let limit = match query.limit.as_deref() {
        None => 50,
        // Digits only: `+5` or ` 5` are not the integer the schema promises.
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if raw.bytes().all(|b| b.is_ascii_digit()) && (1..=500).contains(&n) => n,
            _ => {
                return Err(AppError::validation("invalid_parameter", "`limit` must be a whole number from 1 to 500."));
            }
        },
    };
    let cursor = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            Cursor::parse(raw)
                .ok_or_else(|| AppError::validation("invalid_parameter", "`cursor` is not one this API gave out."))?,
        ),
    };
    // The realized P&L of each sell needs the ledger replayed, not valued: the kept
    // state has both (no quotes are asked for).
    let kept = state.portfolios.load(&state, user.id, state.clock.today(), key).await?;
    let realized: BTreeMap<i64, _> = kept.ledger.closed.iter().map(|t| (t.activity_id, t)).collect();
    let mut trades: Vec<_> = kept.activities.iter().filter(|a| a.kind.is_trade()).collect();
    trades.sort_by_key(|a| std::cmp::Reverse((a.date, a.id)));
    let after_cursor: Vec<_> = trades.iter().filter(|a| cursor.is_none_or(|c| c.is_before(a))).collect();
    let page = &after_cursor[..limit.min(after_cursor.len())];
    let next_cursor = (after_cursor.len() > limit).then(|| page.last().map(|a| Cursor::after(a).to_string())).flatten();
    let data = page
        .iter()
        .map(|a| {
            let shares = a.quantity.unwrap_or_default();
            let price = a.price.unwrap_or_default();
            let closed = realized.get(&a.id);
            TradeData {
                id: a.id,
                symbol: a.symbol.as_ref().map(|s| s.to_string()),
                trade_type: if a.kind == ActivityKind::Buy { TradeType::Buy } else { TradeType::Sell },
                quantity: quantity(shares),
                price: money(price),
                total_amount: money(shares * price),
                commission: money(a.fee),
                realized_pnl: closed.map(|t| money(t.realized)),
                realized_pnl_pct: closed.and_then(|t| t.realized_percent()).map(money),
                trade_date: a.date.to_string(),
                notes: (!a.note.is_empty()).then(|| a.note.clone()),
            }
        })
        .collect();
    Ok(Json(TradesPage { status: SuccessStatus::Success, data, next_cursor }))
}

/// Dividends received: in the range, all-time and by month.
///
/// The amounts are the dividends as recorded (a fee attached to one counts in the
/// overview's `fees`); `all_time` equals the overview's `dividends`. The twelve
/// months end with the current one.
#[utoipa::path(get, path = "/api/dashboard/income", tag = "dashboard", params(RangeQuery),
    responses((status = 200, body = Envelope<IncomeData>), Unauthorized, Bad))]
pub async fn income(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<Envelope<IncomeData>>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let portfolio = service::portfolio_for(&state, user.id, key).await?;
    let income = crate::server::portfolio::engine::income::income(&portfolio.kept.activities, range, portfolio.today);
    Ok(success(IncomeData {
        range: range.as_str(),
        range_dividends: money(income.range_total),
        all_time: money(income.all_time),
        months: income
            .months
            .into_iter()
            .map(|m| MonthIncomeData { month: m.month.to_string()[..7].to_string(), dividends: money(m.dividends) })
            .collect(),
    }))
}

/// The daily series behind the performance chart.
///
/// One point per trading day of the range: value, cash, invested, the day's
/// return, the cumulative time-weighted return against the benchmark's, and the
/// drawdown. The overview's risk figures are computed from the same daily returns.
#[utoipa::path(get, path = "/api/dashboard/performance", tag = "dashboard", params(RangeQuery),
    responses((status = 200, body = Envelope<PerformanceData>), Unauthorized, Bad))]
pub async fn performance(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<Envelope<PerformanceData>>, AppError> {
    let range = parse_range(query.range.as_deref())?;
    let perf = service::portfolio_for(&state, user.id, key).await?.performance(range);
    let points = perf
        .points
        .into_iter()
        .map(|p| PerformancePoint {
            date: p.date.to_string(),
            total_value: money(p.total_value),
            cash: money(p.cash),
            invested: money(p.invested),
            net_contributions: money(p.net_contributions),
            daily_return: p.daily_return.map(|r| round(r, 4)),
            cumulative_twr: round(p.cumulative_twr, 4),
            benchmark_cumulative: p.benchmark_cumulative.map(|b| round(b, 4)),
            drawdown: round(p.drawdown, 4),
        })
        .collect();
    Ok(success(PerformanceData { range: range.as_str(), benchmark: perf.benchmark, points }))
}
