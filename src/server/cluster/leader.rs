//! The leader: whichever instance holds a PostgreSQL session advisory lock on a
//! connection kept for nothing else. PostgreSQL lets go of the lock the moment
//! that connection ends (the process died, was killed, lost the network), and the
//! others try for it every [`RETRY`], so a new leader is there within seconds.
//!
//! The leader checks its connection every [`CHECK`]; when a check fails or takes
//! longer than [`CHECK_TIMEOUT`] it steps down at once. PostgreSQL, for its part,
//! ends the lock's session when it has been idle for [`SESSION_IDLE`] (a leader
//! cut off from the database, or frozen), and its TCP keepalives notice a dead
//! peer within seconds, so the lock never outlives its holder by long: the
//! leader steps down (after at most CHECK + CHECK_TIMEOUT = 3 s without answers)
//! before PostgreSQL frees the lock for another (5 s). When the lock is freed
//! while its holder still runs (its connection was cut), the new leader waits
//! [`SETTLE`] before starting the jobs, so the two do not overlap (an instance
//! alone on the database, as at a first start, leads at once). A takeover
//! therefore takes RETRY + SETTLE, about 5 s. On shutdown the instance steps down first; closing the connection
//! gives the lock back.

use super::{Cluster, LOCK_CLASS, Role};
use sqlx::{AnyConnection, Connection};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The leader's advisory lock key (in the cluster's class).
const LEADER_KEY: i32 = 1;
/// How often a follower asks for the lock.
pub const RETRY: Duration = Duration::from_secs(1);
/// How often the leader checks that its lock's connection still answers.
pub const CHECK: Duration = Duration::from_secs(1);
/// A check (or a request for the lock) unanswered this long counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a new leader waits before starting the jobs: longer than the old
/// leader takes to notice it lost the lock.
pub const SETTLE: Duration = Duration::from_millis(CHECK.as_millis() as u64 + CHECK_TIMEOUT.as_millis() as u64 + 500);
/// PostgreSQL ends the lock's session after this long without a query.
const SESSION_IDLE: &str = "5s";

/// Seeks and holds the lock until `stopping` turns true; then gives it back.
pub async fn run(cluster: Arc<Cluster>, url: String, mut stopping: watch::Receiver<bool>) {
    loop {
        if *stopping.borrow() {
            cluster.set_role(Role::Follower);
            return;
        }
        let held = match connect(&url).await {
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

/// The lock's own connection, set up so PostgreSQL lets go soon after its holder
/// stops answering (idle timeout; keepalives for a peer gone from the network).
async fn connect(url: &str) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = tokio::time::timeout(CHECK_TIMEOUT * 5, <AnyConnection as Connection>::connect(url))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    for setting in [
        format!("SET idle_session_timeout = '{SESSION_IDLE}'"),
        "SET tcp_keepalives_idle = 2".to_string(),
        "SET tcp_keepalives_interval = 1".to_string(),
        "SET tcp_keepalives_count = 2".to_string(),
    ] {
        // idle_session_timeout needs PostgreSQL 14; without it the keepalives and
        // the leader's own step-down still hold.
        if let Err(err) = sqlx::query(&setting).execute(&mut conn).await {
            tracing::debug!(error = %err, %setting, "a leader-connection setting was refused");
        }
    }
    Ok(conn)
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
        let ask = async {
            if leading {
                sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| true)
            } else {
                sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1, $2)")
                    .bind(LOCK_CLASS)
                    .bind(LEADER_KEY)
                    .fetch_one(&mut *conn)
                    .await
            }
        };
        let answered = tokio::time::timeout(CHECK_TIMEOUT, ask).await.unwrap_or(Err(sqlx::Error::PoolTimedOut));
        match answered {
            Ok(true) if !leading && another_led_lately(conn, &cluster.instance_id).await => {
                // The lock was free: its last holder is dead, or alive but cut off
                // from the database. Give a live one the time to notice and stop
                // its jobs (its check fails within CHECK + CHECK_TIMEOUT) before
                // starting them here, so two leaders never run at once.
                tokio::select! {
                    () = tokio::time::sleep(SETTLE) => {}
                    _ = stopping.changed() => {}
                }
                if *stopping.borrow() {
                    return Held::Stopping;
                }
                leading = true;
                cluster.set_role(Role::Leader);
                continue;
            }
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

/// Whether another instance was running within the last 10 s (it may be the
/// leader that just lost the lock); unknown counts as yes.
async fn another_led_lately(conn: &mut AnyConnection, own: &str) -> bool {
    let sql = format!(
        "SELECT COUNT(*) FROM cluster_instances WHERE instance_id <> $1 AND seen_ms >= {} - 10000",
        super::demand::DB_NOW_MS
    );
    let ask = sqlx::query_scalar::<_, i64>(&sql).bind(own).fetch_one(&mut *conn);
    !matches!(tokio::time::timeout(CHECK_TIMEOUT, ask).await, Ok(Ok(0)))
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
