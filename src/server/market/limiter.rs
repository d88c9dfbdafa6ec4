//! The Finnhub call budget, shared by every caller in the process: at most
//! `per_second` calls in any rolling second and `per_minute` in any rolling minute,
//! plus a pause when Finnhub itself says "wait" (429).
//!
//! A sliding-window log rather than a token bucket (GCRA, as in `governor`): a bucket
//! that allows bursts lets up to twice its rate through within one rolling window,
//! which is exactly what Finnhub answers with 429. The log keeps the last minute of
//! call times (at most `per_minute` entries) and is exact.
//!
//! With several instances on one PostgreSQL database the log lives there instead
//! ([`super::shared_budget`], set with [`RateLimiter::share`]): every instance's
//! calls count in the same windows, and a 429's pause holds them all back.

use super::shared_budget::{SharedBudget, Taken};
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60_000;

tokio::task_local! {
    /// Set while a call is made for nobody waiting (the refresher, a stale
    /// value's background refresh).
    static BACKGROUND: ();
}

/// Runs `job` as background work: its calls leave [`reserved_for_pages`] of the
/// minute's budget to calls a person is waiting on (checking a new symbol, a
/// first quote), so a long refresh list never starves a page.
pub async fn as_background<F: Future>(job: F) -> F::Output {
    BACKGROUND.scope((), job).await
}

fn in_background() -> bool {
    BACKGROUND.try_with(|_| ()).is_ok()
}

/// The part of the minute background work leaves free: a quarter.
pub fn reserved_for_pages(per_minute: usize) -> usize {
    per_minute / 4
}

/// The minute's limit for the calling task's kind of work.
pub(super) fn minute_limit(per_minute: usize) -> usize {
    if in_background() { (per_minute - reserved_for_pages(per_minute)).max(1) } else { per_minute }
}

pub struct RateLimiter {
    per_second: usize,
    per_minute: usize,
    state: Mutex<State>,
    /// The log in the database, when several instances share the budget.
    shared: OnceLock<SharedBudget>,
}

#[derive(Default)]
struct State {
    slots: Vec<Slot>,
    next_id: u64,
    blocked_until: Option<Instant>,
}

/// One call in the log. While it is in flight it counts as "now" in every window;
/// when it completes its time becomes the completion time. Upstream sees the call
/// somewhere between sending and completion, so spacing later calls from the
/// completion keeps the budget even when the network bunches requests together.
struct Slot {
    id: u64,
    at: Instant,
    in_flight: bool,
}

/// What is left of the budget at one moment (for `/metrics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headroom {
    /// Calls that fit in the rolling second and minute now.
    pub second: usize,
    pub minute: usize,
    /// How much longer a pause Finnhub asked for lasts.
    pub paused: Duration,
}

/// Held while a call is under way; dropping it marks the call complete.
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    id: u64,
    /// The call's slot in the shared log (then `id` is unused).
    shared: Option<i64>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let (Some(slot), Some(shared)) = (self.shared, self.limiter.shared.get()) {
            shared.complete(slot);
            return;
        }
        let mut state = self.limiter.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = state.slots.iter_mut().find(|s| s.id == self.id) {
            slot.at = Instant::now();
            slot.in_flight = false;
        }
    }
}

/// How soon to look again when the calls in flight alone fill a window.
const POLL: Duration = Duration::from_millis(20);
/// The shared log: at most this often per waiting call (each look is a transaction).
const SHARED_POLL_MS: i64 = 50;
/// The shared log could not be read: look again after this long.
const SHARED_RETRY_MS: i64 = 1_000;
/// The least time a look at the shared log is given.
const SHARED_TRY: Duration = Duration::from_millis(500);

impl RateLimiter {
    pub fn new(per_second: u32, per_minute: u32) -> Self {
        Self {
            per_second: per_second.max(1) as usize,
            per_minute: per_minute.max(1) as usize,
            state: Mutex::new(State::default()),
            shared: OnceLock::new(),
        }
    }

    /// From now on the budget is the one in `db`, shared with every instance on it.
    pub fn share(&self, db: crate::server::db::Db) {
        let _ = self.shared.set(SharedBudget::new(db, self.per_second, self.per_minute));
    }

    /// Waits until a call fits the budget and records it; hold the permit for the
    /// duration of the call.
    pub async fn acquire(&self) -> Permit<'_> {
        if self.shared.get().is_some() {
            let mut wait = Duration::from_secs(3600);
            loop {
                match self.acquire_within(wait).await {
                    Ok(permit) => return permit,
                    Err(longer) => wait = longer + SECOND,
                }
            }
        }
        loop {
            match self.try_acquire(Instant::now()) {
                Ok(permit) => return permit,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Like `acquire`, but gives up at once when the budget will not have room
    /// within `max_wait`, returning how long it would have been. A person waiting
    /// on a page is better served by "rate-limited, try in 40 s" than by a request
    /// that hangs for a minute.
    pub async fn acquire_within(&self, max_wait: Duration) -> Result<Permit<'_>, Duration> {
        let deadline = Instant::now() + max_wait;
        if let Some(shared) = self.shared.get() {
            loop {
                // A pause this instance was told of holds at once; the shared row
                // reaches the others a moment later.
                let local_pause = self.state.lock().unwrap_or_else(|p| p.into_inner()).blocked_until;
                if let Some(until) = local_pause.filter(|until| *until > Instant::now()) {
                    if until > deadline {
                        return Err(until - Instant::now());
                    }
                    tokio::time::sleep_until(until).await;
                    continue;
                }
                let left = deadline.saturating_duration_since(Instant::now()).max(SHARED_TRY);
                let wait_ms = match tokio::time::timeout(left, shared.try_take()).await {
                    Ok(Ok(Taken::Slot(slot))) => {
                        return Ok(Permit { limiter: self, id: u64::MAX, shared: Some(slot) });
                    }
                    // Calls in flight elsewhere fill a window: no need to ask 50 times a second.
                    Ok(Ok(Taken::Wait(ms))) => ms.max(SHARED_POLL_MS),
                    Ok(Err(err)) => {
                        tracing::warn!(error = %err, "the shared upstream budget cannot be read; no call until it can");
                        SHARED_RETRY_MS
                    }
                    Err(_) => {
                        tracing::warn!("the shared upstream budget did not answer in time; no call until it does");
                        SHARED_RETRY_MS
                    }
                };
                let at = Instant::now() + Duration::from_millis(wait_ms as u64);
                if at > deadline {
                    return Err(at - Instant::now());
                }
                tokio::time::sleep_until(at).await;
            }
        }
        loop {
            let now = Instant::now();
            match self.try_acquire(now) {
                Ok(permit) => return Ok(permit),
                Err(at) if at > deadline => return Err(at - now),
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Records a call at `now` if it fits; otherwise says when to try again.
    pub fn try_acquire(&self, now: Instant) -> Result<Permit<'_>, Instant> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.slots.retain(|s| s.in_flight || now.duration_since(s.at) < MINUTE);
        let mut ready_at = now;
        if let Some(until) = state.blocked_until {
            if until > now {
                ready_at = until;
            } else {
                state.blocked_until = None;
            }
        }
        let in_flight = state.slots.iter().filter(|s| s.in_flight).count();
        // In milliseconds before `now` (negative), as the shared log counts.
        let ms_before = |at: Instant| -(now.saturating_duration_since(at).as_millis() as i64);
        let done: Vec<i64> = state.slots.iter().filter(|s| !s.in_flight).map(|s| ms_before(s.at)).collect();
        let wait = wait_ms(0, in_flight, done, None, self.per_second, minute_limit(self.per_minute));
        ready_at = ready_at.max(now + Duration::from_millis(wait as u64));
        if ready_at > now {
            return Err(ready_at);
        }
        let id = state.next_id;
        state.next_id += 1;
        state.slots.push(Slot { id, at: now, in_flight: true });
        Ok(Permit { limiter: self, id, shared: None })
    }

    /// Calls left in each window at `now`, and the pause left (calls in flight count).
    /// Shared: as the last call of this instance found the shared log.
    pub fn headroom(&self, now: Instant) -> Headroom {
        if let Some(shared) = self.shared.get() {
            let (second, minute, paused) = *shared.last_seen.lock().unwrap_or_else(|p| p.into_inner());
            let local = self.state.lock().unwrap_or_else(|p| p.into_inner()).blocked_until;
            let local = local.map(|until| until.saturating_duration_since(now)).unwrap_or_default();
            return Headroom { second, minute, paused: Duration::from_millis(paused.max(0) as u64).max(local) };
        }
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let counted = |window: Duration| {
            state.slots.iter().filter(|s| s.in_flight || now.saturating_duration_since(s.at) < window).count()
        };
        Headroom {
            second: self.per_second.saturating_sub(counted(SECOND)),
            minute: self.per_minute.saturating_sub(counted(MINUTE)),
            paused: state.blocked_until.map(|until| until.saturating_duration_since(now)).unwrap_or_default(),
        }
    }

    /// Upstream asked us to stop for `wait`: nobody calls before then.
    pub fn pause_for(&self, wait: Duration) {
        if let Some(shared) = self.shared.get() {
            shared.pause_for(wait.as_millis() as i64);
        }
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.blocked_until = Some(state.blocked_until.map_or(until, |current| current.max(until)));
    }
}

/// How long until one more call fits, in ms (0: now), at `now`: `in_flight` calls
/// count as now, `done` are completion times, `paused_until` is a 429's pause. A
/// window is full when its limit of calls is in it; it has room again when the
/// oldest call that keeps it full leaves. Calls in flight alone filling a window
/// are looked at again after [`POLL`]. Pure; the in-memory and the shared logs
/// both decide by it.
pub fn wait_ms(
    now: i64,
    in_flight: usize,
    mut done: Vec<i64>,
    paused_until: Option<i64>,
    per_second: usize,
    per_minute: usize,
) -> i64 {
    let mut ready_at = paused_until.map_or(now, |until| until.max(now));
    done.sort_unstable_by(|a, b| b.cmp(a));
    for (limit, window) in [(per_second, SECOND_MS), (per_minute, MINUTE_MS)] {
        if in_flight >= limit {
            ready_at = ready_at.max(now + POLL.as_millis() as i64);
        } else if let Some(oldest_that_counts) = done.get(limit - in_flight - 1) {
            ready_at = ready_at.max(oldest_that_counts + window);
        }
    }
    ready_at - now
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts, over a schedule of granted call times, the most calls in any window.
    fn max_in_window(times: &[Instant], window: Duration) -> usize {
        times
            .iter()
            .enumerate()
            .map(|(i, start)| times[i..].iter().take_while(|t| **t - *start < window).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_either_rolling_window() {
        let limiter = std::sync::Arc::new(RateLimiter::new(30, 60));
        let granted = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..150 {
            let (limiter, granted) = (limiter.clone(), granted.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = limiter.acquire().await;
                granted.lock().unwrap().push(Instant::now());
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let mut times = granted.lock().unwrap().clone();
        times.sort();
        assert_eq!(times.len(), 150);
        assert_eq!(max_in_window(&times, SECOND), 30);
        assert_eq!(max_in_window(&times, MINUTE), 60);
        // 150 calls at 60 a minute: the last one waits two full minutes.
        let span = *times.last().unwrap() - times[0];
        assert!(span >= Duration::from_secs(120) && span < Duration::from_secs(121), "{span:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_bounded_wait_gives_up_when_the_minute_is_spent() {
        let limiter = RateLimiter::new(30, 3);
        for _ in 0..3 {
            drop(limiter.acquire_within(Duration::from_secs(5)).await.unwrap());
        }
        let start = Instant::now();
        let wait = limiter.acquire_within(Duration::from_secs(5)).await.err().expect("no room for a minute");
        assert!(wait > Duration::from_secs(55) && wait <= MINUTE, "{wait:?}");
        assert_eq!(Instant::now(), start, "gave up without waiting");
        // Room within the bound: it waits for it.
        let roomy = RateLimiter::new(1, 100);
        drop(roomy.acquire_within(Duration::from_secs(5)).await.unwrap());
        let before = Instant::now();
        drop(roomy.acquire_within(Duration::from_secs(5)).await.unwrap());
        assert_eq!(Instant::now() - before, SECOND);
    }

    #[tokio::test(start_paused = true)]
    async fn background_work_leaves_a_quarter_of_the_minute_to_pages() {
        let limiter = RateLimiter::new(30, 8);
        let mut background = 0;
        while as_background(limiter.acquire_within(Duration::from_secs(1))).await.is_ok() {
            background += 1;
        }
        assert_eq!(background, 6, "8 a minute, 2 kept for pages");
        assert!(limiter.acquire_within(Duration::from_secs(1)).await.is_ok(), "a page still gets a call");
        assert!(limiter.acquire_within(Duration::from_secs(1)).await.is_ok());
        assert!(limiter.acquire_within(Duration::from_secs(1)).await.is_err(), "then the minute is spent");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_everyone_back() {
        let limiter = RateLimiter::new(30, 60);
        let start = Instant::now();
        limiter.pause_for(Duration::from_secs(7));
        let _permit = limiter.acquire().await;
        assert!(Instant::now() - start >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn windows_count_from_completion_and_calls_in_flight_block() {
        let limiter = RateLimiter::new(2, 100);
        let t0 = Instant::now();
        let first = limiter.try_acquire(t0).unwrap();
        let second = limiter.try_acquire(t0).unwrap();
        assert_eq!(limiter.try_acquire(t0).err(), Some(t0 + POLL), "both calls still in flight");
        drop(first);
        tokio::time::advance(Duration::from_millis(300)).await;
        drop(second); // completes 300 ms later
        let now = Instant::now();
        assert_eq!(limiter.try_acquire(now).err(), Some(t0 + SECOND), "one second after the first completion");
        assert!(limiter.try_acquire(t0 + SECOND).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn headroom_counts_the_calls_in_each_window_and_the_pause() {
        let limiter = RateLimiter::new(5, 60);
        let full = Headroom { second: 5, minute: 60, paused: Duration::ZERO };
        assert_eq!(limiter.headroom(Instant::now()), full);
        let in_flight = limiter.acquire().await;
        drop(limiter.acquire().await);
        assert_eq!(limiter.headroom(Instant::now()), Headroom { second: 3, minute: 58, paused: Duration::ZERO });
        tokio::time::advance(Duration::from_secs(2)).await;
        // The finished call left the second; the one in flight still counts.
        assert_eq!(limiter.headroom(Instant::now()), Headroom { second: 4, minute: 58, paused: Duration::ZERO });
        drop(in_flight);
        limiter.pause_for(Duration::from_secs(9));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(limiter.headroom(Instant::now()), full, "a minute later everything is back and the pause is over");
        limiter.pause_for(Duration::from_secs(9));
        assert_eq!(limiter.headroom(Instant::now()).paused, Duration::from_secs(9));
    }
}
