//! A share of the upstream budget per person. Finnhub's 60 calls a minute are
//! shared by every user of a server; without a share of its own, one import naming
//! 120 symbols new to Folio spent all of it and left every dashboard stale.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upstream symbol checks a user may cause within a rolling window.
pub struct UserBudget {
    window: Duration,
    max: usize,
    spent: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

impl Default for UserBudget {
    /// 25 symbol checks per person per 5 minutes: a large ledger imports in a few
    /// tries, and the shared budget keeps most of each minute for prices.
    fn default() -> Self {
        Self::new(Duration::from_secs(300), 25)
    }
}

impl UserBudget {
    pub fn new(window: Duration, max: usize) -> Self {
        Self { window, max, spent: Mutex::new(HashMap::new()) }
    }

    /// Takes one call from `user_id`'s share, or says in how many seconds one is free.
    pub fn take(&self, user_id: i64, now: Instant) -> Result<(), u64> {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        spent.retain(|_, times| {
            while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = spent.entry(user_id).or_default();
        if times.len() >= self.max {
            let free_at = times[0] + self.window;
            return Err(free_at.saturating_duration_since(now).as_secs().max(1));
        }
        times.push_back(now);
        Ok(())
    }

    pub fn max(&self) -> usize {
        self.max
    }

    pub fn window(&self) -> Duration {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_a_share_that_comes_back_with_time() {
        let budget = UserBudget::new(Duration::from_secs(300), 2);
        let t0 = Instant::now();
        assert!(budget.take(1, t0).is_ok() && budget.take(1, t0).is_ok());
        assert_eq!(budget.take(1, t0), Err(300));
        assert!(budget.take(2, t0).is_ok(), "another user's share is untouched");
        assert_eq!(budget.take(1, t0 + Duration::from_secs(200)), Err(100));
        assert!(budget.take(1, t0 + Duration::from_secs(300)).is_ok());
    }
}
