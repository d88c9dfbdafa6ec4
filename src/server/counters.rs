//! Counts of the expensive things a request can cause: session checks against the
//! database, ledger replays, history rebuilds. The tests read them to prove a page
//! does each at most once; they are plain atomics, so counting costs nothing.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Counters {
    /// Tokens checked against the `users` table (one per request at most).
    pub session_checks: AtomicU64,
    /// Ledgers replayed to build a kept portfolio state.
    pub ledger_replays: AtomicU64,
    /// Portfolio histories rebuilt and written (`snapshots::rebuild_from`).
    pub history_rebuilds: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn read(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
