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

/// A form's file with its other fields (short text, such as a checkbox).
pub struct UploadedForm {
    pub file: UploadedFile,
    pub fields: Vec<(String, String)>,
}

impl UploadedForm {
    /// The value of a text field, if the form had it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the `file` field: `invalid_body` (400) when the body is no multipart
/// form, `missing_file` (400) when it has no `file` field or the file is empty,
/// `file_too_large` (413) past 5 MB.
pub async fn read_file(multipart: Result<Multipart, MultipartRejection>) -> Result<UploadedFile, AppError> {
    Ok(read_form(multipart, MAX_FILE_BYTES, "The file is larger than 5 MB.").await?.file)
}

/// Reads a form with a `file` field of at most `max_bytes` and any other fields
/// (each cut to 100 characters), with the errors of [`read_file`].
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
    max_bytes: usize,
    too_large_message: &'static str,
) -> Result<UploadedForm, AppError> {
    let not_multipart =
        || AppError::bad_request("invalid_body", "Send the file as multipart/form-data in a field named “file”.");
    let too_large = || AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", too_large_message);
    let missing = || AppError::bad_request("missing_file", "The form has no file in a field named “file”.");
    let mut multipart = multipart.map_err(|_| not_multipart())?;
    let mut file = None;
    let mut fields = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(not_multipart()),
        };
        let read_error = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { not_multipart() }
        };
        match field.name() {
            Some("file") if file.is_none() => {
                let name = field.file_name().unwrap_or("upload.csv").chars().take(100).collect();
                let bytes = field.bytes().await.map_err(read_error)?;
                if bytes.is_empty() {
                    return Err(missing());
                }
                if bytes.len() > max_bytes {
                    return Err(too_large());
                }
                file = Some(UploadedFile { name, bytes: bytes.to_vec() });
            }
            Some("file") => {}
            Some(name) if fields.len() < 20 => {
                let name = name.chars().take(100).collect();
                let text = field.text().await.map_err(read_error)?;
                fields.push((name, text.chars().take(100).collect()));
            }
            _ => {}
        }
    }
    file.map(|file| UploadedForm { file, fields }).ok_or_else(missing)
}
