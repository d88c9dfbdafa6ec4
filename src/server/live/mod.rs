//! Live prices out: `/api/stream` sends each signed-in browser the quotes of what
//! it holds and its portfolio revalued, as server-sent events (`sse`), from the
//! quotes the market service moves (`market::stream`) and the person's kept
//! portfolio state: a tick costs a revaluation, never a ledger replay.
//!
//! [`LiveHub`] counts the open streams (bounded per person and in all), tells them
//! to end when the server stops, and keeps the list of symbols the upstream
//! stream should follow (`demand`): what the people watching hold, largest first.

pub mod demand;
pub mod events;
pub mod sse;

use crate::model::Symbol;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, watch};

/// Why a stream was not opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// This person has `per_user` streams open already.
    PerUser,
    /// The server has `total` open.
    Capacity,
}

pub struct LiveHub {
    open: Mutex<HashMap<i64, usize>>,
    per_user: usize,
    total: usize,
    /// True once the server is stopping: every stream ends with a retry hint.
    closing: watch::Sender<bool>,
    /// The symbols the upstream stream follows, best first.
    wanted: watch::Sender<Vec<Symbol>>,
    /// Woken when someone starts or stops watching (the demand is worked out again).
    pub watchers_changed: Notify,
}

/// One open stream; dropping it frees its place.
pub struct Watch {
    hub: Arc<LiveHub>,
    user_id: i64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut open = self.hub.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
        drop(open);
        self.hub.watchers_changed.notify_one();
    }
}

impl LiveHub {
    pub fn new(per_user: usize, total: usize) -> Arc<Self> {
        Arc::new(LiveHub {
            open: Mutex::default(),
            per_user,
            total,
            closing: watch::channel(false).0,
            wanted: watch::channel(Vec::new()).0,
            watchers_changed: Notify::new(),
        })
    }

    /// Takes a place for one more stream of `user_id`.
    pub fn open(self: &Arc<Self>, user_id: i64) -> Result<Watch, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.values().sum::<usize>() >= self.total {
            return Err(Refused::Capacity);
        }
        let mine = open.entry(user_id).or_default();
        if *mine >= self.per_user {
            return Err(Refused::PerUser);
        }
        *mine += 1;
        drop(open);
        self.watchers_changed.notify_one();
        Ok(Watch { hub: self.clone(), user_id })
    }

    /// Everyone with at least one stream open.
    pub fn watching(&self) -> Vec<i64> {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).keys().copied().collect()
    }

    /// Streams open now.
    pub fn count(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }

    /// Ends every stream (with a hint to come back shortly) and refuses new ones.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    pub fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn wanted(&self) -> watch::Receiver<Vec<Symbol>> {
        self.wanted.subscribe()
    }

    /// Sets the symbols the upstream stream should follow (only a change is sent on).
    pub fn set_wanted(&self, symbols: Vec<Symbol>) {
        self.wanted.send_if_modified(|current| {
            let changed = *current != symbols;
            if changed {
                *current = symbols;
            }
            changed
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_per_person_and_in_all_and_freed_on_drop() {
        let hub = LiveHub::new(2, 3);
        let a1 = hub.open(1).unwrap();
        let _a2 = hub.open(1).unwrap();
        assert_eq!(hub.open(1).err(), Some(Refused::PerUser));
        let b1 = hub.open(2).unwrap();
        assert_eq!(hub.open(3).err(), Some(Refused::Capacity));
        assert_eq!(hub.count(), 3);
        drop(a1);
        drop(b1);
        let mut watching = hub.watching();
        watching.sort();
        assert_eq!(watching, [1]);
        assert!(hub.open(1).is_ok());
        assert_eq!(hub.count(), 1, "the place taken just above was freed again");
    }

    #[test]
    fn only_a_change_of_the_wanted_symbols_is_sent_on() {
        let hub = LiveHub::new(1, 1);
        let mut wanted = hub.wanted();
        let aapl = vec![Symbol::parse("AAPL").unwrap()];
        hub.set_wanted(aapl.clone());
        assert!(wanted.has_changed().unwrap());
        assert_eq!(*wanted.borrow_and_update(), aapl);
        hub.set_wanted(aapl);
        assert!(!wanted.has_changed().unwrap());
    }
}
