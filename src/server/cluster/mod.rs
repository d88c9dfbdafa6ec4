//! Several instances on one PostgreSQL database (#15). What must happen once per
//! deployment, not once per process, and how the instances stay in step:
//!
//! - [`leader`]: one instance holds a PostgreSQL advisory lock on a connection of
//!   its own and runs the jobs that must run once (the quote refresher, the Finnhub
//!   WebSocket, the snapshot job, the backup schedule); when it dies, PostgreSQL
//!   lets go of the lock and another instance takes over within seconds.
//! - [`bus`]: every quote an instance gets (a REST fetch, a streamed trade) is
//!   written to the database and announced with `NOTIFY`; every other instance
//!   puts it in its cache and pushes it to its own live streams.
//! - [`demand`]: each instance writes which symbols its streams and pages want; the
//!   leader follows the union.
//! - The upstream budget is shared in the database too
//!   (`market::shared_budget`).
//!
//! On SQLite (one process by nature) there is no lock, no bus and no demand table:
//! the process is `standalone` and runs everything, as before.

pub mod bus;
pub mod demand;
pub mod leader;

use crate::model::Symbol;
use std::sync::Mutex;
use tokio::sync::watch;

/// The advisory lock class of the cluster's locks (two-key form); the keys are
/// 1 the leader, 2 the upstream budget, 3 a history backfill pass.
pub const LOCK_CLASS: i32 = 0x466f_0010;

/// A job several instances run, one at a time: on PostgreSQL a transaction holding
/// the advisory lock `key` (waits for the instance running it now; dropping the
/// guard lets go); on SQLite, one process, nothing to wait for.
pub async fn one_at_a_time(
    db: &crate::server::db::Db,
    key: i32,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Any>>, sqlx::Error> {
    if db.backend != crate::server::db::Backend::Postgres {
        return Ok(None);
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1, $2)) AS locked")
        .bind(LOCK_CLASS)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Some(tx))
}

/// What this instance does for the deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The only process (SQLite): runs every job.
    Standalone,
    /// Holds the leader lock: runs the once-per-deployment jobs.
    Leader,
    /// Serves requests; the leader runs the jobs (also while the lock is sought).
    Follower,
}

impl Role {
    /// Runs the once-per-deployment jobs.
    pub fn leads(self) -> bool {
        matches!(self, Role::Standalone | Role::Leader)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Standalone => "standalone",
            Role::Leader => "leader",
            Role::Follower => "follower",
        }
    }
}

/// This instance's place in the deployment, shared by the jobs that ask.
pub struct Cluster {
    /// Random per process: tells this instance's rows and announcements apart.
    pub instance_id: String,
    role: watch::Sender<Role>,
    /// Set on shutdown: this instance never leads again.
    stepped_down: std::sync::atomic::AtomicBool,
    /// What the other instances want (read by [`demand`], used by the leader).
    remote: Mutex<demand::Remote>,
}

impl Cluster {
    /// A process alone on its database: it leads, and nothing is shared.
    pub fn standalone() -> Self {
        Self::with_role(Role::Standalone)
    }

    /// One of several instances: a follower until [`leader::run`] gets the lock.
    pub fn member() -> Self {
        Self::with_role(Role::Follower)
    }

    fn with_role(role: Role) -> Self {
        let mut id = [0u8; 8];
        if getrandom::fill(&mut id).is_err() {
            // Unique enough without the OS's randomness: the process and the moment.
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            id = (u64::from(std::process::id()) << 32 ^ nanos.as_nanos() as u64).to_be_bytes();
        }
        Self {
            instance_id: id.iter().map(|b| format!("{b:02x}")).collect(),
            role: watch::channel(role).0,
            stepped_down: Default::default(),
            remote: Mutex::default(),
        }
    }

    pub fn role(&self) -> Role {
        *self.role.borrow()
    }

    /// Changes of the role, for the jobs that start and stop with it.
    pub fn watch_role(&self) -> watch::Receiver<Role> {
        self.role.subscribe()
    }

    /// Shutting down: the jobs stop here now, and the lock (its connection closed
    /// with the process's jobs) goes to another instance.
    pub fn step_down(&self) {
        self.stepped_down.store(true, std::sync::atomic::Ordering::SeqCst);
        if self.is_shared() {
            self.set_role(Role::Follower);
        }
    }

    pub(crate) fn set_role(&self, role: Role) {
        if role == Role::Leader && self.stepped_down.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        self.role.send_if_modified(|current| {
            let changed = *current != role;
            if changed {
                tracing::info!(from = current.as_str(), to = role.as_str(), "this instance's role changed");
            }
            *current = role;
            changed
        });
    }

    pub fn is_shared(&self) -> bool {
        self.role() != Role::Standalone
    }

    /// What the stream should follow: this instance's wants merged with the other
    /// instances' (their lists taken in turn, best first, no repeats), at most
    /// `limit`. Standalone: this instance's alone.
    pub fn merged_wanted(&self, local: Vec<Symbol>, limit: usize) -> Vec<Symbol> {
        let remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        let mut lists = vec![local];
        lists.extend(remote.wanted.iter().cloned());
        demand::interleave(&lists, limit)
    }

    /// Symbols the other instances' pages asked for lately (the leader's refresher
    /// keeps them fresh too).
    pub fn remote_requested(&self) -> Vec<Symbol> {
        self.remote.lock().unwrap_or_else(|p| p.into_inner()).requested.clone()
    }
}
