//! Copying Folio's tables from one database to another of the same schema
//! version, whichever the engines. A PostgreSQL backup is a SQLite file written
//! this way (so every backup is one kind of file, checked by SQLite's
//! `integrity_check`), restoring it into PostgreSQL copies back, and moving an
//! instance from SQLite to PostgreSQL is the same copy.
//!
//! The two schemas agree column by column (the upgrades test compares them), and
//! every column copied is an integer or text, so a row travels as a list of
//! `Option<i64>` / `Option<String>` in the destination's declared order. Rows go in
//! batches of multi-row INSERTs; a PostgreSQL destination's id sequences are moved
//! past the copied ids afterwards.

use crate::server::db::Backend;
use futures::TryStreamExt;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::{AnyConnection, Row};
use std::borrow::Cow;

/// Folio's tables, each after the tables its foreign keys point at.
pub const TABLES: [&str; 9] = [
    "users",
    "activities",
    "portfolio_snapshots",
    "revoked_tokens",
    "stock_quotes",
    "company_profiles",
    "daily_closes",
    "history_coverage",
    "reported_splits",
];

/// Tables whose rows are not copied: short-lived state the instances share (sign-in
/// attempts of the last minute, uploads awaiting confirmation for 15 minutes, the
/// upstream call log, a 429's pause, each instance's demand). A copy has them
/// empty, as after a quiet quarter of an hour.
pub const NOT_COPIED: [&str; 5] =
    ["login_attempts", "import_uploads", "upstream_calls", "upstream_pause", "cluster_instances"];

/// Bound values per INSERT (SQLite allows 32,766, PostgreSQL 65,535).
const VALUES_PER_STATEMENT: usize = 30_000;
/// Rows per INSERT at most, however few the columns.
const ROWS_PER_STATEMENT: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
}

enum Value {
    Integer(Option<i64>),
    Text(Option<String>),
}

/// The migrations of `backend` up to and including `version`: the schema a
/// database at that version has.
pub fn migrator_up_to(backend: Backend, version: i64) -> Migrator {
    let all = backend.migrator();
    let migrations: Vec<_> = all.iter().filter(|m| m.version <= version).cloned().collect();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

/// Applies `migrator`'s migrations to an empty database through `conn` (inside
/// whatever transaction `conn` is in).
pub async fn create_schema(conn: &mut AnyConnection, migrator: &Migrator) -> Result<(), sqlx::Error> {
    let map = |e: sqlx::migrate::MigrateError| sqlx::Error::Migrate(Box::new(e));
    conn.ensure_migrations_table().await.map_err(map)?;
    for migration in migrator.iter().filter(|m| m.migration_type.is_up_migration()) {
        conn.apply(migration).await.map_err(map)?;
    }
    Ok(())
}

/// Creates the schema at `version` in the empty database behind `to` and copies
/// every row from `from` into it. `from` reads one snapshot and `to` writes in one
/// transaction, committed only when every table is copied; `prepare` runs first in
/// the destination's transaction (a restore moves the old schema aside there).
pub async fn copy_database(
    from: &mut AnyConnection,
    from_backend: Backend,
    to: &mut AnyConnection,
    to_backend: Backend,
    version: i64,
    prepare: &[String],
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    use sqlx::{Connection, Executor};
    let mut source = from.begin().await?;
    if from_backend == Backend::Postgres {
        source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    }
    let found = source_version(&mut source).await?;
    if found != version {
        return Err(sqlx::Error::Protocol(format!(
            "the source's schema is version {found}, not {version} (was it upgraded meanwhile?)"
        )));
    }
    let mut target = to.begin().await?;
    for statement in prepare {
        target.execute(statement.as_str()).await?;
    }
    create_schema(&mut target, &migrator_up_to(to_backend, version)).await?;
    refuse_unknown_tables(&mut target, to_backend).await?;
    let copied = copy_tables(&mut source, from_backend, &mut target, to_backend).await?;
    target.commit().await?;
    source.rollback().await?;
    Ok(copied)
}

/// Fails when the schema has a table neither [`TABLES`] nor [`NOT_COPIED`] lists (a
/// migration added one and this copy was not told): a copy must never leave a table
/// behind unawares.
async fn refuse_unknown_tables(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    let query = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
        }
    };
    let names: Vec<String> = sqlx::query_scalar(query).fetch_all(&mut *conn).await?;
    match names.iter().find(|n| !TABLES.contains(&n.as_str()) && !NOT_COPIED.contains(&n.as_str())) {
        Some(unknown) => Err(sqlx::Error::Protocol(format!(
            "table {unknown} is not in the copy's lists (backup::copy::TABLES, NOT_COPIED)"
        ))),
        None => Ok(()),
    }
}

/// The newest migration applied (0 for none).
pub async fn source_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE").fetch_one(conn).await?;
    Ok(row.try_get::<Option<i64>, _>("v")?.unwrap_or(0))
}

/// A table's columns as `conn`'s engine declares them, in order.
async fn columns(conn: &mut AnyConnection, backend: Backend, table: &str) -> Result<Vec<(String, Kind)>, sqlx::Error> {
    let query = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(query).bind(table).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("name")?;
            let declared: String = row.try_get("type")?;
            let kind = if declared.to_ascii_lowercase().contains("int") { Kind::Integer } else { Kind::Text };
            Ok((name, kind))
        })
        .collect()
}

/// Copies every row of every Folio table from `from` into the empty tables of
/// `to`; returns the rows copied per table. Each side's transaction is the
/// caller's (a consistent snapshot to read, all or nothing to write).
pub async fn copy_tables(
    from: &mut AnyConnection,
    from_backend: Backend,
    to: &mut AnyConnection,
    to_backend: Backend,
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    let mut copied = Vec::new();
    for table in TABLES {
        let wanted = columns(to, to_backend, table).await?;
        let mut have = columns(from, from_backend, table).await?.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        have.sort();
        let mut names: Vec<String> = wanted.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        if have.is_empty() && names.is_empty() {
            continue; // Not in the schema at this version.
        }
        if have != names {
            return Err(sqlx::Error::Protocol(format!(
                "table {table} has columns {have:?} in the source but {names:?} in the destination"
            )));
        }
        let rows = copy_table(from, to, table, &wanted).await?;
        if to_backend == Backend::Postgres && wanted.iter().any(|(n, _)| n == "id") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *to)
            .await?;
        }
        copied.push((table, rows));
    }
    Ok(copied)
}

async fn copy_table(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    table: &str,
    columns: &[(String, Kind)],
) -> Result<u64, sqlx::Error> {
    let list = columns.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let per_statement = (VALUES_PER_STATEMENT / columns.len().max(1)).clamp(1, ROWS_PER_STATEMENT);
    let select = format!("SELECT {list} FROM {table}");
    let mut rows = sqlx::query(&select).fetch(&mut *from);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_statement);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let values = columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                Ok(match kind {
                    Kind::Integer => Value::Integer(row.try_get(i)?),
                    Kind::Text => Value::Text(row.try_get(i)?),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        batch.push(values);
        if batch.len() == per_statement {
            count += insert(to, table, &list, columns.len(), &batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        count += insert(to, table, &list, columns.len(), &batch).await?;
    }
    Ok(count)
}

async fn insert(
    to: &mut AnyConnection,
    table: &str,
    list: &str,
    width: usize,
    batch: &[Vec<Value>],
) -> Result<u64, sqlx::Error> {
    let tuples: Vec<String> = (0..batch.len())
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    let statement = format!("INSERT INTO {table} ({list}) VALUES {}", tuples.join(", "));
    let mut query = sqlx::query(&statement);
    for row in batch {
        for value in row {
            query = match value {
                Value::Integer(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.clone()),
            };
        }
    }
    Ok(query.execute(&mut *to).await?.rows_affected())
}
