//! Slows down password guessing: after too many failed sign-ins for one username,
//! or from one client address, within a rolling window, further attempts are
//! refused until the oldest failure leaves the window.
//!
//! Kept in memory: a restart forgets it, and several instances each keep their own.
//! Both are acceptable for a self-hosted dashboard; the limits are per instance.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    window: Duration,
    max_per_user: usize,
    max_per_ip: usize,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Ip(IpAddr),
}

/// Past this many tracked keys, keys with no recent failure are dropped.
const PRUNE_ABOVE: usize = 10_000;

impl Default for LoginThrottle {
    /// 5 failures a minute per username, 20 per client address.
    fn default() -> Self {
        Self::new(Duration::from_secs(60), 5, 20)
    }
}

impl LoginThrottle {
    pub fn new(window: Duration, max_per_user: usize, max_per_ip: usize) -> Self {
        Self { window, max_per_user, max_per_ip, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds)` to wait when either the username or the address is locked out.
    pub fn check(&self, username_key: &str, ip: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0;
        for (key, max) in self.keys(username_key, ip) {
            if let Some(times) = map.get_mut(&key) {
                drop_expired(times, now, self.window);
                if times.len() >= max
                    && let Some(oldest) = times.front()
                {
                    let free_at = *oldest + self.window;
                    wait = wait.max(free_at.saturating_duration_since(now).as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_failure(&self, username_key: &str, ip: Option<IpAddr>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, times| {
                drop_expired(times, now, self.window);
                !times.is_empty()
            });
        }
        for (key, _) in self.keys(username_key, ip) {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in forgets the username's failures (not the address's).
    pub fn record_success(&self, username_key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Key::User(username_key.to_string()));
    }

    fn keys(&self, username_key: &str, ip: Option<IpAddr>) -> Vec<(Key, usize)> {
        let mut keys = vec![(Key::User(username_key.to_string()), self.max_per_user)];
        if let Some(ip) = ip {
            keys.push((Key::Ip(ip), self.max_per_ip));
        }
        keys
    }
}

fn drop_expired(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn locks_a_username_after_max_failures_and_frees_it_after_the_window() {
        let throttle = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(throttle.check("bob", IP, t0).is_ok(), "attempt {i}");
            throttle.record_failure("bob", IP, t0);
        }
        assert_eq!(throttle.check("bob", IP, t0), Err(60));
        assert_eq!(throttle.check("bob", IP, t0 + Duration::from_secs(45)), Err(15));
        assert!(throttle.check("alice", IP, t0).is_ok(), "other users are not affected");
        assert!(throttle.check("bob", IP, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn locks_an_address_across_usernames() {
        let throttle = LoginThrottle::new(Duration::from_secs(60), 100, 4);
        let t0 = Instant::now();
        for name in ["a", "b", "c", "d"] {
            throttle.record_failure(name, IP, t0);
        }
        assert!(throttle.check("e", IP, t0).is_err());
        assert!(throttle.check("e", None, t0).is_ok());
    }

    #[test]
    fn success_clears_the_username() {
        let throttle = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        let t0 = Instant::now();
        throttle.record_failure("bob", IP, t0);
        throttle.record_failure("bob", IP, t0);
        assert!(throttle.check("bob", IP, t0).is_err());
        throttle.record_success("bob");
        assert!(throttle.check("bob", IP, t0).is_ok());
    }
}
