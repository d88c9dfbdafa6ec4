//! CSV files uploaded from the `/import` page, held until the person has read the
//! dry-run report and confirms (or for 15 minutes). The browser carries only a
//! random token, so the flow works as plain form posts without JavaScript and no
//! file content travels through a URL.
//!
//! Bounded so that no one can crowd others out: a person keeps at most
//! `PER_USER` files (a new one replaces their own oldest), and when the store is
//! full the oldest file of whoever holds the most goes, never a file of someone
//! who holds fewer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const KEEP_FOR: Duration = Duration::from_secs(15 * 60);
/// Files held at once across all users.
const CAPACITY: usize = 64;
/// Files one user may hold at once.
const PER_USER: usize = 3;
/// Bytes held at once across all users (a file is at most 5 MB).
const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

struct Upload {
    user_id: i64,
    at: Instant,
    file_name: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
pub struct ImportUploads {
    files: Mutex<HashMap<String, Upload>>,
}

impl ImportUploads {
    /// Keeps a file for `user_id` and returns its token (none without randomness).
    pub fn put(&self, user_id: i64, file_name: String, bytes: Vec<u8>) -> Option<String> {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).ok()?;
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.retain(|_, u| u.at.elapsed() < KEEP_FOR);
        while files.values().filter(|u| u.user_id == user_id).count() >= PER_USER {
            let Some(oldest) = oldest_of(&files, user_id) else { break };
            files.remove(&oldest);
        }
        let held_bytes = |files: &HashMap<String, Upload>| files.values().map(|u| u.bytes.len()).sum::<usize>();
        while files.len() >= CAPACITY || (!files.is_empty() && held_bytes(&files) + bytes.len() > MAX_TOTAL_BYTES) {
            let Some(busiest) = busiest_user(&files) else { break };
            let Some(oldest) = oldest_of(&files, busiest) else { break };
            files.remove(&oldest);
        }
        files.insert(token.clone(), Upload { user_id, at: Instant::now(), file_name, bytes });
        Some(token)
    }

    /// The file behind `token`, if it is `user_id`'s and still kept.
    pub fn get(&self, user_id: i64, token: &str) -> Option<(String, Vec<u8>)> {
        let files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files
            .get(token)
            .filter(|u| u.user_id == user_id && u.at.elapsed() < KEEP_FOR)
            .map(|u| (u.file_name.clone(), u.bytes.clone()))
    }

    pub fn remove(&self, token: &str) {
        self.files.lock().unwrap_or_else(|p| p.into_inner()).remove(token);
    }
}

fn oldest_of(files: &HashMap<String, Upload>, user_id: i64) -> Option<String> {
    files.iter().filter(|(_, u)| u.user_id == user_id).min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone())
}

/// The user holding the most files (the one with the oldest file among equals).
fn busiest_user(files: &HashMap<String, Upload>) -> Option<i64> {
    let mut held: HashMap<i64, (usize, Instant)> = HashMap::new();
    for u in files.values() {
        let entry = held.entry(u.user_id).or_insert((0, u.at));
        entry.0 += 1;
        entry.1 = entry.1.min(u.at);
    }
    held.into_iter().max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1))).map(|(user, _)| user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_only_given_to_its_owner() {
        let uploads = ImportUploads::default();
        let token = uploads.put(7, "a.csv".into(), b"date,kind\n".to_vec()).unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(uploads.get(7, &token).map(|(name, _)| name), Some("a.csv".into()));
        assert!(uploads.get(8, &token).is_none());
        uploads.remove(&token);
        assert!(uploads.get(7, &token).is_none());
    }

    #[test]
    fn one_user_keeps_at_most_three_files_and_cannot_evict_others() {
        let uploads = ImportUploads::default();
        let others: Vec<String> =
            (100..160).map(|user| uploads.put(user, "theirs.csv".into(), vec![]).unwrap()).collect();
        let first = uploads.put(1, "first.csv".into(), vec![]).unwrap();
        for _ in 0..200 {
            uploads.put(1, "more.csv".into(), vec![]);
        }
        assert!(uploads.get(1, &first).is_none(), "their own oldest made room");
        let held = uploads.files.lock().unwrap().values().filter(|u| u.user_id == 1).count();
        assert_eq!(held, PER_USER);
        assert!(others.iter().enumerate().all(|(i, token)| uploads.get(100 + i as i64, token).is_some()));
    }

    #[test]
    fn a_full_store_takes_from_whoever_holds_the_most() {
        let uploads = ImportUploads::default();
        let mut tokens = Vec::new();
        for user in 0..21 {
            for _ in 0..PER_USER {
                tokens.push((user, uploads.put(user, "f.csv".into(), vec![]).unwrap()));
            }
        }
        // 63 files; the next two fill the store and push it past its capacity.
        let newcomer = uploads.put(99, "new.csv".into(), vec![]).unwrap();
        let another = uploads.put(98, "new.csv".into(), vec![]).unwrap();
        assert!(uploads.get(99, &newcomer).is_some() && uploads.get(98, &another).is_some());
        assert_eq!(uploads.files.lock().unwrap().len(), CAPACITY);
        let (first_user, first_token) = &tokens[0];
        assert!(uploads.get(*first_user, first_token).is_none(), "the oldest of a user with three went");
    }

    #[test]
    fn the_bytes_held_are_bounded_too() {
        let uploads = ImportUploads::default();
        let five_mb = || vec![0u8; 5 * 1024 * 1024];
        for user in 0..20 {
            uploads.put(user, "big.csv".into(), five_mb()).unwrap();
        }
        let held: usize = uploads.files.lock().unwrap().values().map(|u| u.bytes.len()).sum();
        assert!(held <= MAX_TOTAL_BYTES, "{held}");
    }
}
