//! The database pool: SQLite by default, PostgreSQL when `DATABASE_URL` says so.
//!
//! Both engines go through sqlx's `Any` driver so there is one code path for
//! queries: portable SQL with `$1` placeholders, integers for timestamps, text for
//! exact decimals. Each engine has its own migration folder with the same schema.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::ops::{Deref, DerefMut};
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

/// A write transaction whose connection never goes back to the pool in doubt.
///
/// sqlx's own `Transaction` returns its connection to the pool even when COMMIT
/// failed. SQLite may or may not have rolled back after `SQLITE_FULL`, and sqlx
/// then believes the connection is still inside a transaction: later
/// "transactions" on it become savepoints whose commit writes nothing, so writes
/// were acknowledged and lost. Here BEGIN, COMMIT and ROLLBACK are plain statements
/// and any of them failing closes the connection instead of returning it; a
/// transaction dropped without an end is rolled back in the background and its
/// connection closed if that fails too.
pub struct WriteTx {
    conn: Option<PoolConnection<Any>>,
}

impl WriteTx {
    /// Takes a connection and opens a transaction on it. SQLite's `BEGIN IMMEDIATE`
    /// takes the write lock at once, so two writers queue instead of failing later
    /// when a read lock cannot be upgraded.
    pub async fn begin(db: &Db) -> Result<Self, sqlx::Error> {
        let mut conn = db.pool.acquire().await?;
        let begin = match db.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        if let Err(err) = conn.execute(begin).await {
            conn.close_on_drop();
            return Err(err);
        }
        Ok(Self { conn: Some(conn) })
    }

    /// Commits; on failure the connection is closed, never reused.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.finish("COMMIT").await
    }

    /// Rolls back; on failure the connection is closed, never reused.
    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        self.finish("ROLLBACK").await
    }

    async fn finish(&mut self, statement: &str) -> Result<(), sqlx::Error> {
        let mut conn = self.conn.take().expect("a transaction ends once");
        let result = conn.execute(statement).await.map(|_| ());
        if result.is_err() {
            conn.close_on_drop();
        }
        result
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("an open transaction")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("an open transaction")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if conn.execute("ROLLBACK").await.is_err() {
                        conn.close_on_drop();
                    }
                });
            }
            Err(_) => conn.close_on_drop(),
        }
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
