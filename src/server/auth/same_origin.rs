//! Refuses state-changing requests that a browser sent on behalf of another site.
//!
//! The session cookie is SameSite=Lax, which keeps it off cross-*site* posts, but
//! a page on another port of the same host is the same *site*: it could post a
//! form or a multipart import with the victim's cookie. So every unsafe request
//! (POST, PUT, PATCH, DELETE) that does not authenticate with an `Authorization`
//! header must come from this origin:
//! - `Sec-Fetch-Site` (sent by every current browser) must be `same-origin` or
//!   `none` (typed or bookmarked);
//! - otherwise `Origin`, if sent, must name this host (`Host`) exactly.
//!
//! This is the Fetch-metadata and standard-header defence of OWASP's CSRF sheet,
//! used here instead of a per-form token: browsers always send one of the two
//! headers on a cross-origin POST and a page cannot forge or remove them, while a
//! request with neither comes from a program, which has no victim's cookie to
//! ride on. Sign-in, sign-up, sign-out and the theme are covered too (login CSRF).
//! A bearer token is not ambient authority, so API clients are not affected.

use crate::server::error::AppError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_origin_writes(request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    if from_this_origin(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-origin write");
    AppError::forbidden("cross_origin_request", "This request came from another site and was refused.").into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True unless the browser says the request came from elsewhere.
pub fn from_this_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let authority = origin.to_str().ok().and_then(|o| o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")));
    matches!((authority, host), (Some(a), Some(h)) if !a.is_empty() && a.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(from_this_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(from_this_origin(&headers(&[("sec-fetch-site", "none")])));
        for other in ["same-site", "cross-site", "SAME-ORIGIN"] {
            let h = headers(&[("sec-fetch-site", other), ("origin", "http://a:3000"), ("host", "a:3000")]);
            assert!(!from_this_origin(&h), "{other}");
        }
    }

    #[test]
    fn origin_must_name_this_host_and_port() {
        assert!(from_this_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(from_this_origin(&headers(&[("origin", "https://folio.example"), ("host", "folio.example")])));
        for origin in ["http://127.0.0.1:4000", "null", "http://127.0.0.1", "http://evil.example", "file://"] {
            let h = headers(&[("origin", origin), ("host", "127.0.0.1:3000")]);
            assert!(!from_this_origin(&h), "{origin}");
        }
        assert!(!from_this_origin(&headers(&[("origin", "http://127.0.0.1:3000")])), "no Host to compare");
    }

    #[test]
    fn programs_without_browser_headers_pass() {
        assert!(from_this_origin(&HeaderMap::new()));
    }
}
