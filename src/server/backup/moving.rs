//! Moving an instance to another database, typically from SQLite to PostgreSQL
//! when one machine is no longer enough: every Folio table copied into an empty
//! database at the same schema version, from one consistent snapshot, all or
//! nothing. The source is only read, so it stays usable until the person switches
//! `DATABASE_URL` over.

use super::{BackupError, copy, take};
use crate::server::db::{Backend, Db, MigrationState};
use sqlx::{Connection, Row};

/// What was copied.
#[derive(Debug)]
pub struct Moved {
    pub schema_version: i64,
    pub tables: Vec<(&'static str, u64)>,
}

/// Copies everything in `source` into the empty database at `to_url`.
pub async fn move_to(source: &Db, to_url: &str) -> Result<Moved, BackupError> {
    if source.migration_state().await? != MigrationState::Current {
        return Err(BackupError::Unsupported(
            "the source database's schema is not this Folio's: start this Folio on it once (it upgrades it), then move it"
                .into(),
        ));
    }
    let schema_version = take::schema_version(source).await?;
    let backend = Backend::of_url(to_url);
    let url = match backend {
        Backend::Sqlite if !to_url.contains('?') => format!("{to_url}?mode=rwc"),
        _ => to_url.to_string(),
    };
    sqlx::any::install_default_drivers();
    let mut target = sqlx::AnyConnection::connect(&url).await?;
    let existing = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('users', '_sqlx_migrations')"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name IN ('users', '_sqlx_migrations')"
        }
    };
    let found: i64 = sqlx::query(existing).fetch_one(&mut target).await?.try_get("n")?;
    if found > 0 {
        return Err(BackupError::Unsupported(
            "the target database already holds a Folio schema: give an empty database (createdb NAME)".into(),
        ));
    }
    let mut from = source.pool.acquire().await?;
    let copied = copy::copy_database(&mut from, source.backend, &mut target, backend, schema_version, &[]).await;
    let _ = target.close().await;
    Ok(Moved { schema_version, tables: copied? })
}
