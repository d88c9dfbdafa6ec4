//! `/api/account`: a person's whole account as one portable JSON file, to take to
//! another Folio (SQLite or PostgreSQL) and bring back in, all or nothing.

use super::errors::{Unauthorized, WriteErrors};
use super::extract::ApiQuery;
use super::schema::Envelope;
use super::success;
use crate::server::auth::extractor::AuthUser;
use crate::server::error::{AppError, ErrorEnvelope};
use crate::server::portfolio::activities::account_file::{self, AccountFile};
use crate::server::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Download your account file.
///
/// Your whole account as one JSON file: every activity of the ledger, oldest first,
/// with decimals as exact strings. `POST /api/account/import` reads it back, on this
/// Folio or another (SQLite or PostgreSQL). Sent as a download
/// (`Content-Disposition: attachment`).
#[utoipa::path(get, path = "/api/account/export", tag = "account", operation_id = "export_account",
    responses((status = 200, description = "The account file.", body = AccountFile), Unauthorized))]
pub async fn export(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Response, AppError> {
    let file = account_file::export(&state, &user).await?;
    let name = account_file::file_name(&file, &state);
    let body = serde_json::to_vec_pretty(&file).map_err(|e| AppError::internal("account export", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountImportQuery {
    /// `true` puts the file's ledger in place of a ledger that is not empty;
    /// `false` (the default) refuses one with `ledger_not_empty`.
    #[param(value_type = Option<bool>)]
    replace: Option<String>,
}

/// What an account import did.
#[derive(Serialize, ToSchema)]
pub struct AccountImported {
    /// Activities imported.
    pub activities: usize,
    /// Activities of the old ledger replaced (0 when it was empty).
    pub replaced: usize,
}

/// Import an account file.
///
/// Brings an account file into the signed-in person's account, all or nothing:
/// every activity is checked as if typed (symbols new to you against the market
/// data) and the ledger it forms must hold; a ledger that is not empty is only
/// replaced with `replace=true`. One import runs at a time.
#[utoipa::path(post, path = "/api/account/import", tag = "account", operation_id = "import_account",
    params(AccountImportQuery),
    request_body(content = AccountFile, description = "An account file, as `/api/account/export` writes it (32 MB at most)."),
    responses((status = 201, body = Envelope<AccountImported>), Unauthorized,
        (status = 400, description = "The query string cannot be read (`invalid_query_string`: a repeated \
            parameter, bad encoding).", body = ErrorEnvelope),
        (status = 409, description = "`ledger_not_empty`: your ledger has activities and `replace` is not true.", body = ErrorEnvelope),
        (status = 413, description = "Larger than 32 MB.", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the file brings more symbols new to Folio than your share of \
            market-data checks allows now; `Retry-After` says when to import again.", body = ErrorEnvelope),
        (status = 422, description = "Not an account file (`not_an_account_file`, `invalid_account_file`), one from a \
            newer Folio (`unsupported_version`), `replace` not true or false, or an activity that breaks a field or \
            ledger rule (its code, and which activity).", body = ErrorEnvelope), WriteErrors))]
pub async fn import(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<AccountImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Envelope<AccountImported>>), AppError> {
    let replace = match query.replace.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(AppError::validation("invalid_parameter", "`replace` must be true or false.")),
    };
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", "The account file is larger than 32 MB.")
        }
        status => AppError::new(status, "invalid_body", rejection.body_text()),
    })?;
    let done = account_file::import_bytes(&state, user.id, &bytes, replace).await.map_err(|refused| refused.error)?;
    Ok((StatusCode::CREATED, success(AccountImported { activities: done.activities, replaced: done.replaced })))
}
