//! One error type for every server path: an HTTP status, a stable machine-readable
//! code, and a message that is safe to show a user.
//!
//! Database, HTTP and other internal failures are logged here with their context and
//! reach the client only as a generic "internal_error", never raw.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Stable identifier clients can branch on (`invalid_credentials`, ...).
    pub code: &'static str,
    /// Human-readable and safe to display.
    pub message: String,
    /// Seconds to wait before retrying (sent as `Retry-After`).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message) }
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// Logs `err` with `context` and returns a 500 that reveals neither.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%context, error = %err, "internal error");

        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

/// The one place a server function's error becomes what the browser gets: the
/// code and message of the REST envelope, and the HTTP status (and `Retry-After`)
/// of a server function's own answer. A page rendered with the error keeps its
/// 200 (it shows the message in place), except that a page about something that
/// does not exist is a 404 (an unknown symbol).
impl From<AppError> for crate::model::ApiError {
    fn from(err: AppError) -> Self {
        let own_answer = leptos::prelude::use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
        let sets_status = own_answer || err.code == "not_found";
        if sets_status && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(err.status);
            if let Some(seconds) = err.retry_after {
                response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
        }
        crate::model::ApiError { code: err.code.to_string(), message: err.message }
    }
}

impl From<crate::server::market::MarketError> for crate::model::ApiError {
    fn from(err: crate::server::market::MarketError) -> Self {
        AppError::from(err).into()
    }
}

impl From<sqlx::Error> for AppError {
    /// A database that is full, read-only, busy or out of reach is the server's
    /// trouble, not a bug: 507 or 503 with `Retry-After`, so a client knows nothing
    /// was saved and that trying again later is right. Anything else is a 500.
    fn from(err: sqlx::Error) -> Self {
        let Some(trouble) = StorageTrouble::of(&err) else {
            return Self::internal("database", err);
        };
        tracing::error!(error = %err, ?trouble, "database unavailable");
        let (status, code, message) = match trouble {
            StorageTrouble::Full => (
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "The server's disk is full, so nothing was saved. Try again later.",
            ),
            StorageTrouble::ReadOnly => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_read_only",
                "The server cannot write to its database right now, so nothing was saved. Try again later.",
            ),
            StorageTrouble::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_busy",
                "The database is busy, so nothing was saved. Try again in a moment.",
            ),
            StorageTrouble::Unreachable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The database cannot be reached right now. Try again in a moment.",
            ),
        };
        Self { retry_after: Some(5), ..Self::new(status, code, message) }
    }
}

/// Database failures that say nothing about the request and pass with time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageTrouble {
    /// SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`.
    Full,
    /// SQLite `SQLITE_READONLY` or `SQLITE_IOERR`, PostgreSQL `25006`.
    ReadOnly,
    /// SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`, PostgreSQL out of connections or memory.
    Busy,
    /// No connection could be had or it broke.
    Unreachable,
}

impl StorageTrouble {
    pub fn of(err: &sqlx::Error) -> Option<Self> {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Some(Self::Unreachable),
            sqlx::Error::Database(db) => {
                let code = db.code()?;
                // SQLite reports (extended) result codes as numbers, PostgreSQL
                // SQLSTATEs, which can be all digits too (53100).
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    return match code.parse::<i32>().ok()? & 0xff {
                        13 => Some(Self::Full),
                        8 | 10 => Some(Self::ReadOnly),
                        5 | 6 => Some(Self::Busy),
                        _ => None,
                    };
                }
                match code.as_ref() {
                    "53100" => Some(Self::Full),
                    "25006" => Some(Self::ReadOnly),
                    c if c.starts_with("53") || c.starts_with("57P") => Some(Self::Busy),
                    c if c.starts_with("08") => Some(Self::Unreachable),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Always `"error"` in an error envelope.
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ErrorStatus {
    Error,
}

/// Every failure: `{"status":"error","error":{"code","message"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub status: ErrorStatus,
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `unauthorized`, `invalid_parameter`, `not_found`, ...
    #[schema(example = "invalid_parameter")]
    pub code: String,
    /// Safe to show a person.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            status: ErrorStatus::Error,
            error: ErrorDetail { code: self.code.to_string(), message: self.message },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn errors_render_the_envelope_and_retry_after() {
        let response = AppError::too_many_requests("slow down", 42).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["error"]["code"], "rate_limited");
        assert_eq!(body["error"]["message"], "slow down");
    }

    #[test]
    fn internal_errors_hide_the_cause() {
        let err = AppError::internal("db", "password=hunter2 connection refused");
        assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.message.contains("hunter2"));
    }
}
