//! CSV files uploaded from the `/import` page, held until the person has read the
//! dry-run report and confirms (or for 15 minutes). The browser carries only a
//! random token, so the flow works as plain form posts without JavaScript and no
//! file content travels through a URL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const KEEP_FOR: Duration = Duration::from_secs(15 * 60);
/// Files held at once across all users; the oldest goes first.
const CAPACITY: usize = 64;

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
        while files.len() >= CAPACITY {
            let Some(oldest) = files.iter().min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone()) else { break };
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
    fn the_store_is_bounded() {
        let uploads = ImportUploads::default();
        let first = uploads.put(1, "first.csv".into(), vec![]).unwrap();
        for _ in 0..CAPACITY {
            uploads.put(1, "more.csv".into(), vec![]);
        }
        assert!(uploads.get(1, &first).is_none(), "the oldest file made room");
    }
}
