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
    /// "A server has this database open" (see [`InUse`]), held while this pool lives.
    pub in_use: Option<Arc<InUse>>,
}

/// Connects and applies the schema's migrations the plain way (tests and benches;
/// the server goes through [`crate::server::backup::upgrade`]).
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    let db = open(url).await?;
    db.backend.migrator().run(&db.pool).await?;
    Ok(db)
}

/// Connects without touching the schema, and marks the database in use (shared:
/// several pools may have it open, but `folio restore` runs only when none has).
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
        Some(file) => Some(Arc::new(InUse::file_shared(&file).map_err(sqlx::Error::Io)?)),
        None if backend == Backend::Postgres => Some(Arc::new(InUse::postgres_shared(url).await?)),
        None => None,
    };
    let pool = options.connect(url).await?;
    Ok(Db { pool, backend, in_use })
}

/// The file a SQLite URL names, percent-decoded as sqlx decodes it (None for
/// PostgreSQL or an in-memory database).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(percent_decode(path)))
}

/// A `sqlite://` URL for a file path, with `query` (`mode=ro`, `mode=rwc`): the
/// characters a URL would read otherwise (`%`, `?`, `#`, spaces...) are encoded,
/// so the URL opens exactly that file.
pub fn sqlite_url(file: &Path, query: &str) -> String {
    let mut url = String::from("sqlite://");
    for byte in file.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => url.push(byte as char),
            other => url.push_str(&format!("%{other:02X}")),
        }
    }
    format!("{url}?{query}")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The advisory lock key of "a Folio server uses this PostgreSQL database".
const POSTGRES_IN_USE_KEY: i64 = 0x0046_6f6c_696f; // "Folio" in ASCII

/// "A server has this database open", held for as long as its pool lives, so a
/// restore never replaces a database under a running server and a server never
/// opens one that is being replaced:
/// - SQLite: a lock on `FILE.in-use` beside the database, taken shared by servers
///   and alone by a restore. The operating system lets go when the process ends,
///   however it ends.
/// - PostgreSQL: a session advisory lock on a connection of its own, taken shared
///   by every instance and alone by a restore; PostgreSQL lets go when the
///   connection closes. (Counting connections would not do: an idle pool holds none.)
pub enum InUse {
    File(std::fs::File),
    /// Only held, never used (the mutex makes it shareable across threads).
    Postgres(std::sync::Mutex<AnyConnection>),
}

impl std::fmt::Debug for InUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InUse::File(_) => "InUse::File",
            InUse::Postgres(_) => "InUse::Postgres",
        })
    }
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

    /// For a server on a SQLite file: fails at once while a restore is under way.
    pub fn file_shared(database: &Path) -> std::io::Result<Self> {
        let file = Self::open(database)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(InUse::File(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::other(format!(
                "{} is being restored (folio restore): start the server when it has finished",
                database.display()
            ))),
            Err(std::fs::TryLockError::Error(err)) => Err(err),
        }
    }

    /// For a restore of a SQLite file: fails at once while any server has it open.
    pub fn file_alone(database: &Path) -> Result<Self, crate::server::backup::BackupError> {
        use crate::server::backup::BackupError;
        let file = Self::open(database).map_err(|e| BackupError::io(&Self::path(database), e))?;
        match file.try_lock() {
            Ok(()) => Ok(InUse::File(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::InUse { database: database.to_path_buf() }),
            Err(std::fs::TryLockError::Error(err)) => Err(BackupError::io(&Self::path(database), err)),
        }
    }

    /// For a server on PostgreSQL: fails at once while a restore is under way.
    pub async fn postgres_shared(url: &str) -> Result<Self, sqlx::Error> {
        let mut conn = <AnyConnection as sqlx::Connection>::connect(url).await?;
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock_shared($1)")
            .bind(POSTGRES_IN_USE_KEY)
            .fetch_one(&mut conn)
            .await?;
        if !held {
            return Err(sqlx::Error::Protocol(
                "the database is being restored (folio restore): start the server when it has finished".into(),
            ));
        }
        Ok(InUse::Postgres(std::sync::Mutex::new(conn)))
    }

    /// For a restore into PostgreSQL, on the restore's own connection (held until
    /// it closes): false while any server has the database open.
    pub async fn postgres_alone(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(POSTGRES_IN_USE_KEY).fetch_one(conn).await
    }

    /// Lets go of [`InUse::postgres_alone`]'s lock now. Closing the connection lets
    /// go too, but only once PostgreSQL has noticed, so a server started right
    /// after a restore could still find the database "being restored".
    pub async fn postgres_release(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(POSTGRES_IN_USE_KEY).execute(conn).await.map(|_| ())
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

/// Milliseconds since the Unix epoch: the wall clock that the instances sharing a
/// database agree on, for windows shorter than a second's rounding allows.
pub fn now_unix_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// An exact decimal stored as text (NULL or unparsable text gives `None`).
pub fn decimal_column(row: &sqlx::any::AnyRow, column: &str) -> Option<rust_decimal::Decimal> {
    use sqlx::Row;
    row.try_get::<Option<String>, _>(column).ok().flatten().and_then(|s| s.parse().ok())
}
