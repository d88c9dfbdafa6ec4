//! The leader: whichever instance holds a PostgreSQL session advisory lock on a
//! connection kept for nothing else. PostgreSQL lets go of the lock the moment
//! that connection ends (the process died, was killed, lost the network), and the
//! others try for it every [`RETRY`], so a new leader is there within seconds.
//!
//! The leader checks its connection every [`CHECK`]; when a check fails it steps
//! down at once (the lock may already be another's). Two leaders can overlap for
//! at most that long, which costs a duplicate call or a second WebSocket for a
//! moment, never a wrong number. On shutdown the lock is given back explicitly, so
//! a follower takes over without waiting for PostgreSQL to notice.

use super::{Cluster, Role};
use sqlx::{AnyConnection, Connection};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The advisory lock (two-key form): Folio's cluster class, key 1 = the leader.
const LOCK_CLASS: i32 = 0x466f_0010;
const LEADER_KEY: i32 = 1;
/// How often a follower asks for the lock.
pub const RETRY: Duration = Duration::from_secs(1);
/// How often the leader checks that its lock's connection still answers.
pub const CHECK: Duration = Duration::from_secs(1);

/// Seeks and holds the lock until `stopping` turns true; then gives it back.
pub async fn run(cluster: Arc<Cluster>, url: String, mut stopping: watch::Receiver<bool>) {
    loop {
        if *stopping.borrow() {
            cluster.set_role(Role::Follower);
            return;
        }
        let held = match <AnyConnection as Connection>::connect(&url).await {
            Ok(mut conn) => {
                let outcome = hold(&cluster, &mut conn, &mut stopping).await;
                if outcome == Held::Stopping {
                    let _ = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                        .bind(LOCK_CLASS)
                        .bind(LEADER_KEY)
                        .execute(&mut conn)
                        .await;
                }
                let _ = conn.close().await;
                outcome
            }
            Err(err) => {
                tracing::warn!(error = %err, "the leader lock's connection could not be made");
                Held::Lost
            }
        };
        cluster.set_role(Role::Follower);
        if held == Held::Stopping {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY) => {}
            _ = stopping.changed() => {}
        }
    }
}

#[derive(Debug, PartialEq)]
enum Held {
    Lost,
    Stopping,
}

/// On one connection: asks for the lock until it is had, then checks it is still
/// held. Returns when the connection fails or the server stops.
async fn hold(cluster: &Cluster, conn: &mut AnyConnection, stopping: &mut watch::Receiver<bool>) -> Held {
    let mut leading = false;
    loop {
        let answered = if leading {
            sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| true)
        } else {
            sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1, $2)")
                .bind(LOCK_CLASS)
                .bind(LEADER_KEY)
                .fetch_one(&mut *conn)
                .await
        };
        match answered {
            Ok(held) => {
                leading = held;
                cluster.set_role(if held { Role::Leader } else { Role::Follower });
            }
            Err(err) => {
                tracing::warn!(error = %err, leading, "the leader lock's connection failed");
                return Held::Lost;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(if leading { CHECK } else { RETRY }) => {}
            _ = stopping.changed() => {}
        }
        if *stopping.borrow() {
            return Held::Stopping;
        }
    }
}

/// Aborts its tasks when dropped, so jobs end with whatever started them.
struct AbortOnDrop(Vec<JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::abort);
    }
}

/// Runs the jobs `start` starts while this instance leads, and stops them when it
/// no longer does (started again on the next lead). Aborting the returned task
/// stops them too.
pub fn while_leading<F>(mut role: watch::Receiver<Role>, start: F) -> JoinHandle<()>
where
    F: Fn() -> Vec<JoinHandle<()>> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            if role.wait_for(|r| r.leads()).await.is_err() {
                return;
            }
            let jobs = AbortOnDrop(start());
            let stepped_down = role.wait_for(|r| !r.leads()).await.is_ok();
            drop(jobs);
            if !stepped_down {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn jobs_run_while_leading_and_stop_when_the_lead_is_lost() {
        let cluster = Cluster::member();
        let started = Arc::new(AtomicUsize::new(0));
        let (alive_tx, alive) = watch::channel(0usize);
        let alive_tx = Arc::new(alive_tx);
        let counter = started.clone();
        let task = while_leading(cluster.watch_role(), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let alive_tx = alive_tx.clone();
            vec![tokio::spawn(async move {
                alive_tx.send_modify(|n| *n += 1);
                // Counts down when aborted.
                struct Down(Arc<watch::Sender<usize>>);
                impl Drop for Down {
                    fn drop(&mut self) {
                        self.0.send_modify(|n| *n -= 1);
                    }
                }
                let _down = Down(alive_tx);
                std::future::pending::<()>().await
            })]
        });
        let mut alive = alive;
        tokio::task::yield_now().await;
        assert_eq!(started.load(Ordering::SeqCst), 0, "a follower runs nothing");
        cluster.set_role(Role::Leader);
        alive.wait_for(|n| *n == 1).await.unwrap();
        cluster.set_role(Role::Follower);
        alive.wait_for(|n| *n == 0).await.unwrap();
        cluster.set_role(Role::Leader);
        alive.wait_for(|n| *n == 1).await.unwrap();
        assert_eq!(started.load(Ordering::SeqCst), 2, "started again on the next lead");
        task.abort();
        alive.wait_for(|n| *n == 0).await.unwrap();
    }
}
