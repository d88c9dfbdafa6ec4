//! CSV files uploaded from the `/import` page, held until the person has read the
//! dry-run report and confirms (or for 15 minutes). The browser carries only a
//! random token, so the flow works as plain form posts without JavaScript and no
//! file content travels through a URL.
//!
//! Held in the database (`import_uploads`), not in one process's memory: behind a
//! load balancer the confirmation may reach another instance than the upload did.
//! Ages are read from the server's [`Clock`], so a test moves time on rather than
//! waiting 15 minutes.
//!
//! Bounded so that no one can crowd others out: a person keeps at most
//! `PER_USER` files (a new one replaces their own oldest), and when the store is
//! full the oldest file of whoever holds the most goes, never a file of someone
//! who holds fewer. Making room and adding the file is one transaction, taken one
//! at a time (SQLite's single writer; an advisory lock on PostgreSQL), so the
//! bounds hold across instances too; expired files are swept on the way.

use crate::server::clock::Clock;
use crate::server::db::{Backend, Db, WriteTx};
use crate::server::error::AppError;
use sqlx::Row;
use std::collections::HashMap;

const KEEP_FOR_MS: i64 = 15 * 60 * 1000;
/// Files held at once across all users.
const CAPACITY: usize = 64;
/// Files one user may hold at once.
const PER_USER: usize = 3;
/// Bytes held at once across all users (a file is at most 5 MB).
const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// The advisory lock (PostgreSQL's two-key form) every upload takes in turn.
const LOCK: (i32, i32) = (0x466f_0002, 0);

pub struct ImportUploads {
    db: Db,
    clock: Clock,
}

/// What making room needs to know of a held file.
#[derive(Clone, Debug)]
struct Held {
    id: i64,
    user_id: i64,
    size: usize,
    /// When it was uploaded, in milliseconds since 1970.
    at: i64,
}

impl ImportUploads {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self { db, clock }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Keeps a file for `user_id` and returns its token.
    pub async fn put(&self, user_id: i64, file_name: String, bytes: Vec<u8>) -> Result<String, AppError> {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).map_err(|e| AppError::internal("upload token", e))?;
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let now = self.now_ms();
        let mut tx = WriteTx::begin(&self.db).await?;
        if self.db.backend == Backend::Postgres {
            // Wrapped: the lock function returns `void`, which the Any driver cannot read.
            sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock($1, $2)) AS locked")
                .bind(LOCK.0)
                .bind(LOCK.1)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM import_uploads WHERE created_ms <= $1")
            .bind(now - KEEP_FOR_MS)
            .execute(&mut *tx)
            .await?;
        let held = sqlx::query("SELECT id, user_id, size, created_ms FROM import_uploads")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(Held {
                    id: row.try_get("id")?,
                    user_id: row.try_get("user_id")?,
                    size: row.try_get::<i64, _>("size")? as usize,
                    at: row.try_get("created_ms")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        for id in make_room(held, user_id, bytes.len()) {
            sqlx::query("DELETE FROM import_uploads WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO import_uploads (token, user_id, file_name, content, size, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token)
        .bind(user_id)
        .bind(file_name)
        .bind(&bytes)
        .bind(bytes.len() as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The file behind `token` (its name and bytes), if it is `user_id`'s and still kept.
    pub async fn get(&self, user_id: i64, token: &str) -> Result<Option<(String, Vec<u8>)>, AppError> {
        let row = sqlx::query(
            "SELECT file_name, content FROM import_uploads WHERE token = $1 AND user_id = $2 AND created_ms > $3",
        )
        .bind(token)
        .bind(user_id)
        .bind(self.now_ms() - KEEP_FOR_MS)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.map(|row| Ok::<_, sqlx::Error>((row.try_get("file_name")?, row.try_get("content")?))).transpose()?)
    }

    /// Forgets `user_id`'s file behind `token` (it was imported).
    pub async fn remove(&self, user_id: i64, token: &str) -> Result<(), AppError> {
        sqlx::query("DELETE FROM import_uploads WHERE token = $1 AND user_id = $2")
            .bind(token)
            .bind(user_id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}

/// The ids of the files that go so that a new file of `size` bytes from `user_id`
/// fits: first that user's own oldest, down to `PER_USER - 1`; then, while the
/// store is full, the oldest file of whoever holds the most.
fn make_room(mut held: Vec<Held>, user_id: i64, size: usize) -> Vec<i64> {
    held.sort_by_key(|h| (h.at, h.id));
    let mut gone = Vec::new();
    let mut take_oldest_of = |held: &mut Vec<Held>, user: i64| {
        let position = held.iter().position(|h| h.user_id == user)?;
        gone.push(held.remove(position).id);
        Some(())
    };
    while held.iter().filter(|h| h.user_id == user_id).count() >= PER_USER {
        if take_oldest_of(&mut held, user_id).is_none() {
            break;
        }
    }
    let held_bytes = |held: &[Held]| held.iter().map(|h| h.size).sum::<usize>();
    while held.len() >= CAPACITY || (!held.is_empty() && held_bytes(&held) + size > MAX_TOTAL_BYTES) {
        let Some(busiest) = busiest_user(&held) else { break };
        if take_oldest_of(&mut held, busiest).is_none() {
            break;
        }
    }
    gone
}

/// The user holding the most files (the one with the oldest file among equals),
/// of files sorted oldest first.
fn busiest_user(held: &[Held]) -> Option<i64> {
    let mut count: HashMap<i64, (usize, usize)> = HashMap::new();
    for (rank, h) in held.iter().enumerate() {
        count.entry(h.user_id).or_insert((0, rank)).0 += 1;
    }
    count.into_iter().max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1))).map(|(user, _)| user)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store as `put` leaves it, without a database: files by id, oldest first.
    #[derive(Default)]
    struct Store {
        held: Vec<Held>,
        next: i64,
    }

    impl Store {
        fn put(&mut self, user_id: i64, size: usize) -> i64 {
            let gone = make_room(self.held.clone(), user_id, size);
            self.held.retain(|h| !gone.contains(&h.id));
            self.next += 1;
            // One moment for all (as under a held clock): the id orders them.
            self.held.push(Held { id: self.next, user_id, size, at: 1 });
            self.next
        }

        fn has(&self, id: i64) -> bool {
            self.held.iter().any(|h| h.id == id)
        }
    }

    #[test]
    fn one_user_keeps_at_most_three_files_and_cannot_evict_others() {
        let mut store = Store::default();
        let others: Vec<i64> = (100..160).map(|user| store.put(user, 0)).collect();
        let first = store.put(1, 0);
        for _ in 0..200 {
            store.put(1, 0);
        }
        assert!(!store.has(first), "their own oldest made room");
        assert_eq!(store.held.iter().filter(|h| h.user_id == 1).count(), PER_USER);
        assert!(others.iter().all(|id| store.has(*id)));
    }

    #[test]
    fn a_full_store_takes_from_whoever_holds_the_most() {
        let mut store = Store::default();
        let mut ids = Vec::new();
        for user in 0..21 {
            for _ in 0..PER_USER {
                ids.push(store.put(user, 0));
            }
        }
        // 63 files; the next two fill the store and push it past its capacity.
        let newcomer = store.put(99, 0);
        let another = store.put(98, 0);
        assert!(store.has(newcomer) && store.has(another));
        assert_eq!(store.held.len(), CAPACITY);
        assert!(!store.has(ids[0]), "the oldest of a user with three went");
        assert!(store.has(ids[1]), "and only that one");
    }

    #[test]
    fn the_older_file_goes_first_whatever_the_ids_say() {
        let held = vec![
            Held { id: 1, user_id: 7, size: 0, at: 30 },
            Held { id: 2, user_id: 7, size: 0, at: 10 },
            Held { id: 3, user_id: 7, size: 0, at: 20 },
        ];
        assert_eq!(make_room(held, 7, 0), [2]);
    }

    #[test]
    fn the_bytes_held_are_bounded_too() {
        let mut store = Store::default();
        for user in 0..20 {
            store.put(user, 5 * 1024 * 1024);
        }
        let held: usize = store.held.iter().map(|h| h.size).sum();
        assert!(held <= MAX_TOTAL_BYTES, "{held}");
        assert_eq!(store.held.len(), MAX_TOTAL_BYTES / (5 * 1024 * 1024));
    }

    #[tokio::test]
    async fn a_file_is_only_given_to_its_owner_and_only_for_fifteen_minutes() {
        let dir = std::env::temp_dir().join(format!("folio-uploads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db =
            crate::server::db::connect(&format!("sqlite://{}?mode=rwc", dir.join("u.db").display())).await.unwrap();
        for (id, name) in [(7, "seven"), (8, "eight")] {
            sqlx::query(
                "INSERT INTO users (id, username, username_key, password_hash, created_at) VALUES ($1, $2, $2, 'x', 0)",
            )
            .bind(id as i64)
            .bind(name)
            .execute(&db.pool)
            .await
            .unwrap();
        }
        let clock = Clock::held_at(chrono::Utc::now());
        let uploads = ImportUploads::new(db, clock.clone());
        let bytes = b"date,kind\n\x00\xff".to_vec();
        let token = uploads.put(7, "a.csv".into(), bytes.clone()).await.unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(uploads.get(7, &token).await.unwrap(), Some(("a.csv".into(), bytes)));
        assert_eq!(uploads.get(8, &token).await.unwrap(), None);
        uploads.remove(8, &token).await.unwrap();
        assert!(uploads.get(7, &token).await.unwrap().is_some(), "not removed by someone else");
        clock.advance(chrono::Duration::minutes(15) - chrono::Duration::milliseconds(1));
        assert!(uploads.get(7, &token).await.unwrap().is_some(), "kept for 15 minutes");
        clock.advance(chrono::Duration::milliseconds(1));
        assert_eq!(uploads.get(7, &token).await.unwrap(), None, "and not a moment longer");
        let next = uploads.put(7, "b.csv".into(), vec![]).await.unwrap();
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM import_uploads").fetch_one(&uploads.db.pool).await.unwrap();
        assert_eq!(rows, 1, "the expired file was swept");
        uploads.remove(7, &next).await.unwrap();
        assert_eq!(uploads.get(7, &next).await.unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
