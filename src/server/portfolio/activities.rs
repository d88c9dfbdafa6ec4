//! Changing the ledger: add, edit and delete activities, and import many at once.
//!
//! Every write replays the user's whole ledger with the change, inside one
//! database transaction that first bumps `users.ledger_version` (which makes
//! concurrent writes for one user queue behind each other on SQLite and
//! PostgreSQL alike); a change that breaks a rule is rolled back and reported with
//! the rule's code. The same transaction drops the snapshots from the earliest
//! changed date on, and they are rebuilt right after it commits, so charts and
//! risk figures never describe a ledger that no longer exists.

pub mod account_file;
pub mod csv;
pub mod draft;
pub mod gate;
pub mod import;
pub mod uploads;

use super::engine::ledger::{Ledger, LedgerError, Rules};
use super::repo;
use crate::model::{Activity, Symbol};
use crate::server::db::WriteTx;
use crate::server::error::AppError;
use crate::server::market::MarketError;
use crate::server::state::AppState;
use chrono::NaiveDate;
use draft::{Draft, FieldError};
use std::collections::BTreeSet;

/// Id given to an activity that is not stored yet: it sorts after every stored
/// activity of its day, which is where an insert lands.
const UNSAVED_ID: i64 = i64::MAX;

impl From<FieldError> for AppError {
    fn from(err: FieldError) -> Self {
        AppError::validation(err.code, err.message)
    }
}

fn ledger_error(err: LedgerError, changed: i64, ledger: &[Activity]) -> AppError {
    if err.activity_id == changed || err.activity_id == UNSAVED_ID {
        return AppError::validation(err.code, err.message);
    }
    // The change itself is fine but breaks a later activity (a deleted deposit
    // leaves a buy without cash): name that one.
    let message = match ledger.iter().find(|a| a.id == err.activity_id) {
        Some(other) => {
            format!("This change would break the {} of {}: {}", other.kind.as_str(), other.date, err.message)
        }
        None => err.message,
    };
    AppError::validation(err.code, message)
}

/// The activities of a user, newest first (from the kept state: no read when the
/// ledger has not changed).
pub async fn list(state: &AppState, user_id: i64) -> Result<Vec<Activity>, AppError> {
    let kept = state.portfolios.load(state, user_id, state.clock.today(), None).await?;
    Ok(kept.activities.iter().rev().cloned().collect())
}

pub async fn get(state: &AppState, user_id: i64, id: i64) -> Result<Activity, AppError> {
    repo::activity(&state.db, user_id, id).await?.ok_or_else(not_found)
}

fn not_found() -> AppError {
    AppError::not_found("No such activity.")
}

/// Checks that each symbol exists, asking the market data only about symbols the
/// user's ledger does not already hold (those were checked when they came in).
pub async fn check_symbols(
    state: &AppState,
    symbols: impl IntoIterator<Item = Symbol>,
    known: &BTreeSet<Symbol>,
) -> Result<(), (Symbol, AppError)> {
    let unknown: BTreeSet<Symbol> = symbols.into_iter().filter(|s| !known.contains(s)).collect();
    for symbol in unknown {
        match state.market.quote(&symbol).await {
            Ok(_) => {}
            Err(MarketError::NotFound(_)) => {
                let message = format!("{symbol} is not a symbol the market data knows.");
                return Err((symbol, AppError::validation("unknown_symbol", message)));
            }
            Err(err) => {
                let message = format!("Cannot check {symbol} right now: {err} Try again later.");
                return Err((symbol, AppError::unavailable(err.code(), message)));
            }
        }
    }
    Ok(())
}

fn latest_date(state: &AppState) -> NaiveDate {
    draft::latest_allowed_date(state.clock.now())
}

async fn validated(state: &AppState, user_id: i64, draft: &Draft) -> Result<Activity, AppError> {
    let activity = draft.parse(latest_date(state))?;
    if let Some(symbol) = &activity.symbol {
        let held = repo::symbols(&state.db, user_id).await?;
        check_symbols(state, [symbol.clone()], &held).await.map_err(|(_, err)| err)?;
    }
    Ok(activity)
}

/// Starts a ledger write: the transaction holds the user's ledger lock until it ends.
async fn begin(state: &AppState, user_id: i64) -> Result<(WriteTx, Vec<Activity>), AppError> {
    state.write_gate.pass().await;
    let mut tx = WriteTx::begin(&state.db).await?;
    sqlx::query("UPDATE users SET ledger_version = ledger_version + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ledger = repo::fetch_activities(&mut *tx, user_id).await?;
    Ok((tx, ledger))
}

fn replay(ledger: &[Activity], changed: i64) -> Result<Ledger, AppError> {
    Ledger::replay(ledger, Rules::default()).map_err(|err| ledger_error(err, changed, ledger))
}

/// Adds one activity.
pub async fn create(state: &AppState, user_id: i64, draft: &Draft) -> Result<Activity, AppError> {
    let mut activity = validated(state, user_id, draft).await?;
    let (mut tx, mut ledger) = begin(state, user_id).await?;
    activity.id = UNSAVED_ID;
    ledger.push(activity.clone());
    replay(&ledger, UNSAVED_ID)?;
    activity.id = repo::insert_activity(&mut *tx, user_id, &activity).await?;
    commit(tx, user_id, activity.date).await?;
    after_change(state, user_id).await;
    Ok(activity)
}

/// Replaces activity `id` with `draft`.
pub async fn update(state: &AppState, user_id: i64, id: i64, draft: &Draft) -> Result<Activity, AppError> {
    let mut activity = validated(state, user_id, draft).await?;
    activity.id = id;
    let (mut tx, mut ledger) = begin(state, user_id).await?;
    let slot = ledger.iter_mut().find(|a| a.id == id).ok_or_else(not_found)?;
    let earliest = slot.date.min(activity.date);
    *slot = activity.clone();
    replay(&ledger, id)?;
    repo::update_activity(&mut *tx, user_id, &activity).await?;
    commit(tx, user_id, earliest).await?;
    after_change(state, user_id).await;
    Ok(activity)
}

/// Deletes activity `id`, unless the ledger without it breaks a rule.
pub async fn delete(state: &AppState, user_id: i64, id: i64) -> Result<Activity, AppError> {
    let (mut tx, mut ledger) = begin(state, user_id).await?;
    let index = ledger.iter().position(|a| a.id == id).ok_or_else(not_found)?;
    let removed = ledger.remove(index);
    replay(&ledger, id)?;
    repo::delete_activity(&mut *tx, user_id, id).await?;
    commit(tx, user_id, removed.date).await?;
    after_change(state, user_id).await;
    Ok(removed)
}

/// Drops the snapshots the change invalidated and commits it with the ledger write.
async fn commit(mut tx: WriteTx, user_id: i64, earliest: NaiveDate) -> Result<(), AppError> {
    repo::delete_snapshots_from(&mut *tx, user_id, earliest).await?;
    tx.commit().await?;
    Ok(())
}

/// Rebuilds the dropped snapshots. The ledger is committed by now, so a failure is
/// logged, not reported: the history simply stops early, and the next overview
/// load extends it again (`ensure_current`).
pub async fn after_change(state: &AppState, user_id: i64) {
    // A new symbol or an earlier date may need history fetched.
    state.backfill.wake();
    if let Err(err) = state.portfolios.ensure_current(state, user_id, state.clock.today()).await {
        tracing::error!(user_id, error = %err, "snapshots were not rebuilt after a ledger change");
    }
}
