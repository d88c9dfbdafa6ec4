//! The server's one idea of what day it is. Every "today" (the latest date a trade
//! may carry, the day a history is built up to, the day the daily job records, an
//! export's file name, the form's default date) comes from here, so a test can hold
//! the day still or move it on instead of reading the wall clock beside the code
//! and failing around midnight UTC. The ages of market data (quote and profile
//! TTLs, "stale since", demo prices) and of CSV files awaiting confirmation are read
//! from it too, so a test moves time on rather than sleeping past a TTL. Timeouts, rate limits and token expiry keep
//! measuring real time: holding the clock does not stop them.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Follows the system clock unless held. Clones share one setting.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// The held moment in milliseconds since 1970, or [`FOLLOW_SYSTEM`].
    held: Arc<AtomicI64>,
}

const FOLLOW_SYSTEM: i64 = 0;

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock held at `at` until it is held elsewhere.
    pub fn held_at(at: DateTime<Utc>) -> Self {
        let clock = Clock::default();
        clock.hold(at);
        clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.held.load(Ordering::Acquire) {
            FOLLOW_SYSTEM => Utc::now(),
            millis => DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now),
        }
    }

    /// The date in UTC.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Holds the clock at `at` (for tests; a real server never calls it).
    pub fn hold(&self, at: DateTime<Utc>) {
        // 1970-01-01T00:00:00.000 itself would read as "follow the system".
        self.held.store(at.timestamp_millis().max(1), Ordering::Release);
    }

    /// Moves a held clock (or the system's time, when not held) on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.hold(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_clock_stays_and_moves_only_when_told_and_clones_share_it() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T23:59:59Z").unwrap().with_timezone(&Utc);
        let clock = Clock::held_at(at);
        let shared = clock.clone();
        assert_eq!(shared.now(), at);
        assert_eq!(shared.today(), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(shared.today(), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    }

    #[test]
    fn an_unheld_clock_follows_the_system() {
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(now >= before && now <= Utc::now());
    }
}
