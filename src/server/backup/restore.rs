//! Putting a backup in place of the database, only when it is sound and no server
//! has the database open. Every backup is a SQLite file (see [`super::take`]); a
//! SQLite database is replaced by it, a PostgreSQL one is filled from it.
//!
//! Checked first, before anything is touched: the checksum file beside the backup,
//! SQLite's `integrity_check` on the copy, and its schema version (a backup newer
//! than this binary is refused, as the server would refuse it). Then, holding the
//! database's "in use" lock exclusively (a running server holds it shared, see
//! [`crate::server::db::InUse`]), the backup is copied beside the database under a
//! temporary name and synced, the current file and its `-wal`/`-shm` are moved
//! aside under `.replaced-TIME`, and the copy is renamed into place: the database
//! is missing only between two renames, and any failure puts the old one back.
//!
//! For PostgreSQL, holding its advisory lock alone (every server holds it shared),
//! the current tables move into a schema `before_restore_TIME` and the backup's rows
//! are copied into a new `public` schema, in one transaction. Run it as the role
//! Folio uses (the `DATABASE_URL` it reads does): the new schema belongs to that
//! role. Anything else in `public` moves aside with Folio's tables.
//!
//! The next start applies any migrations the backup lacks (after its own backup).

use super::{BackupError, checksum};
use crate::server::db::InUse;
use chrono::{DateTime, Utc};
use sqlx::{Connection, Row};
use std::path::{Path, PathBuf};

/// A restore that happened.
#[derive(Debug)]
pub struct Restored {
    /// The SQLite file, or the PostgreSQL database's name.
    pub database: String,
    /// Where what was replaced now is: a file beside the SQLite database, or a
    /// schema in the PostgreSQL database (None when there was nothing).
    pub replaced: Option<String>,
    pub schema_version: i64,
}

/// Checks `backup` and puts it in place of the SQLite file `database`.
pub async fn restore(
    backup: &Path,
    database: &Path,
    binary_schema: i64,
    now: DateTime<Utc>,
) -> Result<Restored, BackupError> {
    let schema_version = check(backup, binary_schema).await?;
    let _alone = InUse::file_alone(database)?;
    // The whole copy is in place beside the database before anything is moved, so
    // the only moments without the old database are two renames apart.
    let incoming = with_suffix(database, ".restoring");
    if let Err(err) = copy_to(backup, &incoming) {
        let _ = std::fs::remove_file(&incoming);
        return Err(err);
    }
    let replaced = match move_aside(database, now) {
        Ok(replaced) => replaced,
        Err(err) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(err);
        }
    };
    if let Err(err) = std::fs::rename(&incoming, database) {
        if let Some(aside) = &replaced {
            // Put the old database back: the person is no worse off than before.
            let _ = rename_with_journals(aside, database);
        }
        let _ = std::fs::remove_file(&incoming);
        return Err(BackupError::io(database, err));
    }
    sync_folder(database);
    Ok(Restored {
        database: database.display().to_string(),
        replaced: replaced.map(|p| p.display().to_string()),
        schema_version,
    })
}

/// Checks `backup` and copies it into the PostgreSQL database at `url`, whose
/// current tables are moved aside into a schema `before_restore_TIME` in the same
/// transaction: all or nothing.
pub async fn restore_into_postgres(
    backup: &Path,
    url: &str,
    binary_schema: i64,
    now: DateTime<Utc>,
) -> Result<Restored, BackupError> {
    let schema_version = check(backup, binary_schema).await?;
    sqlx::any::install_default_drivers();
    let mut target = sqlx::AnyConnection::connect(url).await?;
    if !InUse::postgres_alone(&mut target).await? {
        return Err(BackupError::PostgresInUse);
    }
    let name: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(&mut target).await?;
    let aside = format!("before_restore_{}", now.format("%Y%m%d_%H%M%S"));
    let prepare = [format!("ALTER SCHEMA public RENAME TO {aside}"), "CREATE SCHEMA public".to_string()];
    let mut source = sqlx::AnyConnection::connect(&crate::server::db::sqlite_url(backup, "mode=ro")).await?;
    let copied = super::copy::copy_database(
        &mut source,
        crate::server::db::Backend::Sqlite,
        &mut target,
        crate::server::db::Backend::Postgres,
        schema_version,
        &prepare,
    )
    .await;
    let _ = source.close().await;
    let _ = InUse::postgres_release(&mut target).await;
    let _ = target.close().await;
    copied?;
    Ok(Restored { database: name, replaced: Some(format!("schema {aside}")), schema_version })
}

/// The checks before anything is touched; returns the backup's schema version.
async fn check(backup: &Path, binary_schema: i64) -> Result<i64, BackupError> {
    if !backup.is_file() {
        return Err(BackupError::io(backup, std::io::Error::new(std::io::ErrorKind::NotFound, "no such backup file")));
    }
    checksum::verify(backup).map_err(|mismatch| match mismatch {
        checksum::Mismatch::Missing(sum) | checksum::Mismatch::Unreadable(sum) => {
            BackupError::NoChecksum { file: backup.to_path_buf(), sum }
        }
        checksum::Mismatch::Differs { expected, actual } => {
            BackupError::ChecksumDiffers { file: backup.to_path_buf(), expected, actual }
        }
    })?;
    let schema_version = check_sound(backup).await?;
    if schema_version > binary_schema {
        return Err(BackupError::Newer { file: backup.to_path_buf(), backup: schema_version, binary: binary_schema });
    }
    Ok(schema_version)
}

/// Opens the copy read-only and asks SQLite whether it is sound; returns its schema version.
async fn check_sound(backup: &Path) -> Result<i64, BackupError> {
    let corrupt = |problem: String| BackupError::Corrupt { file: backup.to_path_buf(), problem };
    sqlx::any::install_default_drivers();
    let url = crate::server::db::sqlite_url(backup, "mode=ro");
    let mut conn = sqlx::AnyConnection::connect(&url).await.map_err(|e| corrupt(e.to_string()))?;
    let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&mut conn).await.map_err(|e| corrupt(e.to_string()))?;
    let findings: Vec<String> = rows.iter().filter_map(|row| row.try_get::<String, _>(0).ok()).collect();
    if findings != ["ok"] {
        return Err(corrupt(findings.into_iter().take(3).collect::<Vec<_>>().join("; ")));
    }
    let version = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| corrupt(format!("it holds no Folio schema ({e})")))?
        .try_get::<Option<i64>, _>("v")
        .map_err(|e| corrupt(e.to_string()))?
        .unwrap_or(0);
    let _ = conn.close().await;
    Ok(version)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Renames `from` to `to`, and its `-wal` and `-shm` files with it (SQLite pairs
/// them by name, so the aside copy opens with its last writes). When a journal
/// cannot follow, everything goes back where it was.
fn rename_with_journals(from: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::rename(from, to).map_err(|e| BackupError::io(from, e))?;
    let mut moved = Vec::new();
    for journal in ["-wal", "-shm"] {
        let side = with_suffix(from, journal);
        if !side.exists() {
            continue;
        }
        if let Err(err) = std::fs::rename(&side, with_suffix(to, journal)) {
            for journal in moved {
                let _ = std::fs::rename(with_suffix(to, journal), with_suffix(from, journal));
            }
            let _ = std::fs::rename(to, from);
            return Err(BackupError::io(&side, err));
        }
        moved.push(journal);
    }
    Ok(())
}

fn move_aside(database: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>, BackupError> {
    if !database.exists() {
        return Ok(None);
    }
    // A second restore in the same second must not overwrite the first one's aside.
    let stem = format!(".replaced-{}", now.format("%Y%m%dT%H%M%SZ"));
    let mut aside = with_suffix(database, &stem);
    let mut n = 2;
    while aside.exists() {
        aside = with_suffix(database, &format!("{stem}-{n}"));
        n += 1;
    }
    rename_with_journals(database, &aside)?;
    Ok(Some(aside))
}

fn copy_to(backup: &Path, incoming: &Path) -> Result<(), BackupError> {
    std::fs::copy(backup, incoming).map_err(|e| BackupError::io(incoming, e))?;
    std::fs::File::open(incoming).and_then(|f| f.sync_all()).map_err(|e| BackupError::io(incoming, e))
}

/// Makes the renames durable (a power cut after a restore must not bring back the old names).
fn sync_folder(database: &Path) {
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
    }
}
