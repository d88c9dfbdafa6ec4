//! The server's scheduled backup: every `FOLIO_BACKUP_INTERVAL` (default daily) a
//! copy into `FOLIO_BACKUP_DIR`, the oldest beyond `FOLIO_BACKUP_KEEP` deleted,
//! each one logged and counted in `/metrics`. The schedule survives restarts: the
//! first backup after a start comes one interval after the newest scheduled one on
//! disk (or one interval after the start when there is none), so a server
//! restarted every hour still backs up daily.

use super::take::{self, Backup, Reason};
use super::{BackupError, checksum};
use crate::server::state::AppState;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Starts the job (None when backups are off).
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.config.db.backup_interval?;
    let first = every.saturating_sub(age_of_newest(&state.config.db.backup_dir).unwrap_or(Duration::ZERO));
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let _ = run_once(&state).await;
        }
    }))
}

/// How long ago the newest scheduled backup in `dir` was written.
fn age_of_newest(dir: &Path) -> Option<Duration> {
    let newest = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("folio-scheduled-"))
        .filter(|e| checksum::path_of(&e.path()).exists())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()?;
    SystemTime::now().duration_since(newest).ok()
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
