//! The ledger and snapshot tables.

use super::engine::history::Snapshot;
use crate::model::{Activity, ActivityKind, SplitRatio, Symbol};
use crate::server::db::{Db, now_unix};
use crate::server::error::AppError;
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use std::collections::BTreeSet;
use std::str::FromStr;

use crate::server::db::decimal_column as decimal;

fn activity_from(row: &AnyRow) -> Option<Activity> {
    Some(Activity {
        id: row.try_get("id").ok()?,
        kind: ActivityKind::parse(&row.try_get::<String, _>("kind").ok()?)?,
        date: NaiveDate::from_str(&row.try_get::<String, _>("day").ok()?).ok()?,
        symbol: row.try_get::<Option<String>, _>("symbol").ok()?.and_then(|s| Symbol::parse(&s).ok()),
        quantity: decimal(row, "quantity"),
        price: decimal(row, "price"),
        amount: decimal(row, "amount"),
        ratio: decimal(row, "numerator")
            .zip(decimal(row, "denominator"))
            .map(|(numerator, denominator)| SplitRatio { numerator, denominator }),
        fee: decimal(row, "fee").unwrap_or_default(),
        note: row.try_get("note").unwrap_or_default(),
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds an activity's own columns: kind, day, symbol, quantity, price, amount,
/// fee, note, numerator, denominator (decimals as exact text).
fn bind_fields<'q>(query: AnyQuery<'q>, a: &Activity) -> AnyQuery<'q> {
    query
        .bind(a.kind.as_str())
        .bind(a.date.to_string())
        .bind(a.symbol.as_ref().map(|s| s.to_string()))
        .bind(a.quantity.map(|d| d.to_string()))
        .bind(a.price.map(|d| d.to_string()))
        .bind(a.amount.map(|d| d.to_string()))
        .bind(a.fee.to_string())
        .bind(a.note.clone())
        .bind(a.ratio.map(|r| r.numerator.to_string()))
        .bind(a.ratio.map(|r| r.denominator.to_string()))
}

/// A user's whole ledger, in (date, id) order.
pub async fn activities(db: &Db, user_id: i64) -> Result<Vec<Activity>, AppError> {
    fetch_activities(&db.pool, user_id).await
}

/// The same, on a given connection or transaction.
pub async fn fetch_activities<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
) -> Result<Vec<Activity>, AppError> {
    let rows = sqlx::query("SELECT * FROM activities WHERE user_id = $1 ORDER BY day, id")
        .bind(user_id)
        .fetch_all(executor)
        .await?;
    rows.iter()
        .map(|row| activity_from(row).ok_or_else(|| AppError::internal("ledger", "an activity row does not decode")))
        .collect()
}

/// One activity of a user's.
pub async fn activity(db: &Db, user_id: i64, id: i64) -> Result<Option<Activity>, AppError> {
    let row = sqlx::query("SELECT * FROM activities WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| activity_from(&row).ok_or_else(|| AppError::internal("ledger", "an activity row does not decode")))
        .transpose()
}

/// Every symbol the user's ledger names.
pub async fn symbols(db: &Db, user_id: i64) -> Result<BTreeSet<Symbol>, AppError> {
    let rows = sqlx::query("SELECT DISTINCT symbol FROM activities WHERE user_id = $1 AND symbol IS NOT NULL")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>("symbol").ok())
        .filter_map(|s| Symbol::parse(&s).ok())
        .collect())
}

/// Replaces the fields of a stored activity (already validated by a replay).
pub async fn update_activity<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    a: &Activity,
) -> Result<(), AppError> {
    let query = sqlx::query(
        "UPDATE activities SET kind = $3, day = $4, symbol = $5, quantity = $6, price = $7, amount = $8, fee = $9,
           note = $10, numerator = $11, denominator = $12
         WHERE user_id = $1 AND id = $2",
    )
    .bind(user_id)
    .bind(a.id);
    bind_fields(query, a).execute(executor).await?;
    Ok(())
}

pub async fn delete_activity<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    id: i64,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM activities WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Drops the snapshots dated before `start` (the history now begins there).
pub async fn delete_snapshots_before<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    start: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM portfolio_snapshots WHERE user_id = $1 AND day < $2")
        .bind(user_id)
        .bind(start.to_string())
        .execute(executor)
        .await?;
    Ok(())
}

/// Drops every snapshot of the user (a ledger with no priced day has no history).
pub async fn delete_all_snapshots<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM portfolio_snapshots WHERE user_id = $1").bind(user_id).execute(executor).await?;
    Ok(())
}

/// Drops the snapshots from `from` on (they describe a ledger that changed).
pub async fn delete_snapshots_from<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    from: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM portfolio_snapshots WHERE user_id = $1 AND day >= $2")
        .bind(user_id)
        .bind(from.to_string())
        .execute(executor)
        .await?;
    Ok(())
}

/// Stores an activity (already validated by a replay) and returns its id.
pub async fn insert_activity<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    a: &Activity,
) -> Result<i64, AppError> {
    let query = sqlx::query(
        "INSERT INTO activities
           (user_id, kind, day, symbol, quantity, price, amount, fee, note, numerator, denominator, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(user_id);
    let row = bind_fields(query, a).bind(now_unix()).fetch_one(executor).await?;
    Ok(row.get("id"))
}

/// Inserts or replaces the snapshot of `s.date` (idempotent).
pub async fn upsert_snapshot<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    user_id: i64,
    s: &Snapshot,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO portfolio_snapshots (user_id, day, total_value, cash, invested, market_value, net_flow, benchmark_close)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, day) DO UPDATE SET
           total_value = excluded.total_value, cash = excluded.cash, invested = excluded.invested,
           market_value = excluded.market_value, net_flow = excluded.net_flow, benchmark_close = excluded.benchmark_close",
    )
    .bind(user_id)
    .bind(s.date.to_string())
    .bind(s.total_value.to_string())
    .bind(s.cash.to_string())
    .bind(s.invested.to_string())
    .bind(s.market_value.to_string())
    .bind(s.net_flow.to_string())
    .bind(s.benchmark_close.map(|d| d.to_string()))
    .execute(executor)
    .await?;
    Ok(())
}

/// Snapshots from `from` on, oldest first.
pub async fn snapshots(db: &Db, user_id: i64, from: NaiveDate) -> Result<Vec<Snapshot>, AppError> {
    let rows = sqlx::query("SELECT * FROM portfolio_snapshots WHERE user_id = $1 AND day >= $2 ORDER BY day")
        .bind(user_id)
        .bind(from.to_string())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().filter_map(snapshot_of).collect())
}

/// The oldest snapshot of the user (the history's start).
pub async fn first_snapshot(db: &Db, user_id: i64) -> Result<Option<Snapshot>, AppError> {
    let row = sqlx::query("SELECT * FROM portfolio_snapshots WHERE user_id = $1 ORDER BY day LIMIT 1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().and_then(snapshot_of))
}

fn snapshot_of(row: &AnyRow) -> Option<Snapshot> {
    Some(Snapshot {
        date: NaiveDate::from_str(&row.try_get::<String, _>("day").ok()?).ok()?,
        total_value: decimal(row, "total_value")?,
        cash: decimal(row, "cash")?,
        invested: decimal(row, "invested")?,
        market_value: decimal(row, "market_value")?,
        net_flow: decimal(row, "net_flow")?,
        benchmark_close: decimal(row, "benchmark_close"),
    })
}

/// The date of the user's newest snapshot.
pub async fn last_snapshot_date(db: &Db, user_id: i64) -> Result<Option<NaiveDate>, AppError> {
    let row = sqlx::query("SELECT MAX(day) AS day FROM portfolio_snapshots WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<Option<String>, _>("day").ok().flatten().and_then(|d| NaiveDate::from_str(&d).ok()))
}

/// Users who have at least one activity.
pub async fn users_with_activities(db: &Db) -> Result<Vec<i64>, AppError> {
    let rows = sqlx::query("SELECT DISTINCT user_id FROM activities").fetch_all(&db.pool).await?;
    Ok(rows.iter().filter_map(|r| r.try_get("user_id").ok()).collect())
}

/// Stores many activities (already validated by a replay) in batches.
pub async fn insert_activities(
    tx: &mut crate::server::db::WriteTx,
    user_id: i64,
    activities: &[Activity],
) -> Result<(), AppError> {
    // 100 rows × 12 values stays far below both engines' limit on bound values.
    const BATCH: usize = 100;
    const COLUMNS: usize = 12;
    let created = now_unix();
    for chunk in activities.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO activities
               (user_id, kind, day, symbol, quantity, price, amount, fee, note, numerator, denominator, created_at)
             VALUES ",
        );
        for i in 0..chunk.len() {
            let values: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect();
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("({})", values.join(",")));
        }
        let mut query = sqlx::query(&sql);
        for a in chunk {
            query = bind_fields(query.bind(user_id), a).bind(created);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
