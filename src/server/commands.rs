//! The `folio` binary's commands. A handful, with at most three words each, so
//! they are read by hand rather than through an argument-parsing crate:
//!
//! - `folio` (or `folio serve`): the server.
//! - `folio backup`: a consistent copy of the database into `FOLIO_BACKUP_DIR`,
//!   safe while the server runs.
//! - `folio restore FILE`: a checked backup in place of the database (server stopped).
//! - `folio migrate-db --to URL`: everything copied into another, empty database.

use super::backup::{restore, take};
use super::config::Config;
use super::db;
use std::path::PathBuf;

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Backup,
    Restore(PathBuf),
    /// Copy everything into another (empty) database.
    MigrateDb(String),
    Help,
}

pub const USAGE: &str = "usage: folio [serve]        run the server (configured by the environment and .env)
       folio backup         copy the database into FOLIO_BACKUP_DIR (default data/backups), while the server runs
       folio restore FILE   put a backup in place of the database (stop the server first)
       folio migrate-db --to URL
                            copy everything into another, empty database (e.g. postgres://user@host/folio)";

/// Reads the arguments after the program's name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Serve),
        [one] if one == "serve" => Ok(Command::Serve),
        [one] if one == "backup" => Ok(Command::Backup),
        [one] if one == "help" || one == "--help" || one == "-h" => Ok(Command::Help),
        [one, file] if one == "restore" => Ok(Command::Restore(PathBuf::from(file))),
        [one] if one == "restore" => Err("restore needs the backup file: folio restore FILE".into()),
        [one, flag, url] if one == "migrate-db" && flag == "--to" => Ok(Command::MigrateDb(url.clone())),
        [one, ..] if one == "migrate-db" => Err("migrate-db needs the target: folio migrate-db --to URL".into()),
        _ => Err(format!("unknown command: {}", args.join(" "))),
    }
}

/// Runs `folio backup`; returns what to print.
pub async fn backup() -> Result<String, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    config.db.create_folder().map_err(|e| e.to_string())?;
    let db = db::open(&config.db.url).await.map_err(|e| format!("cannot open the database: {e}"))?;
    let backup = take::take(&db, &config.db.backup_dir, take::Reason::Manual, chrono::Utc::now())
        .await
        .map_err(|e| format!("backup failed: {e}"))?;
    db.pool.close().await;
    Ok(format!(
        "backup written: {}\n  schema version {}, {} bytes, sha256 {}\n  check a copy anywhere with: cd {} && sha256sum -c {}",
        backup.path.display(),
        backup.schema_version,
        backup.bytes,
        backup.sha256,
        backup.path.parent().map(|p| p.display().to_string()).unwrap_or_else(|| ".".into()),
        super::backup::checksum::path_of(&backup.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    ))
}

/// Runs `folio restore FILE`; returns what to print.
pub async fn restore(file: PathBuf) -> Result<String, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    config.db.create_folder().map_err(|e| e.to_string())?;
    let backend = db::Backend::of_url(&config.db.url);
    let binary_schema = backend.migrator().iter().map(|m| m.version).max().unwrap_or(0);
    let now = chrono::Utc::now();
    let restored = match db::sqlite_file(&config.db.url) {
        Some(database) => restore::restore(&file, &database, binary_schema, now).await,
        None if backend == db::Backend::Postgres => {
            restore::restore_into_postgres(&file, &config.db.url, binary_schema, now).await
        }
        None => return Err("DATABASE_URL names an in-memory database: there is nothing to restore into".into()),
    }
    .map_err(|e| format!("not restored: {e}"))?;
    let replaced = match &restored.replaced {
        Some(aside) => format!("\n  what it replaced is kept: {aside}"),
        None => String::new(),
    };
    Ok(format!(
        "restored {} (schema version {}) to {}{replaced}\n  start the server: it brings the schema up to date if the backup is older",
        file.display(),
        restored.schema_version,
        restored.database,
    ))
}

/// Runs `folio migrate-db --to URL`; returns what to print.
pub async fn migrate_db(to: String) -> Result<String, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    config.db.create_folder().map_err(|e| e.to_string())?;
    let source = db::open(&config.db.url).await.map_err(|e| format!("cannot open the database: {e}"))?;
    let moved = super::backup::moving::move_to(&source, &to).await.map_err(|e| format!("nothing was copied: {e}"))?;
    let rows: Vec<String> = moved.tables.iter().map(|(table, n)| format!("{table} {n}")).collect();
    Ok(format!(
        "copied schema version {} and every row ({}) into the new database\n  set DATABASE_URL to it and start the server; the old database is unchanged",
        moved.schema_version,
        rows.join(", "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn commands_are_read_and_mistakes_are_named() {
        assert_eq!(parse(&args("")), Ok(Command::Serve));
        assert_eq!(parse(&args("serve")), Ok(Command::Serve));
        assert_eq!(parse(&args("backup")), Ok(Command::Backup));
        assert_eq!(parse(&args("restore b.sqlite")), Ok(Command::Restore("b.sqlite".into())));
        assert_eq!(parse(&args("--help")), Ok(Command::Help));
        assert!(parse(&args("restore")).unwrap_err().contains("needs the backup file"));
        assert!(parse(&args("backup now")).unwrap_err().contains("unknown command: backup now"));
        assert_eq!(parse(&args("migrate-db --to postgres://h/db")), Ok(Command::MigrateDb("postgres://h/db".into())));
        assert!(parse(&args("migrate-db postgres://h/db")).unwrap_err().contains("--to URL"));
    }
}
