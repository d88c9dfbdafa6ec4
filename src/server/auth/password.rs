//! Password hashing with bcrypt, run on the blocking pool: a hash takes about a
//! quarter of a second at the default cost and must not stall the async workers.

use crate::server::error::AppError;

/// bcrypt only looks at the first 72 bytes; longer passwords are refused rather than
/// silently truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;

pub async fn hash_password(password: String, cost: u32) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
        .await
        .map_err(|e| AppError::internal("password hashing task", e))?
        .map_err(|e| AppError::internal("password hashing", e))
}

/// False for a wrong password and for a hash that cannot be parsed.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .map_err(|e| AppError::internal("password verification task", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hash = hash_password("correct horse".into(), 4).await.unwrap();
        assert!(hash.starts_with("$2"));
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("correct hors".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("".into(), hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash_password("same".into(), 4).await.unwrap();
        let b = hash_password("same".into(), 4).await.unwrap();
        assert_ne!(a, b, "salts must differ");
    }

    #[tokio::test]
    async fn a_broken_hash_never_verifies() {
        assert!(!verify_password("x".into(), "not-a-hash".into()).await.unwrap());
    }
}
