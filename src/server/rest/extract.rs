//! Extractors whose failures answer in the API's error envelope instead of axum's
//! plain-text rejections: a JSON body (bad syntax, wrong types, missing fields,
//! wrong content type, too large), a query string (bad encoding, a repeated
//! parameter) and a path segment (bad percent-encoding).

use crate::server::error::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
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
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as JSON with `Content-Type: application/json`.",
                ),
                JsonRejection::JsonSyntaxError(_) => {
                    AppError::bad_request("invalid_json", "The body is not valid JSON.")
                }
                JsonRejection::JsonDataError(e) => AppError::validation("invalid_body", e.body_text()),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::new(other.status(), "body_too_large", "The body is larger than 1 MiB.")
                }
                other => AppError::new(other.status(), "invalid_body", other.body_text()),
            }),
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| AppError::bad_request("invalid_query_string", rejection.body_text()))
    }
}

pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| AppError::bad_request("invalid_path", rejection.body_text()))
    }
}
