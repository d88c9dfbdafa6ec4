//! A meeting point just before every ledger write takes the user's ledger lock.
//! It is open (a no-op) unless a test closes it: the race test makes two writes
//! wait here for each other, so they reach the lock at the same moment and the
//! lock, not the luck of arrival, decides which one wins.

use std::sync::{Arc, Mutex};
use tokio::sync::Barrier;

#[derive(Default)]
pub struct WriteGate {
    meeting: Mutex<Option<Arc<Barrier>>>,
}

impl WriteGate {
    /// From now on, writes pass in groups of `writers`, each waiting for the rest.
    pub fn meet_in_groups_of(&self, writers: usize) {
        *self.meeting.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(Barrier::new(writers)));
    }

    /// Writes pass one by one again, as they do in a server.
    pub fn open(&self) {
        *self.meeting.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(super) async fn pass(&self) {
        let meeting = self.meeting.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(barrier) = meeting {
            barrier.wait().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_open_gate_lets_one_write_through_and_a_closed_one_waits_for_the_group() {
        let gate = Arc::new(WriteGate::default());
        gate.pass().await;
        gate.meet_in_groups_of(2);
        let first = tokio::spawn({
            let gate = gate.clone();
            async move { gate.pass().await }
        });
        tokio::task::yield_now().await;
        assert!(!first.is_finished(), "one writer alone waits for the second");
        gate.pass().await;
        first.await.unwrap();
        gate.open();
        gate.pass().await;
    }
}
