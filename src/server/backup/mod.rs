//! Backups and safe upgrades: a person's ledger survives a bad disk, a bad upgrade
//! and a move.
//!
//! - [`take`]: a consistent copy of the running database, named with why it was
//!   taken, its schema version and the time, with a `sha256sum` checksum beside it.
//! - [`upgrade`]: how the server brings a database up to date: a newer schema is
//!   refused, a backup is taken before any migration is applied to a database that
//!   holds one, and all pending migrations run in one transaction, so a failing one
//!   leaves the database as it was.
//! - [`restore`]: checks a backup (checksum, `integrity_check`, schema version) and
//!   puts it in place of the database while no server has it open, keeping the
//!   replaced file aside.
//! - [`schedule`]: the server's periodic backup, pruned to the newest N.
//! - [`copy`]: Folio's tables from one database to another, either engine: how a
//!   PostgreSQL database is backed up and restored, and (in [`moving`]) how an
//!   instance moves from SQLite to PostgreSQL.

pub mod checksum;
pub mod copy;
pub mod moving;
pub mod restore;
pub mod schedule;
pub mod take;
pub mod upgrade;

use std::path::{Path, PathBuf};

/// Why a backup or a restore did not happen. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Unsupported(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the database answered with an error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{} has no checksum file beside it ({}): it cannot be checked, so it is not restored", file.display(), sum.display())]
    NoChecksum { file: PathBuf, sum: PathBuf },
    #[error("{} does not match its checksum (expected {expected}, found {actual}): the copy is damaged or was changed", file.display())]
    ChecksumDiffers { file: PathBuf, expected: String, actual: String },
    #[error("{} is not a sound SQLite database: {problem}", file.display())]
    Corrupt { file: PathBuf, problem: String },
    #[error("{} holds schema version {backup}, newer than this Folio knows ({binary}): restore it with the Folio that made it", file.display())]
    Newer { file: PathBuf, backup: i64, binary: i64 },
    #[error("{} is open in a running Folio: stop the server first, then restore", database.display())]
    InUse { database: PathBuf },
    #[error("a Folio server has the PostgreSQL database open: stop every instance first, then restore")]
    PostgresInUse,
}

impl BackupError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        BackupError::Io { path: path.to_path_buf(), source }
    }
}
