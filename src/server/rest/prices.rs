//! `/api/prices/import`: a prices file (`date,symbol,close`), the person's own
//! daily closes, for an install without internet access or a symbol no source
//! knows (see `market::history::prices_file`).

use super::errors::Unauthorized;
use super::schema::Envelope;
use super::success;
use crate::server::auth::extractor::AuthUser;
use crate::server::error::{AppError, ErrorDetail, ErrorStatus};
use crate::server::market::history::prices_file::{self, PriceRowError, PricesImported, PricesRefused};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Largest prices file accepted.
pub const MAX_PRICES_BYTES: usize = 8 * 1024 * 1024;

/// The error envelope of a refused prices file: every bad row with its line.
#[derive(Serialize, ToSchema)]
pub struct PricesRejected {
    pub status: ErrorStatus,
    pub error: ErrorDetail,
    pub rows: Vec<PriceRowError>,
}

/// The multipart body of a prices import.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the multipart form; the handler reads it")]
pub struct PricesForm {
    /// The CSV file: a header row naming `date`, `symbol` and `close` (any order
    /// and case), at most 200,000 rows, 8 MB. Closes as traded, in dollars.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Import daily closes from a CSV file.
///
/// Your own closes: in your history they rank above every fetched or recorded
/// close of that symbol and day, and they count for nobody else. All or nothing:
/// one bad row refuses the file (422 `prices_rejected`, with every bad row's line
/// and reason). Your history is rebuilt with them before the answer.
#[utoipa::path(post, path = "/api/prices/import", tag = "market",
    request_body(content = PricesForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Envelope<PricesImported>), Unauthorized,
        (status = 400, description = "Not a multipart body, no `file` field, or an empty file.", body = crate::server::error::ErrorEnvelope),
        (status = 413, description = "Larger than 8 MB.", body = crate::server::error::ErrorEnvelope),
        (status = 422, description = "Bad rows (`prices_rejected`), with each one's line.", body = PricesRejected)))]
pub async fn import(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let file = crate::server::upload::read_form(multipart, MAX_PRICES_BYTES, "The file is larger than 8 MB.").await?;
    match prices_file::import(&state, user.id, &file.file.bytes).await {
        Ok(done) => Ok(success(done).into_response()),
        Err(PricesRefused::Failed(err)) => Err(err),
        Err(PricesRefused::Rows(rows)) => {
            let body = PricesRejected {
                status: ErrorStatus::Error,
                error: ErrorDetail {
                    code: "prices_rejected".into(),
                    message: format!("{} rows cannot be used; nothing was imported.", rows.len()),
                },
                rows,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}
