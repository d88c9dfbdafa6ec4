//! Taking a backup while the server runs. Every backup is a SQLite file:
//! - SQLite's `VACUUM INTO` writes a consistent copy from one read transaction:
//!   every write committed before it began is in the copy, writers carry on
//!   meanwhile (WAL), and the copy is compact and self-contained.
//! - PostgreSQL's tables are read in one repeatable-read snapshot and written into a
//!   new SQLite file at the same schema version ([`copy`]): a logical export that
//!   `folio restore` puts back, and that SQLite's `integrity_check` can vouch for.
//!
//! Either is written under a temporary name and renamed once complete, then its
//! checksum is written, so a file that looks like a backup is a whole one.

use super::{BackupError, checksum, copy};
use crate::server::db::{Backend, Db};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::path::{Path, PathBuf};

/// Why a backup was taken: part of its name, and what pruning may delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `folio backup` (kept until the person deletes it).
    Manual,
    /// The scheduled job (the oldest beyond `FOLIO_BACKUP_KEEP` are deleted).
    Scheduled,
    /// Just before migrations were applied (kept).
    BeforeUpgrade,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Manual => "manual",
            Reason::Scheduled => "scheduled",
            Reason::BeforeUpgrade => "before-upgrade",
        }
    }
}

/// A backup on disk.
#[derive(Clone, Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub schema_version: i64,
    pub bytes: u64,
    pub sha256: String,
}

/// The newest schema version applied to the database (0 for an empty one).
pub async fn schema_version(db: &Db) -> Result<i64, sqlx::Error> {
    let exists = match db.backend {
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let n: i64 = sqlx::query(exists).fetch_one(&db.pool).await?.try_get("n")?;
    if n == 0 {
        return Ok(0);
    }
    let row =
        sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE").fetch_one(&db.pool).await?;
    Ok(row.try_get::<Option<i64>, _>("v")?.unwrap_or(0))
}

/// Writes a backup of `db` into `dir` (created if missing), named after the
/// reason, the schema version and the time: `folio-manual-schema6-20261128T210000Z.sqlite`.
pub async fn take(db: &Db, dir: &Path, reason: Reason, now: DateTime<Utc>) -> Result<Backup, BackupError> {
    std::fs::create_dir_all(dir).map_err(|e| BackupError::io(dir, e))?;
    let schema_version = schema_version(db).await?;
    if schema_version == 0 {
        // A mistyped path opens (and creates) an empty database: nothing to keep.
        return Err(BackupError::Unsupported(
            "the database holds no Folio schema: is DATABASE_URL (or FOLIO_DATA_DIR) the one the server uses?".into(),
        ));
    }
    let path = free_name(dir, reason, schema_version, now);
    // Two backups started in the same second by two processes: each its own partial file.
    let partial = path.with_extension(format!("sqlite.{}.partial", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let written = match db.backend {
        Backend::Sqlite => vacuum_into(db, &partial).await,
        Backend::Postgres => export_postgres(db, &partial, schema_version).await,
    };
    if let Err(err) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    sync(&partial).map_err(|e| BackupError::io(&partial, e))?;
    std::fs::rename(&partial, &path).map_err(|e| BackupError::io(&path, e))?;
    let sha256 = checksum::write(&path).map_err(|e| BackupError::io(&path, e))?;
    let bytes = std::fs::metadata(&path).map_err(|e| BackupError::io(&path, e))?.len();
    Ok(Backup { path, schema_version, bytes, sha256 })
}

/// SQLite: one statement writes the whole consistent copy; then the short-lived
/// tables ([`super::copy::NOT_COPIED`]: sign-in attempts, uploads awaiting
/// confirmation) are emptied in the copy, and the copy vacuumed so that no page
/// of theirs is left in the file, as in a PostgreSQL backup.
async fn vacuum_into(db: &Db, partial: &Path) -> Result<(), BackupError> {
    use sqlx::Connection;
    let target =
        partial.to_str().ok_or_else(|| BackupError::Unsupported(format!("{} is not UTF-8", partial.display())))?;
    sqlx::query(&format!("VACUUM INTO '{}'", target.replace('\'', "''"))).execute(&db.pool).await?;
    sqlx::any::install_default_drivers();
    let mut file = sqlx::AnyConnection::connect(&crate::server::db::sqlite_url(partial, "mode=rw")).await?;
    let emptied = async {
        for table in super::copy::NOT_COPIED {
            // A backup taken before an upgrade is of a schema that may not have it yet.
            let present: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
                    .bind(table)
                    .fetch_one(&mut file)
                    .await?;
            if present > 0 {
                sqlx::query(&format!("DELETE FROM {table}")).execute(&mut file).await?;
            }
        }
        sqlx::query("VACUUM").execute(&mut file).await?;
        Ok::<_, sqlx::Error>(())
    }
    .await;
    let _ = file.close().await;
    emptied?;
    Ok(())
}

/// PostgreSQL: every Folio table, read in one repeatable-read snapshot, written
/// into a new SQLite file at the same schema version (see [`copy`]).
async fn export_postgres(db: &Db, partial: &Path, version: i64) -> Result<(), BackupError> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut file = sqlx::AnyConnection::connect(&crate::server::db::sqlite_url(partial, "mode=rwc")).await?;
    let mut source = db.pool.acquire().await?;
    let copied = copy::copy_database(&mut source, Backend::Postgres, &mut file, Backend::Sqlite, version, &[]).await;
    let _ = file.close().await;
    copied?;
    Ok(())
}

/// Flushes the file to the disk, so a power cut after the rename keeps it whole.
fn sync(file: &Path) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()
}

/// The backup's name; a second one in the same second gets `-2`, `-3`, ...
fn free_name(dir: &Path, reason: Reason, schema: i64, now: DateTime<Utc>) -> PathBuf {
    let stem = format!("folio-{}-schema{schema}-{}", reason.as_str(), now.format("%Y%m%dT%H%M%SZ"));
    let mut path = dir.join(format!("{stem}.sqlite"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}.sqlite"));
        n += 1;
    }
    path
}

/// Deletes the oldest scheduled backups (and their checksums) beyond the newest
/// `keep`; manual and before-upgrade ones are never deleted. Returns how many went.
pub fn prune_scheduled(dir: &Path, keep: usize) -> std::io::Result<usize> {
    let prefix = format!("folio-{}-", Reason::Scheduled.as_str());
    let mut scheduled: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.ends_with(".sqlite")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    // Newest first: by time written, then by name (the name holds the time too).
    scheduled.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let mut removed = 0;
    for (_, path) in scheduled.into_iter().skip(keep) {
        std::fs::remove_file(&path)?;
        let _ = std::fs::remove_file(checksum::path_of(&path));
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_why_which_schema_and_when_and_never_collide() {
        let dir = std::env::temp_dir().join(format!("folio-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-28T21:00:05Z").unwrap().with_timezone(&Utc);
        let first = free_name(&dir, Reason::BeforeUpgrade, 6, at);
        assert_eq!(first.file_name().unwrap(), "folio-before-upgrade-schema6-20261128T210005Z.sqlite");
        std::fs::write(&first, b"x").unwrap();
        let second = free_name(&dir, Reason::BeforeUpgrade, 6, at);
        assert_eq!(second.file_name().unwrap(), "folio-before-upgrade-schema6-20261128T210005Z-2.sqlite");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pruning_keeps_the_newest_scheduled_and_every_other_kind() {
        let dir = std::env::temp_dir().join(format!("folio-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let names = [
            "folio-scheduled-schema6-20261101T000000Z.sqlite",
            "folio-scheduled-schema6-20261102T000000Z.sqlite",
            "folio-scheduled-schema6-20261103T000000Z.sqlite",
            "folio-manual-schema6-20261001T000000Z.sqlite",
            "folio-before-upgrade-schema5-20260901T000000Z.sqlite",
        ];
        for name in names {
            std::fs::write(dir.join(name), b"x").unwrap();
            checksum::write(&dir.join(name)).unwrap();
        }
        assert_eq!(prune_scheduled(&dir, 2).unwrap(), 1);
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert!(!left.iter().any(|n| n.contains("20261101")), "{left:?}");
        assert_eq!(left.len(), 8, "four backups and their checksums: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
