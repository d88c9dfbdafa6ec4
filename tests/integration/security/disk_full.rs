//! Finding 1: after one failed COMMIT on a full disk, writes were acknowledged and
//! never saved. The data lives on a small tmpfs that the test fills and frees
//! again: every write answered 2xx must be there after a restart, every other
//! write must answer 507/503 in the envelope and leave nothing behind, and the
//! server must recover by itself once space returns.
//!
//! SQLite: the whole database file is on the tmpfs. PostgreSQL: the activities
//! table is moved into a tablespace on it (the server's own disk is not the
//! test's to fill), so an insert fails with `53100 disk_full`.

use super::{new_user, post_activity};
use crate::helpers::{TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for one test and unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// A tmpfs of `megabytes`, owned by `owner` (`uid:gid`) when given.
    fn mount(megabytes: u32, owner: Option<&str>) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("folio-full-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut options = format!("size={megabytes}m,mode=0700");
        if let Some((uid, gid)) = owner.and_then(|o| o.split_once(':')) {
            options.push_str(&format!(",uid={uid},gid={gid}"));
        }
        let status = Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(&dir).status();
        match status {
            Ok(s) if s.success() => Some(Self { dir }),
            _ => {
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }

    /// Fills every free byte with a file (removed by `free`).
    fn fill(&self) {
        let mut file = std::fs::File::create(self.filler()).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // The last partial chunk too.
        while file.write_all(&[0u8; 512]).is_ok() {}
        while file.write_all(&[0u8]).is_ok() {}
        let _ = file.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }

    fn filler(&self) -> PathBuf {
        self.dir.join("filler")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

async fn app_on(url: &str) -> TestApp {
    spawn_app_with(&[("DATABASE_URL", url), ("FOLIO_SEED_DEMO", "false")]).await
}

/// Where the test's data lives, and how to fill its disk.
enum Storage {
    Sqlite { disk: SmallDisk, file: PathBuf },
    Postgres { disk: SmallDisk, tablespace: String },
}

impl Storage {
    async fn prepare() -> Option<Self> {
        if std::env::var("FOLIO_TEST_DB").as_deref() == Ok("postgres") {
            let owner = Command::new("sh").args(["-c", "echo $(id -u postgres):$(id -g postgres)"]).output().ok()?;
            let owner = String::from_utf8_lossy(&owner.stdout).trim().to_string();
            let disk = SmallDisk::mount(8, Some(&owner))?;
            let tablespace = format!("folio_full_{}_{}", std::process::id(), rand_suffix());
            let admin = admin().await;
            sqlx::query(&format!("CREATE TABLESPACE {tablespace} LOCATION '{}'", disk.dir.display()))
                .execute(&admin)
                .await
                .expect("create a tablespace on the tmpfs");
            Some(Storage::Postgres { disk, tablespace })
        } else {
            let disk = SmallDisk::mount(16, None)?;
            let file = disk.dir.join("folio.db");
            Some(Storage::Sqlite { disk, file })
        }
    }

    /// The app on this storage (a second call starts it again on the same data).
    async fn start(&self, url: Option<&str>) -> TestApp {
        match (self, url) {
            (_, Some(url)) => app_on(url).await,
            (Storage::Sqlite { file, .. }, None) => app_on(&format!("sqlite://{}", file.display())).await,
            (Storage::Postgres { tablespace, .. }, None) => {
                let app = spawn_app_with(&[("FOLIO_SEED_DEMO", "false")]).await;
                sqlx::query(&format!("ALTER TABLE activities SET TABLESPACE {tablespace}"))
                    .execute(&app.running.state.db.pool)
                    .await
                    .expect("move the activities into the small tablespace");
                app
            }
        }
    }

    async fn fill(&self) {
        match self {
            Storage::Sqlite { disk, file } => {
                truncate_wal(file).await;
                disk.fill();
            }
            Storage::Postgres { disk, .. } => disk.fill(),
        }
    }

    fn free(&self) {
        match self {
            Storage::Sqlite { disk, .. } | Storage::Postgres { disk, .. } => disk.free(),
        }
    }

    /// Drops the tablespace (its database must be gone by then).
    async fn clean_up(self) {
        if let Storage::Postgres { tablespace, .. } = &self {
            let _ = sqlx::query(&format!("DROP TABLESPACE IF EXISTS {tablespace}")).execute(&admin().await).await;
        }
    }
}

async fn admin() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .unwrap()
}

/// Empties SQLite's write-ahead log into the database file, so the next commit has
/// to grow the log on the (then full) disk instead of reusing its space.
async fn truncate_wal(db_file: &Path) {
    let url = format!("sqlite://{}", db_file.display());
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.unwrap();
    pool.close().await;
}

/// Notes of the stored deposits.
async fn stored_notes(app: &TestApp, token: &str) -> Vec<String> {
    let response = app.get_with_token("/api/activities", token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["data"].as_array().unwrap().iter().filter_map(|a| a["note"].as_str().map(str::to_string)).collect()
}

/// Sends `count` deposits, four at a time so they spread over the pool's
/// connections; returns (acknowledged notes, refused notes).
async fn deposits(app: &TestApp, token: &str, prefix: &str, count: usize) -> (Vec<String>, Vec<String>) {
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    for batch in (0..count).collect::<Vec<_>>().chunks(4) {
        let sends = batch.iter().map(|i| {
            let note = format!("{prefix}-{i:03} {}", "x".repeat(400));
            async move {
                let body = json!({"kind": "deposit", "date": "2026-01-05", "amount": "10", "note": note});
                (note, post_activity(app, token, body).await)
            }
        });
        for (note, response) in futures::future::join_all(sends).await {
            let status = response.status().as_u16();
            if (200..300).contains(&status) {
                acknowledged.push(note);
                continue;
            }
            assert!(status == 507 || status == 503, "a failed write answers 507 or 503, not {status}");
            assert!(response.headers().contains_key("retry-after"), "a failed write says when to retry");
            let body: Value = response.json().await.expect("the error envelope");
            let code = body["error"]["code"].as_str().unwrap_or_default().to_string();
            assert!(
                ["storage_full", "storage_read_only", "database_busy", "database_unavailable"].contains(&code.as_str()),
                "{body}"
            );
            refused.push(note);
        }
    }
    (acknowledged, refused)
}

#[tokio::test]
async fn disk_full_never_loses_an_acknowledged_write() {
    let Some(storage) = Storage::prepare().await else {
        assert!(!running_as_root(), "root could not mount a tmpfs for the disk-full test");
        eprintln!("disk_full: SKIPPED, mounting a tmpfs needs root");
        return;
    };
    let app = storage.start(None).await;
    let url = app.config.db.url.clone();
    let token = new_user(&app, "fullness").await;
    let (mut acknowledged, mut refused) = deposits(&app, &token, "before", 4).await;
    assert_eq!(acknowledged.len(), 4, "writes succeed while there is room");

    for round in 0..2 {
        storage.fill().await;
        // Writes go on being accepted while the table's last page has room (on
        // PostgreSQL that page may hold a few dozen rows): send batches until one is
        // refused, at most 240 writes.
        let mut refused_now = 0;
        for batch in 0..10 {
            let (ok, failed) = deposits(&app, &token, &format!("full{round}-{batch}"), 24).await;
            refused_now += failed.len();
            acknowledged.extend(ok);
            refused.extend(failed);
            if refused_now > 0 {
                break;
            }
        }
        assert!(refused_now > 0, "round {round}: a full disk refuses some writes");
        // Reads agree with each other while the disk is full (no connection stuck
        // inside a transaction of its own).
        let counts: Vec<usize> =
            futures::future::join_all((0..8).map(|_| stored_notes(&app, &token))).await.iter().map(Vec::len).collect();
        assert!(counts.windows(2).all(|w| w[0] == w[1]), "reads disagree: {counts:?}");

        storage.free();
        let (ok, failed) = deposits(&app, &token, &format!("freed{round}"), 12).await;
        assert!(failed.is_empty(), "round {round}: the server recovers by itself once space returns: {failed:?}");
        acknowledged.extend(ok);
    }

    // Restart on the same data: the truth is what was written to disk.
    app.running.state.db.pool.close().await;
    let restarted = storage.start(Some(&url)).await;
    let token = restarted.token("fullness", "long enough pw").await;
    let stored = stored_notes(&restarted, &token).await;
    let missing: Vec<&String> = acknowledged.iter().filter(|n| !stored.contains(n)).collect();
    assert!(missing.is_empty(), "{} acknowledged writes missing after restart", missing.len());
    let phantom: Vec<&String> = refused.iter().filter(|n| stored.contains(n)).collect();
    assert!(phantom.is_empty(), "{} refused writes were stored anyway", phantom.len());
    assert_eq!(stored.len(), acknowledged.len());
    restarted.running.state.db.pool.close().await;
    drop(restarted);
    drop(app);
    storage.clean_up().await;
}

/// The same finding's second half: when the history cannot be written (a full or
/// read-only disk), reads still answer from what is stored. The overview used to
/// fail because bringing the history up to today failed.
#[tokio::test]
async fn a_full_disk_still_serves_reads() {
    if std::env::var("FOLIO_TEST_DB").as_deref() == Ok("postgres") {
        return; // The SQLite run covers this; PostgreSQL's WAL disk is not the test's to fill.
    }
    let Some(disk) = SmallDisk::mount(16, None) else {
        assert!(!running_as_root(), "root could not mount a tmpfs for the test");
        return;
    };
    let file = disk.dir.join("folio.db");
    let app = app_on(&format!("sqlite://{}", file.display())).await;
    let token = new_user(&app, "reader").await;
    let (ok, _) = deposits(&app, &token, "before", 2).await;
    assert_eq!(ok.len(), 2);

    // Forget the history, so the next overview has to write it again, then fill the disk.
    let url = format!("sqlite://{}", file.display());
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    sqlx::query("DELETE FROM portfolio_snapshots").execute(&pool).await.unwrap();
    pool.close().await;
    truncate_wal(&file).await;
    disk.fill();

    let overview = app.get_with_token("/api/dashboard/overview", &token).await;
    assert_eq!(overview.status(), 200, "the overview is served from what is stored");
    let body: Value = overview.json().await.unwrap();
    assert_eq!(body["data"]["cash"], 20.0, "{body}");
    assert_eq!(stored_notes(&app, &token).await.len(), 2);
    let (ok, refused) = deposits(&app, &token, "full", 4).await;
    assert!(ok.is_empty() && refused.len() == 4, "writes are refused meanwhile: {ok:?}");

    disk.free();
    let performance = app.get_with_token("/api/dashboard/performance", &token).await;
    assert_eq!(performance.status(), 200);
    app.running.state.db.pool.close().await;
}
