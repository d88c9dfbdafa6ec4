//! The dashboard in one load: the user's kept portfolio valued once, and every
//! card, chart, position row and recent trade taken from that one valuation, so a
//! page render replays nothing twice and no two parts can disagree.

pub mod charts;

use crate::model::{Activity, ActivityKind, ChartView, Dashboard, Range};
use crate::server::error::AppError;
use crate::server::portfolio::engine::income::income;
use crate::server::portfolio::state::{Kept, Key};
use crate::server::portfolio::{backfill, overview, service};
use crate::server::state::AppState;
use charts::charts_of;

pub async fn dashboard(
    state: &AppState,
    user_id: i64,
    known: Option<Key>,
    range: Range,
    view: ChartView,
) -> Result<Dashboard, AppError> {
    let portfolio = service::portfolio_for(state, user_id, known).await?;
    let positions = service::position_rows(state, &portfolio.valuation).await;
    let history = backfill::progress(state, &portfolio.kept.activities);
    let mut overview =
        overview::of(&portfolio, range, state.market.source(), state.config.portfolio.annualise_min_days);
    if let Some(progress) = &history {
        loading_history(&mut overview, progress);
    }
    Ok(Dashboard {
        overview,
        charts: charts_of(&portfolio, &positions, range, view),
        positions,
        market: state.market.status(),
        recent_activity: newest_activity(&portfolio.kept, crate::server_fns::RECENT_ACTIVITY),
        income: income(&portfolio.kept.activities, range, portfolio.today),
        first_run: portfolio.kept.activities.is_empty(),
        history,
        split_suggestions: backfill::split_suggestions(state, &portfolio.kept.activities),
    })
}

/// While the price history is being fetched, a figure that cannot be computed yet
/// says so, instead of blaming a history that is on its way.
fn loading_history(overview: &mut crate::model::Overview, progress: &crate::model::HistoryProgress) {
    use crate::model::{Field, Stat, note};
    let why = format!("{} — this figure follows once it is in", progress.message());
    for stat in Stat::ALL {
        if overview.stats.get(*stat).is_none() {
            note(&mut overview.notes, *stat, why.clone());
        }
    }
    if overview.max_drawdown.is_none() {
        note(&mut overview.notes, Field::MaxDrawdown, why);
    }
}

/// The newest `count` trades, dividends and fees, newest first: a ledger whose
/// newest rows are deposits still shows its last trades.
pub fn newest_activity(kept: &Kept, count: usize) -> Vec<Activity> {
    kept.activities
        .iter()
        .rev()
        .filter(|a| !matches!(a.kind, ActivityKind::Deposit | ActivityKind::Withdrawal))
        .take(count)
        .cloned()
        .collect()
}
