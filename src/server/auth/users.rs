//! The `users` table: lookups by id and by case-insensitive name, and creation.

use crate::model::CurrentUser;
use crate::server::db::{Db, now_unix};
use crate::server::error::AppError;
use sqlx::Row;

pub struct StoredUser {
    pub user: CurrentUser,
    pub password_hash: String,
}

/// Names are compared without regard to case.
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

pub async fn find_by_name(db: &Db, username: &str) -> Result<Option<StoredUser>, AppError> {
    let row = sqlx::query("SELECT id, username, password_hash FROM users WHERE username_key = $1")
        .bind(username_key(username))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|row| StoredUser {
        user: CurrentUser { id: row.get("id"), username: row.get("username") },
        password_hash: row.get("password_hash"),
    }))
}

pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<CurrentUser>, AppError> {
    let row = sqlx::query("SELECT id, username FROM users WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    Ok(row.map(|row| CurrentUser { id: row.get("id"), username: row.get("username") }))
}

pub async fn count(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&db.pool).await?.get("n"))
}

/// Inserts a user; a name taken in any letter case is a 409 `username_taken`.
pub async fn create(db: &Db, username: &str, password_hash: &str) -> Result<CurrentUser, AppError> {
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
        Ok(row) => Ok(CurrentUser { id: row.get("id"), username: username.to_string() }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(taken()),
        Err(e) => Err(e.into()),
    }
}

pub fn taken() -> AppError {
    AppError::conflict("username_taken", "That username is already taken.")
}
