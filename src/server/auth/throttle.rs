//! Slows down password guessing and account farming.
//!
//! Every sign-in attempt *reserves* its place before the password is checked, in
//! one step under one lock, so a burst of parallel guesses cannot all pass the
//! check while the slow bcrypt comparisons are still running: at most the limit
//! reaches bcrypt. A wrong password keeps its reservation (it is a failure); a
//! right one gives the username's back.
//!
//! Three budgets, each a rolling window of one minute:
//! - a username from one address: 5 failures. The lock a stranger can cause is
//!   only for the addresses they use, so they cannot lock a person out from home.
//! - a username from anywhere: 30 failures, which caps a guesser with many addresses.
//! - an address: 20 password operations that failed or created an account; sign-up
//!   and sign-in share it, because each costs a bcrypt computation.
//!
//! Kept in memory: a restart forgets it, and several instances each keep their own.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    window: Duration,
    limits: Limits,
    attempts: Mutex<HashMap<Key, VecDeque<Instant>>>,
    admitted: AtomicU64,
}

/// How many attempts each budget allows in one window.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_user_and_address: usize,
    pub per_user: usize,
    pub per_address: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    UserAtAddress(String, Option<IpAddr>),
    User(String),
    Address(IpAddr),
}

/// Past this many tracked keys, keys with no recent attempt are dropped.
const PRUNE_ABOVE: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Self { per_user_and_address: 5, per_user: 30, per_address: 20 }
    }
}

/// A reserved sign-in attempt; it counts as a failure unless `succeeded` is called.
#[must_use = "an attempt is a failure unless it succeeded"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    user: String,
    ip: Option<IpAddr>,
    at: Instant,
}

impl Attempt<'_> {
    /// A right password: the username's reservations and failures are forgotten,
    /// and this attempt's place in the address's budget is given back (its earlier
    /// failures stay, so many accounts cannot be tried from one place; but an
    /// office behind one address is not locked out by people signing in).
    pub fn succeeded(self) {
        let mut map = self.throttle.lock();
        map.remove(&Key::UserAtAddress(self.user.clone(), self.ip));
        let mut give_back = |key: Key| {
            if let Some(times) = map.get_mut(&key)
                && let Some(position) = times.iter().position(|t| *t == self.at)
            {
                times.remove(position);
            }
        };
        give_back(Key::User(self.user.clone()));
        if let Some(ip) = self.ip {
            give_back(Key::Address(ip));
        }
    }
}

impl LoginThrottle {
    pub fn new(window: Duration, limits: Limits) -> Self {
        Self { window, limits, attempts: Mutex::new(HashMap::new()), admitted: AtomicU64::new(0) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<Instant>>> {
        self.attempts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves a sign-in attempt for `username_key` from `ip`, or says how many
    /// seconds to wait when any of its budgets is spent.
    pub fn reserve_login(&self, username_key: &str, ip: Option<IpAddr>, now: Instant) -> Result<Attempt<'_>, u64> {
        let mut keys = vec![
            (Key::UserAtAddress(username_key.to_string(), ip), self.limits.per_user_and_address),
            (Key::User(username_key.to_string()), self.limits.per_user),
        ];
        if let Some(ip) = ip {
            keys.push((Key::Address(ip), self.limits.per_address));
        }
        self.reserve(&keys, now)?;
        Ok(Attempt { throttle: self, user: username_key.to_string(), ip, at: now })
    }

    /// Reserves a sign-up from `ip` in the address's budget (kept, whatever the
    /// outcome: each sign-up costs a bcrypt hash).
    pub fn reserve_signup(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        match ip {
            Some(ip) => self.reserve(&[(Key::Address(ip), self.limits.per_address)], now),
            None => Ok(()),
        }
    }

    /// How many attempts were let through to the password check so far.
    pub fn admitted(&self) -> u64 {
        self.admitted.load(Ordering::Relaxed)
    }

    /// Checks every budget and, only when all have room, records the attempt in all
    /// of them: one lock, so parallel attempts cannot both take the last place.
    fn reserve(&self, keys: &[(Key, usize)], now: Instant) -> Result<(), u64> {
        let mut map = self.lock();
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, times| {
                drop_expired(times, now, self.window);
                !times.is_empty()
            });
        }
        let mut wait = 0;
        for (key, max) in keys {
            if let Some(times) = map.get_mut(key) {
                drop_expired(times, now, self.window);
                if times.len() >= *max
                    && let Some(oldest) = times.front()
                {
                    let free_at = *oldest + self.window;
                    wait = wait.max(free_at.saturating_duration_since(now).as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for (key, _) in keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
        self.admitted.fetch_add(1, Ordering::Relaxed);
        Ok(())
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
    use std::net::Ipv4Addr;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    const STRANGER: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));

    fn throttle(per_user_and_address: usize, per_user: usize, per_address: usize) -> LoginThrottle {
        LoginThrottle::new(Duration::from_secs(60), Limits { per_user_and_address, per_user, per_address })
    }

    #[test]
    fn reservations_count_before_the_outcome_is_known() {
        let throttle = throttle(3, 100, 100);
        let t0 = Instant::now();
        // Three attempts in flight at once, none finished: the fourth is refused.
        let held: Vec<_> = (0..3).map(|_| throttle.reserve_login("bob", HOME, t0).unwrap()).collect();
        assert_eq!(throttle.reserve_login("bob", HOME, t0).err(), Some(60));
        assert_eq!(throttle.admitted(), 3);
        drop(held);
        assert_eq!(throttle.reserve_login("bob", HOME, t0 + Duration::from_secs(45)).err(), Some(15));
        assert!(throttle.reserve_login("bob", HOME, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn a_stranger_locks_out_only_their_own_address() {
        let throttle = throttle(3, 100, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            let _failed = throttle.reserve_login("bob", STRANGER, t0).unwrap();
        }
        assert!(throttle.reserve_login("bob", STRANGER, t0).is_err());
        assert!(throttle.reserve_login("bob", HOME, t0).is_ok(), "bob can still sign in from home");
    }

    #[test]
    fn many_addresses_are_capped_per_username() {
        let throttle = throttle(3, 4, 100);
        let t0 = Instant::now();
        for i in 0..4 {
            let ip = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)));
            let _failed = throttle.reserve_login("bob", ip, t0).unwrap();
        }
        assert!(throttle.reserve_login("bob", STRANGER, t0).is_err());
    }

    #[test]
    fn an_address_has_one_budget_for_sign_in_and_sign_up() {
        let throttle = throttle(100, 100, 4);
        let t0 = Instant::now();
        for name in ["a", "b"] {
            let _failed = throttle.reserve_login(name, HOME, t0).unwrap();
        }
        throttle.reserve_signup(HOME, t0).unwrap();
        throttle.reserve_signup(HOME, t0).unwrap();
        assert!(throttle.reserve_signup(HOME, t0).is_err());
        assert!(throttle.reserve_login("e", HOME, t0).is_err());
        assert!(throttle.reserve_login("e", STRANGER, t0).is_ok());
    }

    #[test]
    fn success_gives_the_username_its_place_back() {
        let throttle = throttle(2, 100, 100);
        let t0 = Instant::now();
        let _failed = throttle.reserve_login("bob", HOME, t0).unwrap();
        throttle.reserve_login("bob", HOME, t0).unwrap().succeeded();
        throttle.reserve_login("bob", HOME, t0).unwrap().succeeded();
        assert!(throttle.reserve_login("bob", HOME, t0).is_ok());
    }

    #[test]
    fn many_people_signing_in_from_one_address_are_not_throttled_but_failures_are() {
        let throttle = throttle(5, 100, 3);
        let t0 = Instant::now();
        for n in 0..10 {
            throttle.reserve_login(&format!("colleague{n}"), HOME, t0).unwrap().succeeded();
        }
        for n in 0..3 {
            let _failed = throttle.reserve_login(&format!("guess{n}"), HOME, t0).unwrap();
        }
        assert!(throttle.reserve_login("colleague0", HOME, t0).is_err(), "three failures fill the address's budget");
    }
}
