//! `/api/auth/*`: token sign-in and sign-up for API clients, and "who am I".

use super::ApiJson;
use crate::model::CurrentUser;
use crate::server::auth::extractor::{AuthUser, ClientIp};
use crate::server::auth::service::{self, Session};
use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// OAuth2-style token answer, the shape existing clients of the original API expect.
#[derive(Serialize)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

impl From<Session> for TokenResponse {
    fn from(session: Session) -> Self {
        Self { access_token: session.token, token_type: "bearer", expires_in: session.expires_in }
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenResponse>, AppError> {
    let session = service::login(&state, &body.username, &body.password, ip).await?;
    Ok(Json(session.into()))
}

pub async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<TokenResponse>), AppError> {
    let session = service::signup(&state, &body.username, &body.password).await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}

pub async fn me(AuthUser(user): AuthUser) -> Json<Value> {
    super::success(CurrentUser { id: user.id, username: user.username })
}
