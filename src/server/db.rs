//! The database pool: SQLite by default, PostgreSQL when `DATABASE_URL` says so.
//!
//! Both engines go through sqlx's `Any` driver so there is one code path for
//! queries: portable SQL with `$1` placeholders, integers for timestamps, text for
//! exact decimals. Each engine has its own migration folder with the same schema.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Connects and brings the schema up to date.
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    install_default_drivers();
    let backend = Backend::of_url(url);
    let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
    options = match backend {
        // One writer at a time is SQLite's nature; WAL lets readers proceed meanwhile.
        Backend::Sqlite => options.max_connections(8).after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                    .await?;
                Ok(())
            })
        }),
        Backend::Postgres => options.max_connections(16),
    };
    let pool = options.connect(url).await?;
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
        Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
    }
    Ok(Db { pool, backend })
}

impl Db {
    /// True when a trivial query round-trips (used by `/readyz`).
    pub async fn is_reachable(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Seconds since the Unix epoch, the portable timestamp stored in every table.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// An exact decimal stored as text (NULL or unparsable text gives `None`).
pub fn decimal_column(row: &sqlx::any::AnyRow, column: &str) -> Option<rust_decimal::Decimal> {
    use sqlx::Row;
    row.try_get::<Option<String>, _>(column).ok().flatten().and_then(|s| s.parse().ok())
}
