//! Bringing a database up to this binary's schema at startup, safely.
//!
//! sqlx's `Migrator::run` applies each pending migration in its own transaction, so
//! when the second of two fails the first stays applied and the database is in a
//! state no Folio version ever had. Here the checks come first (a database a newer
//! Folio already migrated is refused, never silently downgraded; an applied
//! migration whose file changed is refused), then a backup of a database that holds
//! a schema (on either engine), then every pending migration inside one transaction: all or nothing.

use super::take::{self, Backup, Reason};
use crate::server::db::Db;
use chrono::{DateTime, Utc};
use sqlx::Connection;
use sqlx::migrate::{Migrate, Migration, Migrator};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What happened to the schema.
#[derive(Debug)]
pub enum Upgrade {
    /// Nothing to apply.
    Current,
    /// Migrations were applied, after a backup when the database held a schema.
    Applied { versions: Vec<i64>, backup: Option<Backup> },
}

/// Why the server did not start on this database. Each names what to do.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error(
        "the database has schema version {database}, but this Folio knows versions up to {binary}: a newer Folio has \
         used it. Start that version again, or restore a backup taken before it upgraded (folio restore FILE); this \
         version will not downgrade it"
    )]
    Newer { database: i64, binary: i64 },
    #[error("migration {version} was changed after it was applied to this database (its checksum differs)")]
    Changed { version: i64 },
    #[error("migration {version} was left half-applied by an earlier start: restore a backup (folio restore FILE)")]
    Dirty { version: i64 },
    #[error(
        "could not back up the database before upgrading it, so nothing was changed: {source}. Free some space or set \
         FOLIO_BACKUP_DIR to a writable folder"
    )]
    Backup { source: super::BackupError },
    #[error(
        "migration {version} ({description}) failed: {error}. The database was left as it was{}",
        backup.as_ref().map(|b| format!("; a backup taken just before is at {}", b.display())).unwrap_or_default()
    )]
    Failed { version: i64, description: String, error: String, backup: Option<PathBuf> },
    #[error("the database answered with an error while checking its schema: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the schema's migration records could not be read: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Applies `migrator`'s pending migrations to `db`, taking a backup into `backups`
/// first when the database already holds a schema.
pub async fn bring_up_to_date(
    db: &Db,
    migrator: &Migrator,
    backups: &Path,
    now: DateTime<Utc>,
) -> Result<Upgrade, UpgradeError> {
    let had_schema = take::schema_version(db).await? > 0;
    let mut conn = db.pool.acquire().await?;
    // Two instances starting at once on PostgreSQL: one migrates, the other waits.
    if migrator.locking {
        conn.lock().await?;
    }
    let result = apply_pending(db, &mut conn, migrator, had_schema, backups, now).await;
    if migrator.locking {
        conn.unlock().await?;
    }
    result
}

async fn apply_pending(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    migrator: &Migrator,
    had_schema: bool,
    backups: &Path,
    now: DateTime<Utc>,
) -> Result<Upgrade, UpgradeError> {
    conn.ensure_migrations_table().await?;
    if let Some(version) = conn.dirty_version().await? {
        return Err(UpgradeError::Dirty { version });
    }
    let known: BTreeMap<i64, &Migration> =
        migrator.iter().filter(|m| m.migration_type.is_up_migration()).map(|m| (m.version, m)).collect();
    let applied = conn.list_applied_migrations().await?;
    let binary = known.keys().next_back().copied().unwrap_or(0);
    if let Some(database) = applied.iter().map(|a| a.version).filter(|v| !known.contains_key(v)).max() {
        return Err(UpgradeError::Newer { database, binary });
    }
    if let Some(changed) = applied.iter().find(|a| known.get(&a.version).is_some_and(|m| m.checksum != a.checksum)) {
        return Err(UpgradeError::Changed { version: changed.version });
    }
    let pending: Vec<&Migration> =
        known.values().filter(|m| !applied.iter().any(|a| a.version == m.version)).copied().collect();
    if pending.is_empty() {
        return Ok(Upgrade::Current);
    }
    let backup = match had_schema {
        true => Some(
            take::take(db, backups, Reason::BeforeUpgrade, now)
                .await
                .map_err(|source| UpgradeError::Backup { source })?,
        ),
        false => None,
    };
    if let Some(backup) = &backup {
        tracing::info!(path = %backup.path.display(), bytes = backup.bytes, "backed up the database before upgrading it");
    }
    let mut tx = conn.begin().await?;
    for migration in &pending {
        if let Err(err) = tx.apply(migration).await {
            let failed = UpgradeError::Failed {
                version: migration.version,
                description: migration.description.to_string(),
                error: err.to_string(),
                backup: backup.as_ref().map(|b| b.path.clone()),
            };
            // Dropping the transaction would roll back in the background; wait for it.
            let _ = tx.rollback().await;
            return Err(failed);
        }
    }
    tx.commit().await?;
    let versions = pending.iter().map(|m| m.version).collect();
    Ok(Upgrade::Applied { versions, backup })
}
