//! Who is making this request: the JWT from `Authorization: Bearer` (API clients) or
//! from the session cookie (the browser), checked against the signing key and the
//! users table.

use super::SESSION_COOKIE;
use super::users;
use crate::model::CurrentUser;
use crate::server::error::AppError;
use crate::server::portfolio::state::Key;
use crate::server::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

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

/// Checks the request's token against the signing key and the users table. Every
/// caller goes through [`request_user`], which does this at most once per request.
async fn check_session(state: &AppState, headers: &HeaderMap) -> Result<(CurrentUser, Key), AppError> {
    let token = token_from_headers(headers).ok_or_else(|| AppError::unauthorized("Sign in first."))?;
    let ended = || AppError::unauthorized("Your session is invalid or has expired. Sign in again.");
    let claimed = state.tokens.verify(token).ok_or_else(ended)?;
    state.metrics.session_checks.inc();
    // The account must still exist (a token outlives a reset database) and the
    // session must not have been signed out.
    users::find_session(&state.db, claimed.user.id, claimed.version, &claimed.jti).await?.ok_or_else(ended)
}

/// The request's session, checked at most once: the first reader (the page guard,
/// an extractor, a server function while the page renders) checks it and every
/// later reader gets the same answer. [`remember_session`] puts one on each request.
#[derive(Clone, Default)]
pub struct SessionOnce(Arc<tokio::sync::OnceCell<Result<(CurrentUser, Key), AppError>>>);

/// Middleware: gives the request its [`SessionOnce`] (checked only if read).
pub async fn remember_session(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(SessionOnce::default());
    next.run(request).await
}

/// The signed-in user, or 401; checked once per request (see [`SessionOnce`]).
pub async fn request_user(state: &AppState, parts: &Parts) -> Result<CurrentUser, AppError> {
    let checked = match parts.extensions.get::<SessionOnce>() {
        Some(once) => once.0.get_or_init(|| check_session(state, &parts.headers)).await.clone(),
        None => check_session(state, &parts.headers).await,
    };
    checked.map(|(user, _)| user)
}

/// The key of the user's kept portfolio state as the session check read it, at
/// the start of this request (None before the check, or when it failed).
pub fn request_portfolio_key(parts: &Parts) -> Option<Key> {
    parts.extensions.get::<SessionOnce>()?.0.get()?.as_ref().ok().map(|(_, key)| *key)
}

/// Extractor: [`request_portfolio_key`], for handlers that load the portfolio
/// after [`AuthUser`] checked the session.
pub struct PortfolioKey(pub Option<Key>);

impl<S: Send + Sync> FromRequestParts<S> for PortfolioKey {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PortfolioKey(request_portfolio_key(parts)))
    }
}

/// Extractor for routes that need a signed-in user (401 without one).
pub struct AuthUser(pub CurrentUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        request_user(state, parts).await.map(AuthUser)
    }
}

/// Extractor for handlers that answer a missing session themselves (form posts
/// redirect to the sign-in page): the outcome of the check, never a rejection.
pub struct MaybeUser(pub Result<CurrentUser, AppError>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(request_user(state, parts).await))
    }
}

/// The client's address: the connection's peer, or, when the peer is a trusted
/// load balancer (`FOLIO_TRUSTED_PROXIES`), the client it names in
/// `X-Forwarded-For`. Behind a proxy every connection comes from the proxy, so
/// without this the per-address sign-in budget would be one for everybody.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let forwarded: Vec<&str> =
            parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        Ok(ClientIp(peer.map(|peer| client_address(peer, &forwarded, &state.config.http.trusted_proxies))))
    }
}

/// The client behind `peer`: from the right of `X-Forwarded-For` (each proxy
/// appends the address it was reached from), the first address that is not a
/// trusted proxy. An untrusted peer's header is ignored (anyone can send one);
/// an unreadable entry stops the walk at the last address known. Pure.
pub fn client_address(peer: IpAddr, forwarded: &[&str], trusted: &[IpAddr]) -> IpAddr {
    // An IPv4 peer of a server bound to `[::]` arrives as ::ffff:a.b.c.d.
    let is_trusted = |address: IpAddr| trusted.iter().any(|t| t.to_canonical() == address);
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = forwarded.iter().flat_map(|header| header.split(',')).map(str::trim).collect();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address.to_canonical();
                if !is_trusted(client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarded_client_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = [ip("127.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client_address(ip("127.0.0.1"), &["203.0.113.7"], &proxy), ip("203.0.113.7"));
        assert_eq!(client_address(ip("192.0.2.1"), &["203.0.113.7"], &proxy), ip("192.0.2.1"), "untrusted peer");
        assert_eq!(client_address(ip("127.0.0.1"), &[], &proxy), ip("127.0.0.1"), "no header");
        // A client that writes its own header gets it appended to, not replaced.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["1.1.1.1, 203.0.113.7", "10.0.0.2"], &proxy),
            ip("203.0.113.7"),
            "the rightmost address no trusted proxy holds"
        );
        assert_eq!(client_address(ip("127.0.0.1"), &["203.0.113.7, junk"], &proxy), ip("127.0.0.1"));
        assert_eq!(client_address(ip("127.0.0.1"), &["203.0.113.7"], &[]), ip("127.0.0.1"), "nobody trusted");
        assert_eq!(client_address(ip("::ffff:127.0.0.1"), &["203.0.113.7"], &proxy), ip("203.0.113.7"), "mapped IPv4");
    }

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
