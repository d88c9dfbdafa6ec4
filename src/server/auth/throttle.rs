//! Slows down password guessing and account farming.
//!
//! Every sign-in attempt *reserves* its place before the password is checked, in
//! one transaction, so a burst of parallel guesses cannot all pass the check while
//! the slow bcrypt comparisons are still running: at most the limit reaches bcrypt.
//! A wrong password keeps its reservation (it is a failure); a right one gives the
//! username's back.
//!
//! Three budgets, each a rolling window of one minute:
//! - a username from one address: 5 failures. The lock a stranger can cause is
//!   only for the addresses they use, so they cannot lock a person out from home.
//! - a username from anywhere: 30 failures, which caps a guesser with many addresses.
//! - an address: 20 password operations that failed or created an account; sign-up
//!   and sign-in share it, because each costs a bcrypt computation.
//!
//! Kept in the database (`login_attempts`, one row per budget an attempt counts
//! in), so every instance on it shares one throttle and a restart forgets nothing
//! that is still in its window. A reservation counts and inserts in one
//! transaction: SQLite's single writer (`BEGIN IMMEDIATE`) orders them; on
//! PostgreSQL each budget has a transaction-scoped advisory lock, taken in one
//! order by everyone, so reservations for the same budget wait for each other and
//! unrelated ones do not. Rows past the window are ignored at once and swept at
//! most once a window by each process.
//!
//! A flood must not cost the database more than the old in-memory throttle did:
//! a budget found spent is remembered in this process until its oldest attempt
//! leaves the window, and attempts on it are refused without a query; and at most
//! [`GATE`] reservations per process hold a database connection at once (the rest
//! wait in memory), so guesses can never take the pool from everyone else.

use crate::server::db::{Backend, Db, WriteTx};
use crate::server::error::AppError;
use sqlx::Row;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Reservations of one process in the database at once.
pub const GATE: usize = 2;
/// Spent budgets remembered; past it, the ones whose time is up are forgotten.
const SPENT_KEPT: usize = 10_000;

pub struct LoginThrottle {
    db: Db,
    window_ms: i64,
    limits: Limits,
    admitted: AtomicU64,
    /// When this process last swept expired rows, in milliseconds since 1970.
    swept_at: AtomicI64,
    gate: tokio::sync::Semaphore,
    /// Budgets found spent, by name: until when (ms since 1970) they stay spent.
    spent: Mutex<HashMap<String, i64>>,
}

/// How many attempts each budget allows in one window.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_user_and_address: usize,
    pub per_user: usize,
    pub per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { per_user_and_address: 5, per_user: 30, per_address: 20 }
    }
}

/// Why an attempt was not let through.
#[derive(Debug)]
pub enum Refused {
    /// A budget is spent: try again in this many seconds.
    Wait(u64),
    /// The throttle could not be asked (the database); nothing was let through.
    Failed(AppError),
}

impl From<sqlx::Error> for Refused {
    fn from(err: sqlx::Error) -> Self {
        Refused::Failed(err.into())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    UserAtAddress(String, Option<IpAddr>),
    User(String),
    Address(IpAddr),
}

impl Key {
    /// The budget's name in `login_attempts.throttle_key`. An address never holds
    /// a `|`, so no username after it can make two budgets' names read alike.
    fn name(&self) -> String {
        match self {
            Key::UserAtAddress(user, Some(ip)) => format!("ua:{ip}|{user}"),
            Key::UserAtAddress(user, None) => format!("ua:-|{user}"),
            Key::User(user) => format!("u:{user}"),
            Key::Address(ip) => format!("a:{ip}"),
        }
    }
}

/// The class of the throttle's advisory locks (PostgreSQL's two-key form, a key
/// space apart from the single-key locks the server holds for its lifetime).
const LOCK_CLASS: i32 = 0x466f_0001;

/// A budget's advisory lock key: FNV-1a of its name. Two names sharing a key only
/// wait for each other a little more.
fn lock_key(name: &str) -> i32 {
    let hash = name.bytes().fold(0x811c_9dc5u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    hash as i32
}

/// A reserved sign-in attempt; it counts as a failure unless `succeeded` is called.
#[must_use = "an attempt is a failure unless it succeeded"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    /// The budgets' names, the username-from-this-address one first.
    budgets: Vec<String>,
    id: i64,
}

impl Attempt<'_> {
    /// A right password: the username's failures from this address are forgotten,
    /// and this attempt's place in the username's and the address's budgets is
    /// given back (the address's earlier failures stay, so many accounts cannot be
    /// tried from one place; but an office behind one address is not locked out by
    /// people signing in). The person is signed in even if this cannot be written:
    /// the attempt then merely stays counted.
    pub async fn succeeded(self) {
        let placeholders = placeholders(2, self.budgets.len());
        let sql = format!(
            "DELETE FROM login_attempts WHERE throttle_key IN ({placeholders}) AND (throttle_key = $2 OR attempt = $1)"
        );
        let mut query = sqlx::query(&sql).bind(self.id);
        for budget in &self.budgets {
            query = query.bind(budget);
        }
        if let Err(err) = query.execute(&self.throttle.db.pool).await {
            tracing::warn!(error = %err, "a right password's throttle places were not given back");
        }
    }
}

/// `$from, $from+1, ...`: `count` placeholders.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl LoginThrottle {
    pub fn new(db: Db, window: Duration, limits: Limits) -> Self {
        Self {
            db,
            window_ms: window.as_millis() as i64,
            limits,
            admitted: AtomicU64::new(0),
            swept_at: AtomicI64::new(0),
            gate: tokio::sync::Semaphore::new(GATE),
            spent: Mutex::default(),
        }
    }

    /// The seconds to wait when one of `names` is known to be spent at `now_ms`.
    fn known_spent(&self, names: &[String], now_ms: i64) -> Option<u64> {
        let spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let until = names.iter().filter_map(|name| spent.get(name)).copied().max()?;
        (until > now_ms).then(|| (((until - now_ms) / 1000) as u64).max(1))
    }

    fn remember_spent(&self, name: &str, until_ms: i64, now_ms: i64) {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        if spent.len() >= SPENT_KEPT {
            spent.retain(|_, until| *until > now_ms);
        }
        if spent.len() < SPENT_KEPT {
            spent.insert(name.to_string(), until_ms);
        }
    }

    /// Reserves a sign-in attempt for `username_key` from `ip` at `now_ms`
    /// (milliseconds since 1970), or says how many seconds to wait when any of its
    /// budgets is spent.
    pub async fn reserve_login(
        &self,
        username_key: &str,
        ip: Option<IpAddr>,
        now_ms: i64,
    ) -> Result<Attempt<'_>, Refused> {
        let mut keys = vec![
            (Key::UserAtAddress(username_key.to_string(), ip), self.limits.per_user_and_address),
            (Key::User(username_key.to_string()), self.limits.per_user),
        ];
        if let Some(ip) = ip {
            keys.push((Key::Address(ip), self.limits.per_address));
        }
        let id = self.reserve(&keys, now_ms).await?;
        Ok(Attempt { throttle: self, budgets: keys.iter().map(|(key, _)| key.name()).collect(), id })
    }

    /// Reserves a sign-up from `ip` in the address's budget (kept, whatever the
    /// outcome: each sign-up costs a bcrypt hash).
    pub async fn reserve_signup(&self, ip: Option<IpAddr>, now_ms: i64) -> Result<(), Refused> {
        match ip {
            Some(ip) => self.reserve(&[(Key::Address(ip), self.limits.per_address)], now_ms).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// How many attempts this process let through to the password check so far.
    pub fn admitted(&self) -> u64 {
        self.admitted.load(Ordering::Relaxed)
    }

    /// Checks every budget and, only when all have room, records the attempt in all
    /// of them, in one transaction that holds every budget it reads: parallel
    /// attempts, on any instance, cannot both take the last place. Returns the
    /// attempt's id.
    async fn reserve(&self, keys: &[(Key, usize)], now_ms: i64) -> Result<i64, Refused> {
        let names: Vec<String> = keys.iter().map(|(key, _)| key.name()).collect();
        if let Some(wait) = self.known_spent(&names, now_ms) {
            return Err(Refused::Wait(wait));
        }
        let _permit = self.gate.acquire().await.map_err(|e| Refused::Failed(AppError::internal("throttle gate", e)))?;
        // Another attempt may have found it spent while this one waited.
        if let Some(wait) = self.known_spent(&names, now_ms) {
            return Err(Refused::Wait(wait));
        }
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|e| Refused::Failed(AppError::internal("throttle attempt id", e)))?;
        let id = i64::from_le_bytes(raw);
        let mut tx = WriteTx::begin(&self.db).await?;
        if self.db.backend == Backend::Postgres {
            let mut locks: Vec<i32> = names.iter().map(|name| lock_key(name)).collect();
            // One order for everyone: two reservations never wait for each other in a circle.
            locks.sort_unstable();
            locks.dedup();
            for key in locks {
                // Wrapped: the lock function returns `void`, which the Any driver cannot read.
                sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock($1, $2)) AS locked")
                    .bind(LOCK_CLASS)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let sql = format!(
            "SELECT throttle_key, COUNT(*) AS n, MIN(at_ms) AS oldest FROM login_attempts \
             WHERE at_ms > $1 AND throttle_key IN ({}) GROUP BY throttle_key",
            placeholders(2, names.len())
        );
        let mut query = sqlx::query(&sql).bind(now_ms - self.window_ms);
        for name in &names {
            query = query.bind(name);
        }
        let mut wait_ms = 0;
        for row in query.fetch_all(&mut *tx).await? {
            let name: String = row.try_get("throttle_key")?;
            let (held, oldest): (i64, i64) = (row.try_get("n")?, row.try_get("oldest")?);
            let max = names.iter().position(|n| *n == name).map_or(usize::MAX, |i| keys[i].1);
            if held as usize >= max {
                wait_ms = wait_ms.max(oldest + self.window_ms - now_ms);
                self.remember_spent(&name, oldest + self.window_ms, now_ms);
            }
        }
        if wait_ms > 0 {
            tx.rollback().await?;
            return Err(Refused::Wait(((wait_ms / 1000) as u64).max(1)));
        }
        let rows = (0..names.len()).map(|i| format!("($1, $2, ${})", i + 3)).collect::<Vec<_>>().join(", ");
        let sql = format!("INSERT INTO login_attempts (attempt, at_ms, throttle_key) VALUES {rows}");
        let mut query = sqlx::query(&sql).bind(id).bind(now_ms);
        for name in &names {
            query = query.bind(name);
        }
        query.execute(&mut *tx).await?;
        tx.commit().await?;
        self.admitted.fetch_add(1, Ordering::Relaxed);
        self.sweep(now_ms).await;
        Ok(id)
    }

    /// Deletes every attempt past its window, at most once a window per process (the
    /// rows are already ignored; this only keeps the table small).
    async fn sweep(&self, now_ms: i64) {
        let last = self.swept_at.load(Ordering::Relaxed);
        if now_ms - last < self.window_ms
            || self.swept_at.compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        let swept = sqlx::query("DELETE FROM login_attempts WHERE at_ms <= $1")
            .bind(now_ms - self.window_ms)
            .execute(&self.db.pool)
            .await;
        if let Err(err) = swept {
            tracing::warn!(error = %err, "expired sign-in attempts were not swept");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    const STRANGER: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
    /// A moment, in milliseconds since 1970.
    const T0: i64 = 1_800_000_000_000;
    const SECOND: i64 = 1000;

    /// A throttle on a fresh SQLite file of its own (removed when the test ends).
    struct Fixture {
        throttle: LoginThrottle,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn throttle(per_user_and_address: usize, per_user: usize, per_address: usize) -> Fixture {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("folio-throttle-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db =
            crate::server::db::connect(&format!("sqlite://{}?mode=rwc", dir.join("t.db").display())).await.unwrap();
        let limits = Limits { per_user_and_address, per_user, per_address };
        Fixture { throttle: LoginThrottle::new(db, Duration::from_secs(60), limits), dir }
    }

    fn wait<T>(result: Result<T, Refused>) -> Option<u64> {
        match result {
            Ok(_) => None,
            Err(Refused::Wait(seconds)) => Some(seconds),
            Err(Refused::Failed(err)) => panic!("{err:?}"),
        }
    }

    async fn rows(throttle: &LoginThrottle) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts").fetch_one(&throttle.db.pool).await.unwrap()
    }

    #[tokio::test]
    async fn reservations_count_before_the_outcome_is_known() {
        let f = throttle(3, 100, 100).await;
        let throttle = &f.throttle;
        // Three attempts in flight at once, none finished: the fourth is refused.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(throttle.reserve_login("bob", HOME, T0).await.unwrap());
        }
        assert_eq!(wait(throttle.reserve_login("bob", HOME, T0).await), Some(60));
        assert_eq!(throttle.admitted(), 3);
        drop(held);
        assert_eq!(wait(throttle.reserve_login("bob", HOME, T0 + 45 * SECOND).await), Some(15));
        assert!(throttle.reserve_login("bob", HOME, T0 + 60 * SECOND).await.is_ok());
    }

    #[tokio::test]
    async fn a_spent_budget_is_refused_without_asking_the_database() {
        let f = throttle(2, 100, 100).await;
        let throttle = &f.throttle;
        for _ in 0..2 {
            let _failed = throttle.reserve_login("bob", STRANGER, T0).await.unwrap();
        }
        assert_eq!(wait(throttle.reserve_login("bob", STRANGER, T0).await), Some(60), "found spent");
        throttle.db.pool.close().await;
        // The flood goes on: refused from memory, the database is not asked.
        assert_eq!(wait(throttle.reserve_login("bob", STRANGER, T0 + 30 * SECOND).await), Some(30));
        let other = throttle.reserve_login("bob", HOME, T0 + 30 * SECOND).await;
        assert!(matches!(other, Err(Refused::Failed(_))), "a budget with room is asked about (here: a closed pool)");
    }

    #[tokio::test]
    async fn a_stranger_locks_out_only_their_own_address() {
        let f = throttle(3, 100, 100).await;
        let throttle = &f.throttle;
        for _ in 0..3 {
            let _failed = throttle.reserve_login("bob", STRANGER, T0).await.unwrap();
        }
        assert!(wait(throttle.reserve_login("bob", STRANGER, T0).await).is_some());
        assert!(throttle.reserve_login("bob", HOME, T0).await.is_ok(), "bob can still sign in from home");
    }

    #[tokio::test]
    async fn many_addresses_are_capped_per_username() {
        let f = throttle(3, 4, 100).await;
        let throttle = &f.throttle;
        for i in 0..4 {
            let ip = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)));
            let _failed = throttle.reserve_login("bob", ip, T0).await.unwrap();
        }
        assert!(wait(throttle.reserve_login("bob", STRANGER, T0).await).is_some());
    }

    #[tokio::test]
    async fn an_address_has_one_budget_for_sign_in_and_sign_up() {
        let f = throttle(100, 100, 4).await;
        let throttle = &f.throttle;
        for name in ["a", "b"] {
            let _failed = throttle.reserve_login(name, HOME, T0).await.unwrap();
        }
        throttle.reserve_signup(HOME, T0).await.unwrap();
        throttle.reserve_signup(HOME, T0).await.unwrap();
        assert!(wait(throttle.reserve_signup(HOME, T0).await).is_some());
        assert!(wait(throttle.reserve_login("e", HOME, T0).await).is_some());
        assert!(throttle.reserve_login("e", STRANGER, T0).await.is_ok());
    }

    #[tokio::test]
    async fn success_gives_the_username_its_place_back() {
        let f = throttle(2, 100, 100).await;
        let throttle = &f.throttle;
        let _failed = throttle.reserve_login("bob", HOME, T0).await.unwrap();
        throttle.reserve_login("bob", HOME, T0).await.unwrap().succeeded().await;
        throttle.reserve_login("bob", HOME, T0).await.unwrap().succeeded().await;
        assert!(throttle.reserve_login("bob", HOME, T0).await.is_ok());
    }

    #[tokio::test]
    async fn many_people_signing_in_from_one_address_are_not_throttled_but_failures_are() {
        let f = throttle(5, 100, 3).await;
        let throttle = &f.throttle;
        for n in 0..10 {
            throttle.reserve_login(&format!("colleague{n}"), HOME, T0).await.unwrap().succeeded().await;
        }
        for n in 0..3 {
            let _failed = throttle.reserve_login(&format!("guess{n}"), HOME, T0).await.unwrap();
        }
        assert!(
            wait(throttle.reserve_login("colleague0", HOME, T0).await).is_some(),
            "three failures fill the address's budget"
        );
    }

    #[tokio::test]
    async fn attempts_past_the_window_are_swept_at_most_once_a_window() {
        let f = throttle(5, 100, 100).await;
        let throttle = &f.throttle;
        for _ in 0..3 {
            let _failed = throttle.reserve_login("bob", None, T0).await.unwrap();
        }
        // Two budgets each (no address): six rows, the first sweep having found none.
        assert_eq!(rows(throttle).await, 6);
        let _failed = throttle.reserve_login("bob", None, T0 + 30 * SECOND).await.unwrap();
        assert_eq!(rows(throttle).await, 8, "not a window since the last sweep");
        let _failed = throttle.reserve_login("bob", None, T0 + 61 * SECOND).await.unwrap();
        assert_eq!(rows(throttle).await, 4, "the first three went, the one at 30 s and this one stay");
    }

    #[test]
    fn lock_keys_are_fnv_1a() {
        // FNV-1a's published test vectors.
        assert_eq!(lock_key("") as u32, 0x811c_9dc5);
        assert_eq!(lock_key("a") as u32, 0xe40c_292c);
        assert_eq!(lock_key("foobar") as u32, 0xbf9c_f968);
    }
}
