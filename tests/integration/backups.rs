//! Backups and safe upgrades: a backup taken during 30 s of writes holds every write
//! acknowledged before it and restores to a sound database; a failing migration
//! changes nothing (byte for byte on SQLite) and leaves its backup, and the server
//! refuses to start on it, naming the migration, its error and the backup; a database a
//! newer Folio used is refused at start; a damaged, unchecked or too-new backup is
//! never restored; a PostgreSQL restore keeps the replaced tables in a schema
//! aside; the `folio` binary's `backup` and `restore` do what they say;
//! scheduled backups are whole, pruned to the newest N, counted in `/metrics`, and
//! due at once after a restart that comes late.
//!
//! Every backup is a SQLite file (PostgreSQL's tables are exported into one), so
//! the tests run on both engines; only byte-for-byte file checks and the binary's
//! file locks are SQLite's own.

use crate::helpers::{TestApp, TestDatabase, signup_token, spawn_app, spawn_app_with};
use crate::operations::{METRICS_TOKEN, scrape, series};
use folio::server::backup::schedule;
use folio::server::backup::take::{self, Reason};
use folio::server::backup::upgrade::{self, UpgradeError};
use folio::server::backup::{BackupError, checksum, restore};
use folio::server::db::{self, Backend};
use serde_json::{Value, json};
use sqlx::{Connection, Row};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn latest_schema() -> i64 {
    Backend::Sqlite.migrator().iter().map(|m| m.version).max().unwrap()
}

fn scratch_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let dir = std::env::temp_dir().join(format!("folio-backups-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// A copy's schema version, its users, its activity ids and SQLite's verdict on it,
/// read without touching it.
async fn inspect(file: &Path) -> (i64, i64, Vec<i64>, String) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", file.display())).await.unwrap();
    let verdict: String = sqlx::query("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap().get(0);
    let schema: i64 = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("v");
    let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&mut conn).await.unwrap().get("n");
    let ids = match schema >= 3 {
        true => sqlx::query("SELECT id FROM activities ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>("id"))
            .collect(),
        false => Vec::new(),
    };
    conn.close().await.unwrap();
    (schema, users, ids, verdict)
}

/// The activity ids in the database at `url`, either engine.
async fn activity_ids(url: &str) -> Vec<i64> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let ids = sqlx::query("SELECT id FROM activities ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>("id"))
        .collect();
    conn.close().await.unwrap();
    ids
}

fn the_other(engine: Backend) -> Backend {
    match engine {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    }
}

/// For `upgrades.rs`: starting on a database at `version` took one backup just
/// before migrating, holding that version and the user.
pub async fn assert_backed_up_before_upgrading(app: &TestApp, version: i64) {
    let backups: Vec<PathBuf> = std::fs::read_dir(&app.config.db.backup_dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect::<Vec<PathBuf>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p: &PathBuf| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("folio-before-upgrade-") && name.ends_with(".sqlite")
        })
        .collect();
    assert_eq!(backups.len(), 1, "one backup before upgrading from {version}: {backups:?}");
    let name = backups[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains(&format!("-schema{version}-")), "{name}");
    assert!(checksum::verify(&backups[0]).is_ok(), "{name}");
    let (schema, users, _, verdict) = inspect(&backups[0]).await;
    assert_eq!((schema, users, verdict.as_str()), (version, 1, "ok"), "the backup is the database as it was");
}

/// How long the writers write while a backup is taken.
const WRITING: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_backup_taken_during_writes_holds_every_write_acknowledged_before_it_and_restores_sound() {
    let app = spawn_app().await;
    let engine = app.running.state.db.backend;
    let token = signup_token(&app, "Writer").await;
    let acknowledged: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let began = Instant::now();
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (client, url, token, acknowledged) =
                (app.client.clone(), app.url("/api/activities"), token.clone(), acknowledged.clone());
            tokio::spawn(async move {
                loop {
                    let deposit = json!({"kind": "deposit", "date": "2026-10-01", "amount": "1.25"});
                    let response = client.post(&url).bearer_auth(&token).json(&deposit).send().await.unwrap();
                    assert_eq!(response.status(), 201);
                    let body: Value = response.json().await.unwrap();
                    let id = body["data"]["id"].as_i64().unwrap();
                    acknowledged.lock().unwrap().push((id, Instant::now()));
                }
            })
        })
        .collect();
    let count = || acknowledged.lock().unwrap().len();
    let wait_for = |n: usize| async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while count() < n {
            assert!(Instant::now() < deadline, "waited 30 s for {n} writes");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    // Writes for WRITING in all, the backup taken halfway through.
    wait_for(40).await;
    tokio::time::sleep_until((began + WRITING / 2).into()).await;
    let started = Instant::now();
    let backup =
        take::take(&app.running.state.db, &app.config.db.backup_dir, Reason::Manual, app.running.state.clock.now())
            .await
            .unwrap();
    let at_backup = count();
    // Writes went on meanwhile and go on after it.
    wait_for(at_backup + 40).await;
    tokio::time::sleep_until((began + WRITING).into()).await;
    writers.iter().for_each(|w| w.abort());
    let before: Vec<i64> =
        acknowledged.lock().unwrap().iter().filter(|(_, at)| *at < started).map(|(id, _)| *id).collect();
    assert!(before.len() >= 40);

    // The copy is sound and holds every acknowledged write.
    let (schema, _, in_backup, verdict) = inspect(&backup.path).await;
    assert_eq!((schema, verdict.as_str()), (latest_schema(), "ok"));
    let missing: Vec<&i64> = before.iter().filter(|id| in_backup.binary_search(id).is_err()).collect();
    assert!(missing.is_empty(), "acknowledged before the backup but not in it: {missing:?}");

    // The running server's database cannot be replaced under it.
    let now = chrono::Utc::now();
    let refused = match engine {
        Backend::Sqlite => {
            let live = db::sqlite_file(&app.config.db.url).unwrap();
            restore::restore(&backup.path, &live, latest_schema(), now).await.unwrap_err()
        }
        Backend::Postgres => {
            restore::restore_into_postgres(&backup.path, &app.config.db.url, latest_schema(), now).await.unwrap_err()
        }
    };
    assert!(matches!(refused, BackupError::InUse { .. } | BackupError::PostgresInUse), "{refused}");
    assert!(refused.to_string().contains("stop"), "{refused}");

    // Restored into an empty database of the same engine: the same rows.
    let (_elsewhere, url) = TestDatabase::empty(engine).await.expect("the app's own engine answers");
    let restored = match engine {
        Backend::Sqlite => {
            restore::restore(&backup.path, &db::sqlite_file(&url).unwrap(), latest_schema(), now).await.unwrap()
        }
        Backend::Postgres => restore::restore_into_postgres(&backup.path, &url, latest_schema(), now).await.unwrap(),
    };
    assert_eq!(restored.schema_version, latest_schema());
    assert_eq!(activity_ids(&url).await, in_backup);
}

#[tokio::test]
async fn an_instance_moved_to_the_other_engine_serves_the_same_numbers() {
    let app = spawn_app().await;
    let token = signup_token(&app, "Mover").await;
    for body in [
        json!({"kind": "deposit", "date": "2026-08-03", "amount": "10000.50", "note": "first pay"}),
        json!({"kind": "buy", "date": "2026-08-10", "symbol": "AAPL", "quantity": "10", "price": "150.25", "fee": "1.5"}),
        json!({"kind": "sell", "date": "2026-09-01", "symbol": "AAPL", "quantity": "4", "price": "160", "fee": "0.75"}),
        json!({"kind": "dividend", "date": "2026-09-15", "symbol": "AAPL", "amount": "2.40"}),
    ] {
        let created = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201, "{body}");
    }
    let Some((_target, url)) = TestDatabase::empty(the_other(app.running.state.db.backend)).await else { return };
    let moved = folio::server::backup::moving::move_to(&app.running.state.db, &url).await.unwrap();
    assert_eq!(moved.schema_version, latest_schema());
    let every = activity_ids(&app.config.db.url).await.len() as u64;
    assert!(every > 4, "the demo's activities and these four");
    assert!(moved.tables.contains(&("activities", every)), "{:?}", moved.tables);

    // Refused a second time: the target is no longer empty.
    assert!(folio::server::backup::moving::move_to(&app.running.state.db, &url).await.is_err());

    let moved_app = app.on_database(&url).await;
    let new_token = moved_app.token("Mover", "long enough pw").await;
    for path in ["/api/activities", "/api/dashboard/overview", "/api/dashboard/positions", "/api/dashboard/performance"]
    {
        let before: Value = app.get_with_token(path, &token).await.json().await.unwrap();
        let after: Value = moved_app.get_with_token(path, &new_token).await.json().await.unwrap();
        assert_eq!(before["status"], "success", "{path}: {before}");
        assert_eq!(after, before, "{path}");
    }
    // And the moved instance takes new writes (its id sequences were moved on).
    let deposit = json!({"kind": "deposit", "date": "2026-10-01", "amount": "5"});
    let created = moved_app.client.post(moved_app.url("/api/activities")).bearer_auth(&new_token).json(&deposit).send();
    assert_eq!(created.await.unwrap().status(), 201);
}

/// Writes everything committed into the database file itself (an empty WAL) and
/// closes the pool, so the file's bytes are the whole database.
async fn settle_into_file(db: db::Db) {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await.unwrap();
    db.pool.close().await;
}

/// This binary's migrations, then a good one and a failing one: all or nothing.
async fn failing_migrator(engine: &str) -> sqlx::migrate::Migrator {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    let dir = scratch_dir(&format!("migrations-{engine}"));
    for file in std::fs::read_dir(source).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), dir.join(file.file_name())).unwrap();
    }
    std::fs::write(dir.join("0098_probe.sql"), "CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY);\n").unwrap();
    std::fs::write(dir.join("0099_breaks.sql"), "INSERT INTO no_such_table VALUES (1);\n").unwrap();
    sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap()
}

#[tokio::test]
async fn a_failing_migration_leaves_the_database_byte_identical_with_its_backup_beside_it() {
    let dir = scratch_dir("failing");
    let file = dir.join("folio.db");
    let url = sqlite_url(&file);
    let db = db::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('A', 'a', 'x', 1)")
        .execute(&db.pool)
        .await
        .unwrap();
    settle_into_file(db).await;
    let before = std::fs::read(&file).unwrap();

    let db = db::open(&url).await.unwrap();
    let backups = dir.join("backups");
    let err = upgrade::bring_up_to_date(&db, &failing_migrator("sqlite").await, &backups, chrono::Utc::now())
        .await
        .unwrap_err();
    let UpgradeError::Failed { version, backup: Some(backup), .. } = &err else { panic!("{err}") };
    assert_eq!(*version, 99);
    let said = err.to_string();
    for part in ["migration 99 (breaks) failed", "no such table", "left as it was", &backup.display().to_string()] {
        assert!(said.contains(part), "{part:?} in {said}");
    }
    db.pool.close().await;
    drop(db);
    let after = std::fs::read(&file).unwrap();
    let differ: Vec<usize> = (0..before.len().min(after.len())).filter(|i| before[*i] != after[*i]).take(20).collect();
    assert!(after == before, "the database file changed: {} -> {} bytes, at {differ:?}", before.len(), after.len());
    assert!(checksum::verify(backup).is_ok());
    let (schema, users, _, verdict) = inspect(backup).await;
    assert_eq!((schema, users, verdict.as_str()), (latest_schema(), 1, "ok"));
}

#[tokio::test]
async fn a_failing_migration_applies_none_of_the_pending_ones_on_either_engine() {
    let app = spawn_app().await;
    let db = db::open(&app.config.db.url).await.unwrap();
    let engine = if db.backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let err =
        upgrade::bring_up_to_date(&db, &failing_migrator(engine).await, &app.config.db.backup_dir, chrono::Utc::now())
            .await
            .unwrap_err();
    assert!(matches!(err, UpgradeError::Failed { version: 99, .. }), "{err}");
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("version"))
        .collect();
    assert_eq!(versions.last(), Some(&latest_schema()), "98 went with 99: {versions:?}");
    assert!(sqlx::query("SELECT COUNT(*) FROM upgrade_probe").fetch_one(&db.pool).await.is_err());
    // The running server never noticed.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

/// Every migration recorded as applied, and the users, read on a connection of its own.
async fn schema_and_users(url: &str) -> (Vec<i64>, Vec<String>, bool) {
    let db = db::open(url).await.unwrap();
    let read = |sql: &'static str| sqlx::query(sql).fetch_all(&db.pool);
    let versions = read("SELECT version FROM _sqlx_migrations ORDER BY version").await.unwrap();
    let versions = versions.iter().map(|r| r.get(0)).collect();
    let users = read("SELECT username FROM users ORDER BY username").await.unwrap();
    let users = users.iter().map(|r| r.get(0)).collect();
    let probe = sqlx::query("SELECT COUNT(*) FROM upgrade_probe").fetch_one(&db.pool).await.is_ok();
    if db.backend == Backend::Sqlite {
        // Whatever a start committed is in the file itself after this.
        let busy: i64 = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&db.pool).await.unwrap().get(0);
        assert_eq!(busy, 0, "the checkpoint was blocked");
    }
    db.pool.close().await;
    (versions, users, probe)
}

#[tokio::test]
async fn the_server_refuses_to_start_on_a_failing_migration_and_leaves_the_database_as_it_was() {
    // The app gives the engine and the settings. The database under test is one no
    // server has open: a stopped server's last background writes could otherwise
    // still land in it while the bytes are compared.
    let app = spawn_app().await;
    let engine = app.running.state.db.backend;
    let (_database, url) = TestDatabase::empty(engine).await.expect("the app's own engine answers");
    let db = db::connect(&url).await.unwrap();
    for name in ["Ada", "Grace"] {
        sqlx::query("INSERT INTO users (username, username_key, password_hash, created_at) VALUES ($1, $2, 'x', 1)")
            .bind(name)
            .bind(name.to_lowercase())
            .execute(&db.pool)
            .await
            .unwrap();
    }
    db.pool.close().await;
    let mut config = app.config.clone();
    config.db.url = url.clone();
    config.db.backup_dir = scratch_dir("refused-start");
    let before = schema_and_users(&url).await;
    assert_eq!(before.0.last(), Some(&latest_schema()));
    assert_eq!(before.1, ["Ada", "Grace"]);
    let file = db::sqlite_file(&url);
    let bytes_before = file.as_ref().map(|f| std::fs::read(f).unwrap());

    // The next version's start: its migrations are this binary's, a good one and a failing one.
    let migrations = failing_migrator(if engine == Backend::Sqlite { "sqlite" } else { "postgres" }).await;
    let clock = app.running.state.clock.clone();
    let Err(err) = folio::server::spawn_with_migrations(config.clone(), clock.clone(), &migrations).await else {
        panic!("the server started on a failing migration")
    };
    let backups: Vec<PathBuf> = std::fs::read_dir(&config.db.backup_dir).unwrap().map(|e| e.unwrap().path()).collect();
    let backup = backups.iter().find(|p| p.extension().is_some_and(|e| e == "sqlite")).expect("a backup");
    assert_eq!(backups.len(), 2, "the backup and its checksum: {backups:?}");
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("folio-before-upgrade-schema{}-", latest_schema())), "{name}");
    let said = err.to_string();
    for part in ["migration 99 (breaks) failed", "no_such_table", "left as it was", &backup.display().to_string()] {
        assert!(said.contains(part), "{part:?} in {said}");
    }

    // Nothing changed: not the schema (98 went with 99), not the rows, not a byte of the file.
    assert_eq!(schema_and_users(&url).await, before);
    if let (Some(file), Some(bytes_before)) = (&file, &bytes_before) {
        let after = std::fs::read(file).unwrap();
        let differ: Vec<usize> =
            (0..after.len().min(bytes_before.len())).filter(|i| after[*i] != bytes_before[*i]).collect();
        assert!(
            after == *bytes_before,
            "the database file changed: {} -> {} bytes, at {:?}",
            bytes_before.len(),
            after.len(),
            &differ[..differ.len().min(20)]
        );
    }
    // The backup is whole and holds the database as it was.
    assert!(checksum::verify(backup).is_ok(), "{name}");
    let (schema, users, _, verdict) = inspect(backup).await;
    assert_eq!((schema, users, verdict.as_str()), (latest_schema(), 2, "ok"));

    // This binary's own migrations start it as before.
    let restarted = folio::server::spawn_with_clock(config, clock).await.map_err(|e| e.to_string());
    let restarted = TestApp::attach(restarted.expect("starts on its own schema"), &app);
    assert_eq!(restarted.client.get(restarted.url("/readyz")).send().await.unwrap().status(), 200);
    let ada = folio::server::auth::users::find_by_name(&restarted.running.state.db, "Ada").await.unwrap();
    assert!(ada.is_some(), "it serves the same database");
}

#[tokio::test]
async fn a_database_a_newer_folio_used_is_refused_at_start_with_what_to_do() {
    let app = spawn_app().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (999, 'from the future', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(&app.running.state.db.pool)
    .await
    .unwrap();
    let clock = app.running.state.clock.clone();
    let Err(err) = folio::server::spawn_with_clock(app.config.clone(), clock).await else {
        panic!("a second instance started on a database from a newer Folio")
    };
    let said = err.to_string();
    let knows = format!("knows versions up to {}", latest_schema());
    for part in ["schema version 999", knows.as_str(), "will not downgrade", "folio restore"] {
        assert!(said.contains(part), "{part:?} in {said}");
    }
}

/// A standalone database with one user and its manual backup.
async fn database_and_backup(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch_dir(name);
    let file = dir.join("folio.db");
    let db = db::connect(&sqlite_url(&file)).await.unwrap();
    sqlx::query("INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('A', 'a', 'x', 1)")
        .execute(&db.pool)
        .await
        .unwrap();
    let backup = take::take(&db, &dir.join("backups"), Reason::Manual, chrono::Utc::now()).await.unwrap();
    settle_into_file(db).await;
    (file, backup.path)
}

#[tokio::test]
async fn a_damaged_unchecked_or_too_new_backup_is_never_restored() {
    let (target, good) = database_and_backup("refusals").await;
    let original = std::fs::read(&target).unwrap();
    let copy = |name: &str| {
        let path = good.with_file_name(name);
        std::fs::copy(&good, &path).unwrap();
        path
    };
    let refuse = |backup: PathBuf| {
        let target = target.clone();
        async move { restore::restore(&backup, &target, latest_schema(), chrono::Utc::now()).await.unwrap_err() }
    };

    // A file that is not there is named as such.
    let missing = refuse(good.with_file_name("no-such-backup.sqlite")).await;
    assert!(missing.to_string().contains("no such backup file"), "{missing}");

    // A changed byte after the checksum was written.
    let tampered = copy("tampered.sqlite");
    std::fs::copy(checksum::path_of(&good), checksum::path_of(&tampered)).unwrap();
    let mut bytes = std::fs::read(&tampered).unwrap();
    bytes[200] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    assert!(matches!(refuse(tampered).await, BackupError::ChecksumDiffers { .. }));

    // No checksum beside it.
    let unchecked = copy("unchecked.sqlite");
    assert!(matches!(refuse(unchecked).await, BackupError::NoChecksum { .. }));

    // Damaged pages, with a checksum written after the damage: SQLite finds it.
    let corrupted = copy("corrupted.sqlite");
    let mut bytes = std::fs::read(&corrupted).unwrap();
    let page = 4096;
    for b in &mut bytes[page..page + 512] {
        *b = 0xA5;
    }
    std::fs::write(&corrupted, bytes).unwrap();
    checksum::write(&corrupted).unwrap();
    let err = refuse(corrupted).await;
    assert!(matches!(err, BackupError::Corrupt { .. }), "{err}");

    // Not a database at all.
    let garbage = good.with_file_name("garbage.sqlite");
    std::fs::write(&garbage, b"this is not a database, just some text that is long enough".repeat(100)).unwrap();
    checksum::write(&garbage).unwrap();
    assert!(matches!(refuse(garbage).await, BackupError::Corrupt { .. }));

    // Made by a newer Folio.
    let newer = copy("newer.sqlite");
    let mut conn = sqlx::AnyConnection::connect(&sqlite_url(&newer)).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (999, 'from the future', TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    checksum::write(&newer).unwrap();
    let err = refuse(newer).await;
    assert!(matches!(err, BackupError::Newer { backup: 999, .. }), "{err}");

    assert!(std::fs::read(&target).unwrap() == original, "a refused restore changed the database");
    let siblings: Vec<String> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("replaced"))
        .collect();
    assert!(siblings.is_empty(), "nothing was moved aside: {siblings:?}");

    // And the good one is restored, the old database kept aside.
    let restored = restore::restore(&good, &target, latest_schema(), chrono::Utc::now()).await.unwrap();
    let aside = restored.replaced.expect("the replaced database is kept");
    assert!(std::fs::read(&aside).unwrap() == original);
    assert_eq!(inspect(&target).await.1, 1);
}

/// Runs the `folio` binary with a configuration pointing at `database`.
fn folio(args: &[&str], database: &Path, backups: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env("DATABASE_URL", sqlite_url(database))
        .env("FOLIO_DATA_DIR", database.parent().unwrap())
        .env("FOLIO_BACKUP_DIR", backups)
        .env("FOLIO_JWT_SECRET", crate::helpers::TEST_SECRET)
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_binary_backs_up_a_running_server_and_restores_only_a_stopped_one() {
    let app = spawn_app().await;
    if app.running.state.db.backend != Backend::Sqlite {
        return; // The binary's file lock is SQLite's; PostgreSQL's restore is checked above.
    }
    signup_token(&app, "Kept").await;
    let live = db::sqlite_file(&app.config.db.url).unwrap();
    let backups = scratch_dir("cli");

    let made = folio(&["backup"], &live, &backups);
    let out = String::from_utf8_lossy(&made.stdout);
    assert!(made.status.success(), "{out}{}", String::from_utf8_lossy(&made.stderr));
    let path = out.lines().next().unwrap().strip_prefix("backup written: ").unwrap().to_string();
    assert!(path.contains("folio-manual-schema"), "{out}");
    assert!(out.contains("sha256sum -c"), "{out}");

    let refused = folio(&["restore", &path], &live, &backups);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop the server first"));

    let elsewhere = scratch_dir("cli-restored").join("folio.db");
    let restored = folio(&["restore", &path], &elsewhere, &backups);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let (_, users, _, verdict) = inspect(&elsewhere).await;
    // The demo user and the one signed up here.
    assert_eq!((users, verdict.as_str()), (2, "ok"));

    let wrong = folio(&["restore"], &live, &backups);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("usage: folio"));
}

/// The scheduled backups in `dir`, oldest first (their names hold the clock's time).
fn scheduled_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("folio-scheduled-") && name.ends_with(".sqlite")
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn scheduled_backups_are_whole_pruned_to_the_newest_two_counted_and_resume_after_a_restart() {
    let app = spawn_app_with(&[
        ("FOLIO_BACKUP_INTERVAL", "24h"),
        ("FOLIO_BACKUP_KEEP", "2"),
        ("FOLIO_METRICS_TOKEN", METRICS_TOKEN),
    ])
    .await;
    let state = &app.running.state;
    let dir = &app.config.db.backup_dir;
    signup_token(&app, "Scheduled").await;
    let outcome = |state: &folio::server::state::AppState, outcome: &str| {
        state.metrics.backups.with_label_values(&[outcome]).get()
    };
    assert_eq!((outcome(state, "ok"), state.metrics.last_backup.get()), (0, 0), "none is due at the start");
    let manual = take::take(&state.db, dir, Reason::Manual, state.clock.now()).await.unwrap();

    // Four scheduled runs a day apart on the app's clock.
    let mut written = Vec::new();
    for run in 1..=4 {
        state.clock.advance(chrono::Duration::hours(24));
        let backup = schedule::run_once(state).await.unwrap();
        let stamp = state.clock.now().format("%Y%m%dT%H%M%SZ");
        let name = backup.path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, format!("folio-scheduled-schema{}-{stamp}.sqlite", latest_schema()));
        assert_eq!(checksum::verify(&backup.path), Ok(backup.sha256.clone()), "{name} has its checksum");
        let (schema, users, _, verdict) = inspect(&backup.path).await;
        assert_eq!((schema, users, verdict.as_str()), (latest_schema(), 2, "ok"), "the demo and Scheduled");
        assert_eq!(outcome(state, "ok"), run);
        assert_eq!(state.metrics.last_backup.get(), state.clock.now().timestamp());
        written.push(backup.path);
        let kept = &written[written.len().saturating_sub(2)..];
        assert_eq!(scheduled_in(dir), kept, "after run {run}: the newest two");
        for gone in &written[..written.len() - kept.len()] {
            assert!(!checksum::path_of(gone).exists(), "{} went with its checksum", gone.display());
        }
    }
    assert!(manual.path.exists() && checksum::path_of(&manual.path).exists(), "a manual backup is never pruned");
    let text = scrape(&app).await;
    assert_eq!(series(&text, r#"folio_backups_total{outcome="ok"}"#), Some(4.0), "{text}");
    let last = state.metrics.last_backup.get();
    assert_eq!(series(&text, "folio_last_backup_timestamp_seconds"), Some(last as f64), "{text}");

    // A run that cannot write (the folder is a file) is counted as failed, moves
    // no gauge and deletes nothing.
    let mut config = (*state.config).clone();
    config.db.backup_dir = manual.path.clone();
    let unwritable = folio::server::state::AppState { config: Arc::new(config), ..state.clone() };
    state.clock.advance(chrono::Duration::hours(24));
    assert!(schedule::run_once(&unwritable).await.is_err());
    assert_eq!((outcome(state, "ok"), outcome(state, "failed"), state.metrics.last_backup.get()), (4, 1, last));
    assert_eq!(scheduled_in(dir), written[2..]);

    // Restarted when the newest scheduled backup is more than a day old on the
    // clock: the new instance's loop backs up at once, not a day after its start.
    state.clock.advance(chrono::Duration::hours(1));
    // The old instance stops first (on PostgreSQL it held the leader lock, and
    // only the leader runs the schedule).
    app.running.begin_shutdown();
    let again = TestApp::attach(app.another_instance().await, &app);
    let deadline = Instant::now() + Duration::from_secs(30);
    while outcome(&again.running.state, "ok") == 0 {
        assert!(Instant::now() < deadline, "no scheduled backup 30 s after a restart with one overdue");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stamp = state.clock.now().format("%Y%m%dT%H%M%SZ").to_string();
    let kept = scheduled_in(dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0], written[3]);
    assert!(kept[1].to_string_lossy().contains(&stamp), "{kept:?}");
    assert_eq!(again.running.state.metrics.last_backup.get(), state.clock.now().timestamp());
}

/// Rows per table and Replaced's deposits (amount, note) in `schema` of the PostgreSQL database at `url`.
async fn postgres_rows(url: &str, schema: &str) -> (i64, i64, Vec<(rust_decimal::Decimal, String)>) {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let count = |table: &str| format!("SELECT COUNT(*) AS n FROM {schema}.{table}");
    let users: i64 = sqlx::query(&count("users")).fetch_one(&mut conn).await.unwrap().get("n");
    let activities: i64 = sqlx::query(&count("activities")).fetch_one(&mut conn).await.unwrap().get("n");
    let replaced = sqlx::query(&format!(
        "SELECT a.amount, a.note FROM {schema}.activities a JOIN {schema}.users u ON u.id = a.user_id
         WHERE u.username = 'Replaced' ORDER BY a.id"
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<String, _>("amount").parse().unwrap(), r.get("note")))
    .collect();
    conn.close().await.unwrap();
    (users, activities, replaced)
}

#[tokio::test]
async fn a_postgres_restore_serves_the_backup_and_keeps_the_replaced_tables_aside() {
    let app = spawn_app().await;
    if app.running.state.db.backend != Backend::Postgres {
        return; // A SQLite restore keeps the replaced file aside: checked above.
    }
    let kept = signup_token(&app, "Kept").await;
    let deposit = json!({"kind": "deposit", "date": "2026-10-01", "amount": "100", "note": "in the backup"});
    let created = app.client.post(app.url("/api/activities")).bearer_auth(&kept).json(&deposit).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let backup =
        take::take(&app.running.state.db, &scratch_dir("pg-aside"), Reason::Manual, chrono::Utc::now()).await.unwrap();

    // Another database, holding different data, served until the restore.
    let (_target, url) = TestDatabase::empty(Backend::Postgres).await.expect("the app's own engine answers");
    let other = app.on_database(&url).await;
    let replaced = signup_token(&other, "Replaced").await;
    for (amount, note) in [("777", "replaced by the restore"), ("0.05", "so was this")] {
        let deposit = json!({"kind": "deposit", "date": "2026-09-01", "amount": amount, "note": note});
        let created = other.client.post(other.url("/api/activities")).bearer_auth(&replaced).json(&deposit).send();
        assert_eq!(created.await.unwrap().status(), 201);
    }
    other.running.begin_shutdown();
    other.running.state.db.pool.close().await;
    drop(other);
    let before = postgres_rows(&url, "public").await;
    assert_eq!(before.2.len(), 2);

    // The stopped server's "in use" lock goes with its connection: wait (bounded) for it.
    let now = chrono::Utc::now();
    let deadline = Instant::now() + Duration::from_secs(30);
    let restored = loop {
        match restore::restore_into_postgres(&backup.path, &url, latest_schema(), now).await {
            Err(BackupError::PostgresInUse) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => break other.unwrap(),
        }
    };
    let aside = format!("before_restore_{}", now.format("%Y%m%d_%H%M%S"));
    assert_eq!(restored.replaced, Some(format!("schema {aside}")));

    // The restored data is what a server on that database serves.
    let served = app.on_database(&url).await;
    assert_eq!(served.login("Replaced", "long enough pw").await.status(), 401);
    let token = served.token("Kept", "long enough pw").await;
    for path in ["/api/activities", "/api/dashboard/overview"] {
        let original: Value = app.get_with_token(path, &kept).await.json().await.unwrap();
        let restored: Value = served.get_with_token(path, &token).await.json().await.unwrap();
        assert_eq!(original["status"], "success", "{path}: {original}");
        assert_eq!(restored, original, "{path}");
    }
    assert_eq!(postgres_rows(&url, "public").await.2, [], "Replaced is not in the restored tables");

    // And the replaced tables are aside, every row as it was.
    assert_eq!(postgres_rows(&url, &aside).await, before);
}

#[tokio::test]
async fn a_backup_holds_no_sign_in_attempt_and_no_upload_awaiting_confirmation() {
    let app = spawn_app().await;
    let state = &app.running.state;
    signup_token(&app, "careful").await;
    assert_eq!(app.login("careful", "not the password").await.status(), 401);
    let user: Value = app.get_as_demo("/api/auth/me").await.json().await.unwrap();
    let demo = user["data"]["id"].as_i64().unwrap();
    state.uploads.put(demo, "pending.csv".into(), b"date,kind\n".to_vec()).await.unwrap();
    let count = |table: &'static str| {
        let pool = state.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap() }
    };
    assert!(count("login_attempts").await > 0 && count("import_uploads").await == 1, "both are in the database");

    let backup = take::take(&state.db, &scratch_dir("short-lived"), Reason::Manual, state.clock.now()).await.unwrap();
    let mut file = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", backup.path.display())).await.unwrap();
    for table in ["login_attempts", "import_uploads"] {
        let n: i64 =
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&mut file).await.unwrap().get("n");
        assert_eq!(n, 0, "{table} in the backup ({:?})", state.db.backend);
    }
    let bytes = std::fs::read(&backup.path).unwrap();
    assert!(!bytes.windows(11).any(|w| w == b"pending.csv"), "no page of the upload is left in the file");
    assert!(checksum::verify(&backup.path).is_ok(), "the checksum was written after the tables were emptied");
    file.close().await.unwrap();
}
