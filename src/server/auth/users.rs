//! The `users` table: lookups by id and by case-insensitive name, and creation.

use crate::model::CurrentUser;
use crate::server::db::{Db, now_unix};
use crate::server::error::AppError;
use crate::server::portfolio::state::{KEY_COLUMNS, Key};
use sqlx::Row;
use std::sync::LazyLock;

pub struct StoredUser {
    pub user: CurrentUser,
    pub password_hash: String,
    /// Copied into every token; bumped to end all of them.
    pub session_version: i64,
}

/// Names are compared without regard to case.
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

pub async fn find_by_name(db: &Db, username: &str) -> Result<Option<StoredUser>, AppError> {
    let row = sqlx::query("SELECT id, username, password_hash, session_version FROM users WHERE username_key = $1")
        .bind(username_key(username))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|row| StoredUser {
        user: CurrentUser { id: row.get("id"), username: row.get("username") },
        password_hash: row.get("password_hash"),
        session_version: row.get("session_version"),
    }))
}

/// The user a token names, if the token is still in force: the account exists,
/// its sessions were not all ended after the token was issued, and the token
/// itself was not signed out. One query, made once by every signed-in request;
/// it reads the key of the user's kept portfolio state in the same breath, so a
/// request that shows the portfolio needs no second query to know it is current.
pub async fn find_session(db: &Db, id: i64, version: i64, jti: &str) -> Result<Option<(CurrentUser, Key)>, AppError> {
    // Built once: this runs on every signed-in request.
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT u.id, u.username, {KEY_COLUMNS} FROM users u WHERE u.id = $1 AND u.session_version = $2 \
             AND NOT EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $3)"
        )
    });
    let row = sqlx::query(SQL.as_str()).bind(id).bind(version).bind(jti).fetch_optional(&db.pool).await?;
    row.map(|row| {
        let user = CurrentUser { id: row.try_get("id")?, username: row.try_get("username")? };
        Ok((user, Key::from_row(&row)?))
    })
    .transpose()
}

/// Ends one token (sign-out); expired entries are swept on the way.
pub async fn revoke_token(db: &Db, jti: &str, expires_at: i64) -> Result<(), AppError> {
    if jti.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1").bind(now_unix()).execute(&db.pool).await?;
    sqlx::query("INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
        .bind(jti)
        .bind(expires_at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends every session of a user ("sign out everywhere").
pub async fn end_all_sessions(db: &Db, id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET session_version = session_version + 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&db.pool).await?.get("n"))
}

/// Inserts a user; a name taken in any letter case is a 409 `username_taken`.
pub async fn create(db: &Db, username: &str, password_hash: &str) -> Result<StoredUser, AppError> {
    let result = sqlx::query(
        "INSERT INTO users (username, username_key, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(username_key(username))
    .bind(password_hash)
    .bind(now_unix())
    .fetch_one(&db.pool)
    .await;
    match result {
        Ok(row) => Ok(StoredUser {
            user: CurrentUser { id: row.get("id"), username: username.to_string() },
            password_hash: password_hash.to_string(),
            session_version: 0,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(taken()),
        Err(e) => Err(e.into()),
    }
}

pub fn taken() -> AppError {
    AppError::conflict("username_taken", "That username is already taken.")
}
