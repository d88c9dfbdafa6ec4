//! The upstream budget shared by several instances on one PostgreSQL database: the
//! same sliding-window log as [`super::limiter`], kept in `upstream_calls`, plus a
//! 429's pause in `upstream_pause`.
//!
//! Each call takes its slot in one short transaction under a transaction-scoped
//! advisory lock, so two instances never both take the last place in a window.
//! Times are PostgreSQL's clock, so instances on machines whose clocks differ still
//! count one window. Chosen over "only the leader calls, followers ask it through
//! the database" because a follower's cache miss (a page waiting) then costs one
//! round trip to the database instead of a queue and a wait for another process;
//! `bench-results/cluster.txt` has what a slot costs.
//!
//! The lock is only tried (a busy lock answers "look again shortly"), and the
//! transaction may not sit idle (PostgreSQL ends it after 5 s), so an instance
//! that stalls holding it cannot hold up the others' calls. When the database
//! cannot be asked, no call is made: the budget cannot be checked, and an
//! instance on its own would take the whole of it (see `RateLimiter`).

use super::limiter::{MINUTE_MS, SECOND_MS, wait_ms};
use crate::server::cluster::LOCK_CLASS;
use crate::server::cluster::demand::DB_NOW_MS;
use crate::server::db::Db;
use sqlx::Row;
use std::sync::Mutex;

/// The advisory lock every slot is taken under (in the cluster's class).
const BUDGET_KEY: i32 = 2;
/// A call still marked in flight this long after it started belongs to an instance
/// that died mid-call: it counts from its start, not as "now" for ever.
const ABANDONED_MS: i64 = 30_000;
/// How soon to try again when another instance holds the log's lock.
const BUSY_MS: i64 = 10;

pub struct SharedBudget {
    db: Db,
    per_second: usize,
    per_minute: usize,
    /// What the last look at the log found: (calls left in the second, in the
    /// minute, pause left in ms), for `/metrics`.
    pub(super) last_seen: Mutex<(usize, usize, i64)>,
}

/// What a try found.
pub enum Taken {
    /// The slot's id: mark it complete when the call ends.
    Slot(i64),
    /// No room for this many milliseconds.
    Wait(i64),
}

impl SharedBudget {
    pub fn new(db: Db, per_second: usize, per_minute: usize) -> Self {
        Self { db, per_second, per_minute, last_seen: Mutex::new((per_second, per_minute, 0)) }
    }

    /// Takes a slot now if the shared windows have room.
    pub async fn try_take(&self) -> Result<Taken, sqlx::Error> {
        let mut tx = self.db.pool.begin().await?;
        sqlx::query("SET LOCAL idle_in_transaction_session_timeout = '5s'").execute(&mut *tx).await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(BUDGET_KEY)
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            tx.commit().await?;
            return Ok(Taken::Wait(BUSY_MS));
        }
        let now: i64 = sqlx::query_scalar(&format!("SELECT {DB_NOW_MS}")).fetch_one(&mut *tx).await?;
        sqlx::query("DELETE FROM upstream_calls WHERE at_ms < $1").bind(now - MINUTE_MS).execute(&mut *tx).await?;
        let rows = sqlx::query("SELECT at_ms, in_flight FROM upstream_calls").fetch_all(&mut *tx).await?;
        let mut in_flight = 0;
        let mut done = Vec::with_capacity(rows.len());
        for row in rows {
            let at: i64 = row.try_get("at_ms")?;
            let flying: bool = row.try_get("in_flight")?;
            if flying && now - at < ABANDONED_MS {
                in_flight += 1;
            } else {
                done.push(at);
            }
        }
        let paused_until: Option<i64> =
            sqlx::query_scalar("SELECT until_ms FROM upstream_pause WHERE id = 1").fetch_optional(&mut *tx).await?;
        let paused = paused_until.map_or(0, |until| (until - now).max(0));
        let left = |window: i64, limit: usize| {
            limit.saturating_sub(in_flight + done.iter().filter(|at| now - **at < window).count())
        };
        *self.last_seen.lock().unwrap_or_else(|p| p.into_inner()) =
            (left(SECOND_MS, self.per_second), left(MINUTE_MS, self.per_minute), paused);
        let per_minute = super::limiter::minute_limit(self.per_minute);
        let wait = wait_ms(now, in_flight, done, paused_until, self.per_second, per_minute);
        if wait > 0 {
            tx.commit().await?;
            return Ok(Taken::Wait(wait));
        }
        let id: i64 =
            sqlx::query_scalar("INSERT INTO upstream_calls (at_ms, in_flight) VALUES ($1, TRUE) RETURNING id")
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Taken::Slot(id))
    }

    /// The call of slot `id` ended: from now on it counts from this moment.
    pub fn complete(&self, id: i64) {
        let db = self.db.clone();
        tokio::spawn(async move {
            let sql = format!("UPDATE upstream_calls SET at_ms = {DB_NOW_MS}, in_flight = FALSE WHERE id = $1");
            if let Err(err) = sqlx::query(&sql).bind(id).execute(&db.pool).await {
                tracing::warn!(error = %err, "could not mark an upstream call complete (it counts for 30 s)");
            }
        });
    }

    /// Upstream said "wait": nobody on this database calls for `wait_ms`.
    pub fn pause_for(&self, wait_ms: i64) {
        let db = self.db.clone();
        tokio::spawn(async move {
            let sql = format!(
                "INSERT INTO upstream_pause (id, until_ms) VALUES (1, {DB_NOW_MS} + $1)
                 ON CONFLICT (id) DO UPDATE SET until_ms = GREATEST(upstream_pause.until_ms, excluded.until_ms)"
            );
            if let Err(err) = sqlx::query(&sql).bind(wait_ms).execute(&db.pool).await {
                tracing::warn!(error = %err, "could not share upstream's pause with the other instances");
            }
        });
    }
}
