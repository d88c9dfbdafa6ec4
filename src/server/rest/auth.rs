//! `/api/auth/*`: token sign-in and sign-up for API clients, and "who am I".

use super::errors::{BadBody, Unauthorized};
use super::extract::ApiJson;
use super::schema::{Credentials, Envelope, NewAccount, TokenResponse};
use crate::model::CurrentUser;
use crate::server::auth::extractor::{AuthUser, ClientIp, token_from_headers};
use crate::server::auth::service::{self, Session};
use crate::server::error::{AppError, ErrorEnvelope};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

impl From<Session> for TokenResponse {
    fn from(session: Session) -> Self {
        Self { access_token: session.token, token_type: "bearer", expires_in: session.expires_in }
    }
}

/// Exchange a username and password for a bearer token.
///
/// Attempts are counted before the password is checked. After 5 failures for one
/// username from one address, 30 for one username from anywhere, or 20 failures
/// and sign-ups from one address within a minute, answers 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", security(), request_body = Credentials,
    responses((status = 200, body = TokenResponse),
        (status = 401, description = "Wrong username or password (`invalid_credentials`).", body = ErrorEnvelope),
        (status = 429, description = "Too many failed attempts (`rate_limited`); see `Retry-After`.",
            body = ErrorEnvelope, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BadBody))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenResponse>, AppError> {
    let session = service::login(&state, &body.username, &body.password, ip).await?;
    Ok(Json(session.into()))
}

/// Create an account and sign in.
///
/// Answers with a bearer token for the new account, as sign-in does. Sign-ups and
/// failed sign-ins from one address share a limit (20 a minute); a server may turn
/// sign-up off (`FOLIO_ALLOW_SIGNUP`).
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", security(), request_body = NewAccount,
    responses((status = 201, body = TokenResponse),
        (status = 403, description = "Sign-up is disabled on this server (`signup_disabled`).", body = ErrorEnvelope),
        (status = 409, description = "The username is taken (`username_taken`).", body = ErrorEnvelope),
        (status = 429, description = "Too many sign-ups and failed sign-ins from this address (`rate_limited`); see `Retry-After`.",
            body = ErrorEnvelope, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        BadBody))]
pub async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<TokenResponse>), AppError> {
    let session = service::signup(&state, &body.username, &body.password, ip).await?;
    Ok((StatusCode::CREATED, Json(session.into())))
}

/// The signed-in user.
///
/// The id and username the token or session cookie belongs to: a cheap way to check
/// that a token still works.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = Envelope<CurrentUser>), Unauthorized))]
pub async fn me(AuthUser(user): AuthUser) -> Json<Envelope<CurrentUser>> {
    super::success(CurrentUser { id: user.id, username: user.username })
}

/// Sign out this token.
///
/// Ends this token's session: the token stops working at once, on every instance.
/// Other sessions of the same user go on.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out."), Unauthorized))]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(_): AuthUser,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    if let Some(token) = token_from_headers(&headers) {
        service::sign_out(&state, token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere.
///
/// Ends every session of the signed-in user, on every device and API client,
/// this token's too.
#[utoipa::path(post, path = "/api/auth/logout-everywhere", tag = "auth",
    responses((status = 204, description = "Every session ended."), Unauthorized))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, AppError> {
    service::sign_out_everywhere(&state, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}
