//! The kept per-user portfolio state: the ledger replayed once and the history read
//! once, shared by every page and route until either changes.
//!
//! A kept state is valid for one [`Key`]: the user's `ledger_version` (bumped in the
//! transaction of every ledger write), `history_version` (bumped in the transaction
//! that rewrites snapshots) and newest snapshot date (so a history changed by hand
//! is noticed too). Each request reads the key with one indexed query, so a write
//! made by another process on the same database is seen by the next request here.
//! Valuation is not kept: it is recomputed from the kept ledger and the current
//! quotes (a few microseconds), so a new price shows at once.
//!
//! Bringing the history up to today (`ensure_current`) and building a state happen
//! at most once at a time per user (single flight), and `ensure_current` runs only
//! when the newest snapshot is older than today and has not succeeded today for
//! this ledger.
//! Memory is bounded by `FOLIO_PORTFOLIO_CACHE_MB`; least recently used users go first.

use super::engine::history::Snapshot;
use super::engine::ledger::{Ledger, Rules};
use super::engine::risk::{RiskFigures, risk_figures};
use super::repo;
use super::snapshots;
use crate::model::{Activity, Range};
use crate::server::db::Db;
use crate::server::error::AppError;
use crate::server::ops::metrics::Metrics;
use crate::server::state::AppState;
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};

/// What a kept state was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub ledger_version: i64,
    pub history_version: i64,
    pub last_snapshot: Option<NaiveDate>,
}

/// One user's portfolio, replayed and read from the database once.
#[derive(Debug)]
pub struct Kept {
    pub key: Key,
    /// Every activity, in (date, id) order.
    pub activities: Vec<Activity>,
    pub ledger: Ledger,
    /// Every snapshot, oldest first.
    pub history: Vec<Snapshot>,
    /// The day `ensure_current` last succeeded here, and for which ledger version.
    /// Kept across history changes (another process's rebuild bumps the history
    /// version; running it again because of that would bounce between processes).
    ensured: Option<(NaiveDate, i64)>,
    /// Risk figures per range and day, computed on first use.
    risk: Mutex<HashMap<(Range, NaiveDate), Arc<RiskFigures>>>,
    bytes: u32,
}

impl Kept {
    /// Builds a state from what was read (pure: no database, no clock).
    pub fn build(key: Key, activities: Vec<Activity>, history: Vec<Snapshot>) -> Result<Self, AppError> {
        let ledger = Ledger::replay(&activities, Rules::default())
            .map_err(|e| AppError::internal("the stored ledger does not replay", e))?;
        let bytes = estimate_bytes(&activities, &ledger, &history);
        Ok(Kept { key, activities, ledger, history, ensured: None, risk: Mutex::default(), bytes })
    }

    /// The risk figures of `range` on `today` (computed once per range and day).
    pub fn risk(&self, range: Range, today: NaiveDate, risk_free_rate: f64) -> Arc<RiskFigures> {
        let mut cached = self.risk.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .entry((range, today))
            .or_insert_with(|| Arc::new(risk_figures(&self.history, range, today, risk_free_rate)))
            .clone()
    }

    /// Roughly what this state holds on the heap and inline, in bytes.
    pub fn bytes(&self) -> u32 {
        self.bytes
    }
}

/// An estimate of the memory a state takes: the vectors' elements, the strings
/// they point to, and room for the risk figures of every range.
fn estimate_bytes(activities: &[Activity], ledger: &Ledger, history: &[Snapshot]) -> u32 {
    use std::mem::size_of;
    let activity_bytes: usize = activities
        .iter()
        .map(|a| size_of::<Activity>() + a.note.capacity() + a.symbol.as_ref().map_or(0, |s| s.as_str().len()))
        .sum();
    let lots: usize = ledger.lots.values().map(|l| 64 + l.len() * size_of::<super::engine::ledger::Lot>()).sum();
    let closed = ledger.closed.len() * (size_of::<super::engine::ledger::ClosedTrade>() + 8);
    let flows = ledger.flows.len() * 48;
    let snapshots = std::mem::size_of_val(history);
    // Risk figures, once computed: a day value and a dated return per day of each
    // range (all of them for ALL, at most a year's for the other five).
    let risk = (history.len() + 5 * history.len().min(262)) * 56;
    let total = size_of::<Kept>() + activity_bytes + lots + closed + flows + snapshots + risk;
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// The columns a [`Key`] is read from, selected from `users` aliased `u`.
pub const KEY_COLUMNS: &str = "u.ledger_version, u.history_version, \
    (SELECT MAX(s.day) FROM portfolio_snapshots s WHERE s.user_id = u.id) AS last_day";

impl Key {
    /// From a row with [`KEY_COLUMNS`].
    pub fn from_row(row: &sqlx::any::AnyRow) -> Result<Key, AppError> {
        Ok(Key {
            ledger_version: row.try_get("ledger_version")?,
            history_version: row.try_get("history_version")?,
            last_snapshot: row.try_get::<Option<String>, _>("last_day")?.and_then(|day| NaiveDate::from_str(&day).ok()),
        })
    }
}

/// Reads a user's key: one query on the `users` primary key and the snapshots'
/// (a signed-in request has it already: `auth::users::find_session` reads it).
pub async fn read_key(db: &Db, user_id: i64) -> Result<Key, AppError> {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("SELECT {KEY_COLUMNS} FROM users u WHERE u.id = $1"));
    let row = sqlx::query(SQL.as_str())
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| AppError::unauthorized("This account no longer exists. Sign in again."))?;
    Key::from_row(&row)
}

/// How many users' locks there are: a user always takes the same one, so two
/// loads for one user never run at once; two users rarely share one.
const STRIPES: usize = 64;

/// Every user's kept state, bounded in memory.
pub struct PortfolioStates {
    kept: moka::sync::Cache<i64, Arc<Kept>>,
    stripes: Vec<tokio::sync::Mutex<()>>,
    metrics: Arc<Metrics>,
    capacity: u64,
}

impl PortfolioStates {
    pub fn new(max_bytes: u64, metrics: Arc<Metrics>) -> Self {
        let kept = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, kept: &Arc<Kept>| kept.bytes())
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .build();
        let stripes = (0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect();
        PortfolioStates { kept, stripes, metrics, capacity: max_bytes }
    }

    fn stripe(&self, user_id: i64) -> &tokio::sync::Mutex<()> {
        &self.stripes[user_id.rem_euclid(STRIPES as i64) as usize]
    }

    /// The kept state if it is still valid for `key` on `today`.
    fn valid(&self, user_id: i64, key: Key, today: NaiveDate) -> Option<Arc<Kept>> {
        let kept = self.kept.get(&user_id)?;
        let current = kept.key == key
            && (key.last_snapshot.is_some_and(|last| last >= today)
                || kept.ensured == Some((today, key.ledger_version))
                || kept.activities.is_empty());
        current.then_some(kept)
    }

    /// The user's state, brought up to `today`: kept, or built once. `known` is
    /// the key this request already read (with its session check), if any.
    ///
    /// Holds the user's stripe while it builds: it calls `snapshots::ensure_current`
    /// directly, never [`Self::ensure_current`], which takes the same stripe (a
    /// tokio mutex is not re-entrant: that would wait for itself).
    pub async fn load(
        &self,
        state: &AppState,
        user_id: i64,
        today: NaiveDate,
        known: Option<Key>,
    ) -> Result<Arc<Kept>, AppError> {
        let key = match known {
            Some(key) => key,
            None => read_key(&state.db, user_id).await?,
        };
        if let Some(kept) = self.valid(user_id, key, today) {
            self.metrics.portfolio_states.with_label_values(&["hit"]).inc();
            return Ok(kept);
        }
        let _single = self.stripe(user_id).lock().await;
        // Another request may have built it while this one waited.
        let mut key = read_key(&state.db, user_id).await?;
        if let Some(kept) = self.valid(user_id, key, today) {
            self.metrics.portfolio_states.with_label_values(&["hit"]).inc();
            return Ok(kept);
        }
        self.metrics.portfolio_states.with_label_values(&["miss"]).inc();
        let building = std::time::Instant::now();
        // A success today still counts for the same ledger, unless the history has
        // lost days since (deleted by hand, or by a restore): then it runs again.
        let mut ensured = self
            .kept
            .get(&user_id)
            .filter(|k| k.key.last_snapshot <= key.last_snapshot)
            .and_then(|k| k.ensured)
            .filter(|e| e.1 == key.ledger_version);
        let behind = key.last_snapshot.is_none_or(|last| last < today);
        if behind && ensured != Some((today, key.ledger_version)) {
            match snapshots::ensure_current(state, user_id, today).await {
                Ok(()) => ensured = Some((today, key.ledger_version)),
                // A read must not fail because the history could not be written (a
                // full or read-only disk): the figures come from what is stored.
                Err(err) => tracing::warn!(user_id, error = %err, "the history could not be brought up to today"),
            }
            key = read_key(&state.db, user_id).await?;
        }
        let activities = repo::activities(&state.db, user_id).await?;
        let history = repo::snapshots(&state.db, user_id, NaiveDate::MIN).await?;
        self.metrics.ledger_replays.inc();
        let mut kept = Kept::build(key, activities, history)?;
        kept.ensured = ensured;
        self.metrics.portfolio_build.observe(building.elapsed().as_secs_f64());
        let kept = Arc::new(kept);
        if u64::from(kept.bytes()) > self.capacity {
            tracing::warn!(
                user_id,
                bytes = kept.bytes(),
                capacity = self.capacity,
                "a portfolio is larger than FOLIO_PORTFOLIO_CACHE_MB: it is rebuilt on every request; raise the setting"
            );
        }
        self.kept.insert(user_id, kept.clone());
        Ok(kept)
    }

    /// Brings the user's history up to `today`, never twice at once for one user
    /// (a write's rebuild, the daily job and a page load may all want it).
    pub async fn ensure_current(&self, state: &AppState, user_id: i64, today: NaiveDate) -> Result<(), AppError> {
        let _single = self.stripe(user_id).lock().await;
        snapshots::ensure_current(state, user_id, today).await
    }

    /// Rebuilds the user's whole history (new closes reached back before it), under
    /// the same single flight as `ensure_current`.
    pub async fn rebuild_all(&self, state: &AppState, user_id: i64, today: NaiveDate) -> Result<(), AppError> {
        let _single = self.stripe(user_id).lock().await;
        snapshots::rebuild(state, user_id, today).await.map(|_| ())
    }

    /// Users kept and the bytes they take (after pending evictions ran).
    pub fn usage(&self) -> (u64, u64) {
        self.kept.run_pending_tasks();
        (self.kept.entry_count(), self.kept.weighted_size())
    }

    /// The kept state of a user, if there is one (tests and measurements).
    pub fn peek(&self, user_id: i64) -> Option<Arc<Kept>> {
        self.kept.get(&user_id)
    }
}
