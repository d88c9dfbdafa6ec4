//! What every open stream of one person shares, so ten tabs cost about what one
//! does:
//!
//! - the `portfolio` event, revalued and written as JSON once per market move and
//!   ledger version, not once per tab (the fan-out of a trade to 1,000 streams
//!   was dominated by 1,000 identical revaluations);
//! - the session check, made once per [`CHECK_FRESH`] for all streams of one token,
//!   not once per stream (each stream asks every 5 s).
//!
//! Dropped with the person's last stream (see `LiveHub`).

use super::events::portfolio_event;
use crate::model::Symbol;
use crate::server::market::service::MarketService;
use crate::server::portfolio::engine::valuation::Valuation;
use crate::server::portfolio::state::{Kept, Key};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A session check answers for the person's other streams this long.
pub const CHECK_FRESH: Duration = Duration::from_secs(1);
/// Checks of tokens no stream asked about for this long are forgotten.
const CHECK_FORGOTTEN: Duration = Duration::from_secs(60);

/// The portfolio event as it was last written.
struct Frame {
    key: Key,
    /// The market's [`MarketService::epoch`] the quotes were read at (or later).
    epoch: u64,
    data: Arc<str>,
}

/// What a session check found: the portfolio's key, or None when signed out.
pub type Checked = Option<Key>;

#[derive(Default)]
pub struct Person {
    frame: Mutex<Option<Frame>>,
    /// By (session version, token id): when it was checked and what it found.
    checks: Mutex<HashMap<(i64, String), (Instant, Checked)>>,
}

impl Person {
    /// The `portfolio` event's data for `kept` at the market's current prices:
    /// the one written for another stream of this person when nothing moved since.
    pub async fn portfolio(&self, market: &MarketService, kept: &Kept) -> Arc<str> {
        let mut frame = self.frame.lock().await;
        // Read before the quotes: a quote moved after this bumps the epoch again, so
        // the frame is never taken for newer than the prices it holds.
        let epoch = market.epoch();
        if let Some(current) = frame.as_ref()
            && current.key == kept.key
            && current.epoch == epoch
        {
            return current.data.clone();
        }
        let mut quotes = HashMap::new();
        for symbol in kept.ledger.lots.keys() {
            if let Some(quote) = market.peek_quote(symbol).await {
                quotes.insert(Symbol::clone(symbol), quote);
            }
        }
        let valuation = Valuation::new(&kept.ledger, &quotes);
        let data: Arc<str> = serde_json::to_string(&portfolio_event(&valuation)).unwrap_or_default().into();
        *frame = Some(Frame { key: kept.key, epoch, data: data.clone() });
        data
    }

    /// The session `(version, jti)` checked by `check`, or the answer another
    /// stream of this token got less than [`CHECK_FRESH`] ago. Errors are not kept.
    pub async fn session<E, F>(&self, version: i64, jti: &str, check: F) -> Result<Checked, E>
    where
        F: Future<Output = Result<Checked, E>>,
    {
        let mut checks = self.checks.lock().await;
        let now = Instant::now();
        if let Some((at, found)) = checks.get(&(version, jti.to_string()))
            && now.duration_since(*at) < CHECK_FRESH
        {
            return Ok(*found);
        }
        let found = check.await?;
        checks.retain(|_, (at, _)| now.duration_since(*at) < CHECK_FORGOTTEN);
        checks.insert((version, jti.to_string()), (now, found));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(ledger_version: i64) -> Key {
        Key { ledger_version, history_version: 1, last_snapshot: None }
    }

    #[tokio::test(start_paused = true)]
    async fn a_session_check_answers_for_other_streams_briefly_and_errors_are_not_kept() {
        let person = Person::default();
        let asked = &AtomicUsize::new(0);
        let ask = |answer: Result<Checked, ()>| async move {
            asked.fetch_add(1, Ordering::SeqCst);
            answer
        };
        assert_eq!(person.session(1, "a", ask(Ok(Some(key(3))))).await, Ok(Some(key(3))));
        // Another stream of the same token, at once: the answer above.
        assert_eq!(person.session(1, "a", ask(Ok(None))).await, Ok(Some(key(3))));
        // Another token of the same person is its own question.
        assert_eq!(person.session(1, "b", ask(Ok(None))).await, Ok(None));
        tokio::time::advance(CHECK_FRESH).await;
        assert_eq!(person.session(1, "a", ask(Ok(None))).await, Ok(None), "asked again once no longer fresh");
        tokio::time::advance(CHECK_FRESH).await;
        assert_eq!(person.session(1, "a", ask(Err(()))).await, Err(()));
        assert_eq!(person.session(1, "a", ask(Ok(Some(key(4))))).await, Ok(Some(key(4))), "an error was not kept");
        assert_eq!(asked.load(Ordering::SeqCst), 5, "the fresh answer was not asked for");
    }
}
