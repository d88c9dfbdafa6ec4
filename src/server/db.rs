//! The database pool: SQLite by default, PostgreSQL when `DATABASE_URL` says so.
//!
//! Both engines go through sqlx's `Any` driver so there is one code path for
//! queries: portable SQL with `$1` placeholders, integers for timestamps, text for
//! exact decimals. Each engine has its own migration folder with the same schema.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// A SQLite file's "in use" lock, held (shared) while this pool lives.
    pub in_use: Option<Arc<InUse>>,
}

/// Connects and applies the schema's migrations the plain way (tests and benches;
/// the server goes through [`crate::server::backup::upgrade`]).
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    let db = open(url).await?;
    db.backend.migrator().run(&db.pool).await?;
    Ok(db)
}

/// Connects without touching the schema. A SQLite file is marked in use (shared:
/// several pools may have it open, but `folio restore` waits for none).
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
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
    let in_use = match sqlite_file(url) {
        Some(file) => Some(Arc::new(InUse::take_shared(&file).map_err(sqlx::Error::Io)?)),
        None => None,
    };
    let pool = options.connect(url).await?;
    Ok(Db { pool, backend, in_use })
}

/// The file a SQLite URL names (None for PostgreSQL or an in-memory database).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A lock on `FILE.in-use` beside a SQLite database: servers hold it shared for as
/// long as they have the file open, and a restore holds it alone, so a restore
/// never replaces a file under a running server and a server never opens one that
/// is being replaced. The operating system lets go when the process ends, however
/// it ends.
#[derive(Debug)]
pub struct InUse {
    _file: std::fs::File,
}

impl InUse {
    fn path(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".in-use");
        PathBuf::from(name)
    }

    fn open(database: &Path) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new().create(true).truncate(false).read(true).write(true).open(Self::path(database))
    }

    /// For a server: fails at once while a restore is under way.
    pub fn take_shared(database: &Path) -> std::io::Result<Self> {
        let file = Self::open(database)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::other(format!(
                "{} is being restored (folio restore): start the server when it has finished",
                database.display()
            ))),
            Err(std::fs::TryLockError::Error(err)) => Err(err),
        }
    }

    /// For a restore: fails at once while any server has the database open.
    pub fn take_alone(database: &Path) -> Result<Self, crate::server::backup::BackupError> {
        use crate::server::backup::BackupError;
        let file = Self::open(database).map_err(|e| BackupError::io(&Self::path(database), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse { database: database.to_path_buf() }),
            Err(std::fs::TryLockError::Error(err)) => Err(BackupError::io(&Self::path(database), err)),
        }
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend {
    /// The migrations compiled into this binary for the engine.
    pub fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// How the database's applied migrations compare with this binary's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationState {
    Current,
    /// This binary has migrations the database has not applied.
    Pending,
    /// The database has migrations this binary does not know (a newer version ran).
    Newer,
}

impl Db {
    /// Compares the applied migrations with this binary's (one query; an error
    /// means the database did not answer).
    pub async fn migration_state(&self) -> Result<MigrationState, sqlx::Error> {
        use sqlx::Row;
        let rows =
            sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE").fetch_all(&self.pool).await?;
        let applied: std::collections::BTreeSet<i64> =
            rows.iter().map(|row| row.try_get::<i64, _>("version")).collect::<Result<_, _>>()?;
        let known: std::collections::BTreeSet<i64> =
            self.backend.migrator().iter().filter(|m| m.migration_type.is_up_migration()).map(|m| m.version).collect();
        Ok(if !applied.is_subset(&known) {
            MigrationState::Newer
        } else if applied != known {
            MigrationState::Pending
        } else {
            MigrationState::Current
        })
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
