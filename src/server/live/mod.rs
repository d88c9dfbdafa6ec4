//! Live prices out: `/api/stream` sends each signed-in browser the quotes of what
//! it holds and its portfolio revalued, as server-sent events (`sse`), from the
//! quotes the market service moves (`market::stream`) and the person's kept
//! portfolio state: a tick costs a revaluation, never a ledger replay.
//!
//! [`LiveHub`] counts the open streams (bounded per person and in all), tells them
//! to end when the server stops, and keeps the list of symbols the upstream
//! stream should follow (`demand`): what the people watching hold, largest first.
//! Streams of one person share a [`Person`]: one revaluation per market move.

pub mod demand;
pub mod events;
pub mod person;
pub mod sse;

use crate::model::Symbol;
use person::Person;
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
    /// By person: streams open and what they share.
    open: Mutex<HashMap<i64, (usize, Arc<Person>)>>,
    /// Symbols streams follow besides holdings and the benchmark (`?symbols=`), by
    /// how many streams follow each.
    followed: Mutex<HashMap<Symbol, usize>>,
    per_user: usize,
    total: usize,
    /// True once the server is stopping: every stream ends with a retry hint.
    closing: watch::Sender<bool>,
    /// The symbols the upstream stream follows, best first.
    wanted: watch::Sender<Vec<Symbol>>,
    /// What this instance alone wants (with several instances, `wanted` is the union).
    local_wanted: Mutex<Vec<Symbol>>,
    /// Woken when someone starts or stops watching (the demand is worked out again).
    pub watchers_changed: Notify,
    /// Where the streams' session-check beats are counted from.
    pub origin: tokio::time::Instant,
}

/// One open stream; dropping it frees its place.
pub struct Watch {
    hub: Arc<LiveHub>,
    user_id: i64,
    pub person: Arc<Person>,
    followed: Vec<Symbol>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut open = self.hub.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, _)) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
        drop(open);
        let mut followed = self.hub.followed.lock().unwrap_or_else(|p| p.into_inner());
        for symbol in &self.followed {
            if let Some(count) = followed.get_mut(symbol) {
                *count -= 1;
                if *count == 0 {
                    followed.remove(symbol);
                }
            }
        }
        drop(followed);
        self.hub.watchers_changed.notify_one();
    }
}

impl LiveHub {
    pub fn new(per_user: usize, total: usize) -> Arc<Self> {
        Arc::new(LiveHub {
            open: Mutex::default(),
            followed: Mutex::default(),
            per_user,
            total,
            closing: watch::channel(false).0,
            wanted: watch::channel(Vec::new()).0,
            local_wanted: Mutex::default(),
            watchers_changed: Notify::new(),
            origin: tokio::time::Instant::now(),
        })
    }

    /// Takes a place for one more stream of `user_id`, which also follows `followed`.
    pub fn open(self: &Arc<Self>, user_id: i64, followed: &[Symbol]) -> Result<Watch, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.values().map(|(count, _)| count).sum::<usize>() >= self.total {
            return Err(Refused::Capacity);
        }
        let (mine, person) = open.entry(user_id).or_default();
        if *mine >= self.per_user {
            return Err(Refused::PerUser);
        }
        *mine += 1;
        let person = person.clone();
        drop(open);
        let mut counts = self.followed.lock().unwrap_or_else(|p| p.into_inner());
        for symbol in followed {
            *counts.entry(symbol.clone()).or_default() += 1;
        }
        drop(counts);
        self.watchers_changed.notify_one();
        Ok(Watch { hub: self.clone(), user_id, person, followed: followed.to_vec() })
    }

    /// Everyone with at least one stream open.
    pub fn watching(&self) -> Vec<i64> {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).keys().copied().collect()
    }

    /// The symbols open streams follow besides holdings and the benchmark.
    pub fn followed(&self) -> Vec<Symbol> {
        self.followed.lock().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect()
    }

    /// Streams open now.
    pub fn count(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).values().map(|(count, _)| count).sum()
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

    /// What this instance's own streams and pages want, best first (other
    /// instances read it through `server::cluster::demand`).
    pub fn local_wanted(&self) -> Vec<Symbol> {
        self.local_wanted.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_local_wanted(&self, symbols: Vec<Symbol>) {
        *self.local_wanted.lock().unwrap_or_else(|p| p.into_inner()) = symbols;
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
        let a1 = hub.open(1, &[]).unwrap();
        let a2 = hub.open(1, &[]).unwrap();
        assert!(Arc::ptr_eq(&a1.person, &a2.person), "one person's streams share");
        assert_eq!(hub.open(1, &[]).err(), Some(Refused::PerUser));
        let b1 = hub.open(2, &[]).unwrap();
        assert_eq!(hub.open(3, &[]).err(), Some(Refused::Capacity));
        assert_eq!(hub.count(), 3);
        let bobs = Arc::downgrade(&b1.person);
        drop(a1);
        drop(b1);
        assert!(bobs.upgrade().is_none(), "what a person's streams shared goes with the last");
        let mut watching = hub.watching();
        watching.sort();
        assert_eq!(watching, [1]);
        assert!(hub.open(1, &[]).is_ok());
        assert_eq!(hub.count(), 1, "the places taken just above were freed again");
        drop(a2);
        assert!(hub.watching().is_empty());
    }

    #[test]
    fn followed_symbols_are_counted_until_their_last_stream_goes() {
        let hub = LiveHub::new(5, 5);
        let (msft, nvda) = (Symbol::parse("MSFT").unwrap(), Symbol::parse("NVDA").unwrap());
        let one = hub.open(1, std::slice::from_ref(&msft)).unwrap();
        let two = hub.open(2, &[msft.clone(), nvda.clone()]).unwrap();
        let mut followed = hub.followed();
        followed.sort();
        assert_eq!(followed, [msft.clone(), nvda]);
        drop(two);
        assert_eq!(hub.followed(), [msft]);
        drop(one);
        assert!(hub.followed().is_empty());
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
