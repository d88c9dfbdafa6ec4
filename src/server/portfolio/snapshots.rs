//! The portfolio's stored daily history (`portfolio_snapshots`): rebuilt from the
//! ledger and the market service's daily closes by the pure
//! [`engine::history::build`](super::engine::history::build), kept current by an
//! hourly job. Writing is an upsert, so running it again changes nothing.

use super::engine::history::{PriceHistory, Snapshot, build};
use super::repo;
use crate::model::Symbol;
use crate::server::db::WriteTx;
use crate::server::error::AppError;
use crate::server::state::AppState;
use chrono::NaiveDate;

/// The daily closes the market service has for `symbols` between two days.
async fn history_for(
    state: &AppState,
    user_id: i64,
    symbols: &[Symbol],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PriceHistory, AppError> {
    let mut history = PriceHistory::default();
    for symbol in symbols {
        for (day, close) in state.market.daily_closes(symbol, from, to, Some(user_id)).await? {
            history.insert(symbol, day, close);
        }
    }
    Ok(history)
}

/// Writes every snapshot from the first activity to `to`; returns how many.
pub async fn rebuild(state: &AppState, user_id: i64, to: NaiveDate) -> Result<usize, AppError> {
    rebuild_from(state, user_id, None, to).await
}

/// Brings the history up to `today` if it stops short: rewrites from the newest
/// stored snapshot on (that day may have been written before its close).
pub async fn ensure_current(state: &AppState, user_id: i64, today: NaiveDate) -> Result<(), AppError> {
    match repo::last_snapshot_date(&state.db, user_id).await? {
        Some(last) if last >= today => Ok(()),
        last => rebuild_from(state, user_id, last, today).await.map(|_| ()),
    }
}

/// The daily job: keeps every user's history current. Hourly by default
/// (`FOLIO_SNAPSHOT_INTERVAL`), so the first run after the close records the day;
/// idempotent, so the other runs change nothing.
pub fn spawn_daily(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(state.config.portfolio.snapshot_interval);
        loop {
            ticker.tick().await;
            keep_every_history_current(&state).await;
        }
    })
}

/// One run of the daily job: brings every history up to the clock's today; a
/// failure for one user is logged and the others go on.
pub async fn keep_every_history_current(state: &AppState) {
    let today = state.clock.today();
    let users = match repo::users_with_activities(&state.db).await {
        Ok(users) => users,
        Err(err) => {
            tracing::warn!(error = %err, "snapshot job: cannot list users");
            return;
        }
    };
    for user_id in users {
        if let Err(err) = state.portfolios.ensure_current(state, user_id, today).await {
            tracing::warn!(user_id, error = %err, "snapshot job failed for a user");
        }
    }
}

/// Builds the whole history in memory (replay is cheap) and writes the days from
/// `from` on (all of them when `None`); returns how many it wrote.
///
/// The history is built outside any transaction (reading prices, replaying), then
/// written in one that first takes the user's row, as ledger writes do: a rebuild
/// and a write for one user take their locks in the same order, so they queue
/// instead of deadlocking, and no database lock is held while prices are read.
/// Under that lock the ledger version is checked: if a write came in since the
/// ledger was read, nothing is written (that write rebuilds after it commits).
/// Days that come out as they are stored are not written again, and then the
/// history version is not bumped either, so the hourly job on a day without a new
/// close does not make every process read every history again. Readers see the
/// old history or the new one, never half of each.
pub async fn rebuild_from(
    state: &AppState,
    user_id: i64,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<usize, AppError> {
    let read_version = super::state::read_key(&state.db, user_id).await?.ledger_version;
    let activities = repo::activities(&state.db, user_id).await?;
    // An empty ledger has no history: whatever is stored goes (below).
    let all = match activities.iter().map(|a| a.date).min() {
        None => Vec::new(),
        Some(first) => {
            let mut symbols: Vec<Symbol> = activities.iter().filter_map(|a| a.symbol.clone()).collect();
            let benchmark = state.market.settings.benchmark.clone();
            symbols.push(benchmark.clone());
            symbols.sort();
            symbols.dedup();
            // Closes from a few days before the first activity let a position opened
            // on a holiday be valued at the last close.
            let history = history_for(state, user_id, &symbols, first - chrono::Duration::days(10), to).await?;
            state.metrics.history_rebuilds.inc();
            build(&activities, &history, &benchmark, to)
        }
    };
    // The history's first row (the zero base, or the first day) depends on the
    // whole ledger, whatever changed: it is checked on every rebuild, and rows
    // stored before it (an old zero base) go.
    let head = all.first().cloned();
    let head_holds = repo::first_snapshot(&state.db, user_id).await? == head;
    let built: Vec<Snapshot> = all.into_iter().filter(|s| from.is_none_or(|f| s.date >= f)).collect();
    if head_holds && repo::snapshots(&state.db, user_id, from.unwrap_or(NaiveDate::MIN)).await? == built {
        return Ok(0);
    }
    let mut tx = WriteTx::begin(&state.db).await?;
    let version: i64 = sqlx::query_scalar(
        "UPDATE users SET history_version = history_version + 1 WHERE id = $1 RETURNING ledger_version",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if version != read_version {
        tx.rollback().await?;
        return Ok(0);
    }
    if !head_holds {
        // With no priced day at all, nothing stored is left true.
        match &head {
            Some(head) => {
                repo::delete_snapshots_before(&mut *tx, user_id, head.date).await?;
                repo::upsert_snapshot(&mut *tx, user_id, head).await?;
            }
            None => repo::delete_all_snapshots(&mut *tx, user_id).await?,
        }
    }
    for snapshot in &built {
        repo::upsert_snapshot(&mut *tx, user_id, snapshot).await?;
    }
    tx.commit().await?;
    Ok(built.len())
}
