//! The browser's sign-in, sign-up and sign-out: plain HTML form posts that answer
//! with a redirect (post/redirect/get), so they work the same with JavaScript off.
//! Errors travel back to the page as a code in the query string, never as text.

use crate::server::auth::SESSION_COOKIE;
use crate::server::auth::extractor::{ClientIp, MaybeUser, cookie_value};
use crate::server::auth::service::{self, Session};
use crate::server::doors::{Access, Doors, Kind};
use crate::server::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Signing out asks for no session: without one there is nothing to end.
pub fn doors() -> Doors {
    Doors::new(Kind::Form)
        .post("/auth/login", Access::Public, login)
        .post("/auth/signup", Access::Public, signup)
        .post("/auth/logout", Access::Public, logout)
        .post("/auth/logout-everywhere", Access::Member, logout_everywhere)
}

#[derive(Deserialize)]
struct CredentialsForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Where to go after signing in (a local path).
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: Result<Form<CredentialsForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back_to("/login", "bad_request", "", "");
    };
    match service::login(&state, &form.username, &form.password, ip).await {
        Ok(session) => signed_in(&state, session, &form.next),
        Err(err) => back_to("/login", err.code, &form.username, &form.next),
    }
}

async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: Result<Form<CredentialsForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return back_to("/signup", "bad_request", "", "");
    };
    match service::signup(&state, &form.username, &form.password, ip).await {
        Ok(session) => signed_in(&state, session, "/"),
        Err(err) => back_to("/signup", err.code, &form.username, ""),
    }
}

/// Ends this browser's session: the token is revoked on the server (a copy of the
/// cookie stops working too) and the cookie is cleared.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE)
        && let Err(err) = service::sign_out(&state, token).await
    {
        return err.into_response();
    }
    signed_out(&state)
}

/// Ends every session of the signed-in user, on every device.
async fn logout_everywhere(State(state): State<AppState>, MaybeUser(session): MaybeUser) -> Response {
    if let Ok(user) = session
        && let Err(err) = service::sign_out_everywhere(&state, &user).await
    {
        return err.into_response();
    }
    signed_out(&state)
}

fn signed_out(state: &AppState) -> Response {
    let cookie = session_cookie("", 0, state.config.http.secure_cookies);
    with_cookie(Redirect::to("/login").into_response(), &cookie)
}

/// `Set-Cookie` value for the session: HttpOnly, SameSite=Lax, whole site.
pub fn session_cookie(token: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn signed_in(state: &AppState, session: Session, next: &str) -> Response {
    let cookie = session_cookie(&session.token, session.expires_in, state.config.http.secure_cookies);
    with_cookie(Redirect::to(safe_next(next)).into_response(), &cookie)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().insert(header::SET_COOKIE, value);
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Only a path on this site: one `/` followed by a safe character (or nothing),
/// and only visible ASCII with no backslash anywhere. Browsers drop tabs and
/// newlines and read `\` as `/`, so `/<TAB>/evil.example` or `/\evil.example` would
/// leave the site; a control character would not even fit in `Location`.
pub fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let starts_well = bytes.first() == Some(&b'/')
        && bytes.get(1).is_none_or(|b| b.is_ascii_alphanumeric() || b"?#-_.~%&=".contains(b));
    let all_safe = bytes.iter().all(|b| (0x21..=0x7e).contains(b) && *b != b'\\');
    if starts_well && all_safe { next } else { "/" }
}

fn back_to(page: &str, code: &str, username: &str, next: &str) -> Response {
    let mut query = vec![("error", code)];
    if !username.is_empty() && username.len() <= 64 {
        query.push(("username", username.trim()));
    }
    if safe_next(next) != "/" {
        query.push(("next", next));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    Redirect::to(&format!("{page}?{query}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_this_site() {
        for good in ["/", "/trades?page=2", "/?range=1Y&chart=drawdown", "/symbol/BRK.B"] {
            assert_eq!(safe_next(good), good);
        }
        for bad in [
            "",
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/trades\\..\\x",
            "/é",
            "/\u{7f}",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let cookie = session_cookie("tok", 60, false);
        assert_eq!(cookie, "folio_token=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
        assert!(session_cookie("tok", 60, true).ends_with("; Secure"));
    }
}
