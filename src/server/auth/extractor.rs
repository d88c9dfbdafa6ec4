//! Who is making this request: the JWT from `Authorization: Bearer` (API clients) or
//! from the session cookie (the browser), checked against the signing key and the
//! users table.

use super::SESSION_COOKIE;
use super::users;
use crate::model::CurrentUser;
use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The bearer token if there is an `Authorization` header, else the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim());
    }
    cookie_value(headers, SESSION_COOKIE)
}

pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The signed-in user, or 401.
pub async fn user_from_headers(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, AppError> {
    let token = token_from_headers(headers).ok_or_else(|| AppError::unauthorized("Sign in first."))?;
    let ended = || AppError::unauthorized("Your session is invalid or has expired. Sign in again.");
    let claimed = state.tokens.verify(token).ok_or_else(ended)?;
    // The account must still exist (a token outlives a reset database) and the
    // session must not have been signed out.
    users::find_session(&state.db, claimed.user.id, claimed.version, &claimed.jti).await?.ok_or_else(ended)
}

/// Extractor for routes that need a signed-in user.
pub struct AuthUser(pub CurrentUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        user_from_headers(state, &parts.headers).await.map(AuthUser)
    }
}

/// The peer address of the connection, when the server recorded it.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    #[test]
    fn bearer_header_wins_over_cookie() {
        let h = headers(&[("authorization", "Bearer abc"), ("cookie", "folio_token=xyz")]);
        assert_eq!(token_from_headers(&h), Some("abc"));
        let h = headers(&[("authorization", "bearer  abc ")]);
        assert_eq!(token_from_headers(&h), Some("abc"));
    }

    #[test]
    fn other_schemes_are_not_tokens() {
        let h = headers(&[("authorization", "Basic dXNlcjpwdw=="), ("cookie", "folio_token=xyz")]);
        assert_eq!(token_from_headers(&h), None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "theme=dark; folio_token=xyz; other=1")]);
        assert_eq!(token_from_headers(&h), Some("xyz"));
        let h = headers(&[("cookie", "folio_token_old=abc; folio_token=")]);
        assert_eq!(token_from_headers(&h), None);
    }
}
