//! A JSON body extractor whose failures (bad syntax, wrong types, missing fields,
//! wrong content type, too large) answer in the API's error envelope.

use crate::server::error::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => AppError::new(
                    axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as JSON with `Content-Type: application/json`.",
                ),
                JsonRejection::JsonSyntaxError(_) => {
                    AppError::bad_request("invalid_json", "The body is not valid JSON.")
                }
                JsonRejection::JsonDataError(e) => AppError::validation("invalid_body", e.body_text()),
                other => AppError::new(other.status(), "invalid_body", other.body_text()),
            }),
        }
    }
}
