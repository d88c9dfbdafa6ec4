//! The CSV file of an import, read from a `multipart/form-data` body: one reader
//! for the REST route (`POST /api/activities/import`) and the `/import` form, so
//! both refuse the same bodies with the same codes.

use crate::server::error::AppError;
use crate::server::portfolio::activities::import::MAX_FILE_BYTES;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;

/// A file from the form's `file` field.
pub struct UploadedFile {
    /// The name the browser gave (at most 100 characters), or `upload.csv`.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads the `file` field: `invalid_body` (400) when the body is no multipart
/// form, `missing_file` (400) when it has no `file` field or the file is empty,
/// `file_too_large` (413) past 5 MB.
pub async fn read_file(multipart: Result<Multipart, MultipartRejection>) -> Result<UploadedFile, AppError> {
    let not_multipart =
        || AppError::bad_request("invalid_body", "Send the file as multipart/form-data in a field named `file`.");
    let too_large = || AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", "The file is larger than 5 MB.");
    let missing = || AppError::bad_request("missing_file", "The form has no file in a field named `file`.");
    let mut multipart = multipart.map_err(|_| not_multipart())?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(missing()),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(not_multipart()),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload.csv").chars().take(100).collect();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { not_multipart() })?;
        if bytes.is_empty() {
            return Err(missing());
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        return Ok(UploadedFile { name, bytes: bytes.to_vec() });
    }
}
