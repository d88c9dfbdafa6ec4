//! The server's scheduled backup: every `FOLIO_BACKUP_INTERVAL` (default daily) a
//! copy into `FOLIO_BACKUP_DIR`, the oldest beyond `FOLIO_BACKUP_KEEP` deleted,
//! each one logged and counted in `/metrics`. The schedule survives restarts: the
//! first backup after a start comes one interval after the newest scheduled one on
//! disk (or one interval after the start when there is none), so a server
//! restarted every hour still backs up daily.
//!
//! The newest backup's age is read on the server's [`Clock`], and the loop is a
//! plain function of its first delay and interval, so tests check the timing on a
//! held clock and tokio's paused time instead of waiting a day.

use super::take::{self, Backup, Reason};
use super::{BackupError, checksum};
use crate::server::clock::Clock;
use crate::server::state::AppState;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// Starts the job (None when backups are off).
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.config.db.backup_interval?;
    let first = first_delay(&state.config.db.backup_dir, every, &state.clock);
    Some(tokio::spawn(repeat(first, every, move || {
        let state = state.clone();
        async move {
            let _ = run_once(&state).await;
        }
    })))
}

/// How long after a start the first scheduled backup is due: one interval after
/// the newest scheduled backup in `dir` (at once when that is past), or one
/// interval from now when there is none.
pub fn first_delay(dir: &Path, every: Duration, clock: &Clock) -> Duration {
    every.saturating_sub(age_of_newest(dir, clock).unwrap_or(Duration::ZERO))
}

/// Runs `job` after `first`, then every `every`; a run that overruns its interval
/// delays the next one rather than bunching them up.
pub async fn repeat<F, Fut>(first: Duration, every: Duration, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        job().await;
    }
}

/// How long ago, on `clock`, the newest scheduled backup in `dir` was written.
fn age_of_newest(dir: &Path, clock: &Clock) -> Option<Duration> {
    let newest = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("folio-scheduled-"))
        .filter(|e| checksum::path_of(&e.path()).exists())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()?;
    let now: std::time::SystemTime = clock.now().into();
    now.duration_since(newest).ok()
}

/// One scheduled backup, then pruning; logged and counted either way.
pub async fn run_once(state: &AppState) -> Result<Backup, BackupError> {
    let dir = &state.config.db.backup_dir;
    match take::take(&state.db, dir, Reason::Scheduled, state.clock.now()).await {
        Ok(backup) => {
            state.metrics.backups.with_label_values(&["ok"]).inc();
            state.metrics.last_backup.set(state.clock.now().timestamp());
            tracing::info!(path = %backup.path.display(), bytes = backup.bytes, "scheduled backup written");
            match take::prune_scheduled(dir, state.config.db.backup_keep) {
                Ok(0) => {}
                Ok(removed) => {
                    tracing::info!(removed, keep = state.config.db.backup_keep, "old scheduled backups deleted")
                }
                Err(err) => tracing::warn!(error = %err, "could not delete old scheduled backups"),
            }
            Ok(backup)
        }
        Err(err) => {
            state.metrics.backups.with_label_values(&["failed"]).inc();
            tracing::warn!(error = %err, dir = %dir.display(), "scheduled backup failed");
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    const HOUR: Duration = Duration::from_secs(3600);

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    /// A backup file named `name` in `dir`, written `age` before `now`.
    fn backup_written(dir: &Path, name: &str, now: DateTime<Utc>, age: Duration, with_checksum: bool) {
        let path = dir.join(name);
        std::fs::write(&path, b"x").unwrap();
        if with_checksum {
            checksum::write(&path).unwrap();
        }
        let written: std::time::SystemTime = (now - chrono::Duration::from_std(age).unwrap()).into();
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(written).unwrap();
    }

    #[test]
    fn the_first_backup_after_a_start_is_due_one_interval_after_the_newest_scheduled_one() {
        let dir = std::env::temp_dir().join(format!("folio-schedule-first-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let now = at("2026-11-28T21:00:00Z");
        let clock = Clock::held_at(now);
        let day = 24 * HOUR;
        // Nothing on disk (or no folder yet): one interval from the start.
        assert_eq!(first_delay(&dir.join("missing"), day, &clock), day);
        assert_eq!(first_delay(&dir, day, &clock), day);
        // Only the kinds that are not scheduled, or one without its checksum (not whole): the same.
        backup_written(&dir, "folio-manual-schema7-20261128T200000Z.sqlite", now, HOUR, true);
        backup_written(&dir, "folio-before-upgrade-schema6-20261128T200000Z.sqlite", now, HOUR, true);
        backup_written(&dir, "folio-scheduled-schema7-20261128T200000Z.sqlite", now, HOUR, false);
        assert_eq!(first_delay(&dir, day, &clock), day);
        // A scheduled one 30 h old and one 3 h old: the newer counts.
        backup_written(&dir, "folio-scheduled-schema7-20261127T150000Z.sqlite", now, 30 * HOUR, true);
        assert_eq!(first_delay(&dir, day, &clock), Duration::ZERO, "overdue: at once");
        backup_written(&dir, "folio-scheduled-schema7-20261128T180000Z.sqlite", now, 3 * HOUR, true);
        assert_eq!(first_delay(&dir, day, &clock), 21 * HOUR);
        // The age is read on the server's clock, not the system's.
        clock.advance(chrono::Duration::hours(20));
        assert_eq!(first_delay(&dir, day, &clock), HOUR);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_runs_after_the_first_delay_then_every_interval_and_a_slow_run_delays_the_next() {
        let (runs, mut ran) = tokio::sync::mpsc::unbounded_channel();
        let start = tokio::time::Instant::now();
        let mut count = 0;
        let job = tokio::spawn(repeat(5 * HOUR, 24 * HOUR, move || {
            count += 1;
            let runs = runs.clone();
            let slow = count == 2;
            async move {
                runs.send(tokio::time::Instant::now() - start).unwrap();
                if slow {
                    tokio::time::sleep(30 * HOUR).await;
                }
            }
        }));
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(ran.recv().await.unwrap());
        }
        job.abort();
        // 5 h, then 29 h; the second run takes 30 h, so the third comes when it ends
        // (59 h) and the fourth one interval after that, not two at once.
        assert_eq!(seen, [5 * HOUR, 29 * HOUR, 59 * HOUR, 83 * HOUR]);
    }
}
