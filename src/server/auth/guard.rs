//! Keeps pages behind sign-in: a browser that asks for a page without a valid
//! session is sent to `/login` (remembering where it was going); a signed-in browser
//! that asks for `/login` or `/signup` is sent to the dashboard. API routes, server
//! functions, static files and `/metrics` (when served here, behind its own token)
//! answer for themselves and pass straight through.

use super::extractor::request_user;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn require_sign_in(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let own_metrics = path == "/metrics" && crate::server::ops::http::on_main_address(&state.config);
    // HEAD renders a page as GET does (only the body is dropped): guarded alike.
    let reads = request.method() == Method::GET || request.method() == Method::HEAD;
    if !reads || passes_through(path) || own_metrics {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let signed_in = request_user(&state, &parts).await.is_ok();
    let request = Request::from_parts(parts, body);
    let path = request.uri().path();
    if is_sign_in_page(path) {
        return if signed_in { Redirect::to("/").into_response() } else { next.run(request).await };
    }
    if signed_in {
        return next.run(request).await;
    }
    let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = if wanted == "/" {
        "/login".to_string()
    } else {
        format!("/login?{}", serde_urlencoded::to_string([("next", wanted)]).unwrap_or_default())
    };
    Redirect::to(&target).into_response()
}

pub fn is_sign_in_page(path: &str) -> bool {
    path == "/login" || path == "/signup"
}

/// Extensions of the static files under `public/` (a symbol like `BRK.B` is a page).
const STATIC_EXTENSIONS: [&str; 9] = ["js", "wasm", "css", "ico", "png", "svg", "jpg", "webp", "txt"];

/// The folders of `public/` and the built site (`/pkg/`) that hold only files.
const STATIC_FOLDERS: [&str; 4] = ["/pkg/", "/echarts/", "/docs/", "/redoc/"];

/// A file under `public/` or the built site, not a page: in one of its folders, or
/// at the root (`/favicon.svg`). A dotted name deeper down is a page the guard must
/// see (`/symbol/BRK.B`, and `/symbol/AAPL.png`, which is a page too).
pub fn is_static_file(path: &str) -> bool {
    let at_root = path.matches('/').count() == 1;
    STATIC_FOLDERS.iter().any(|folder| path.starts_with(folder))
        || (at_root && path.rsplit_once('.').is_some_and(|(_, ext)| STATIC_EXTENSIONS.contains(&ext)))
}

/// API, auth posts, logos (they check the session themselves), health checks and
/// static files.
fn passes_through(path: &str) -> bool {
    ["/api/", "/auth/", "/logos/"].iter().any(|prefix| path.starts_with(prefix))
        || path == "/healthz"
        || path == "/readyz"
        || path == "/docs"
        || path == "/redoc"
        || is_static_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_are_guarded() {
        for open in [
            "/api/auth/login",
            "/pkg/folio.wasm",
            "/echarts/echarts.folio.js",
            "/redoc",
            "/redoc/redoc.standalone.js",
            "/favicon.ico",
            "/healthz",
            "/auth/logout",
        ] {
            assert!(passes_through(open), "{open}");
        }
        for page in ["/", "/trades", "/symbol/AAPL", "/symbol/BRK.B", "/symbol/AAPL.png", "/activities/1.js", "/login"]
        {
            assert!(!passes_through(page), "{page}");
        }
    }
}
