//! Headers every answer carries: what the browser may load and run (CSP), framing,
//! sniffing and referrer rules, HTTPS only once chosen (HSTS), and what may be
//! cached. Signed-in pages, API answers and exports hold a person's finances, so
//! nothing but the static files may be kept by a browser or a shared cache.

use crate::server::auth::guard::is_static_file;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What pages may load: only this origin, except images (company logos come from
/// Finnhub's CDN). Inline scripts are needed by Leptos' hydration bootstrap.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// One year, the value HSTS preload lists ask for.
const HSTS: &str = "max-age=31536000";

/// `no-store` for everything generated, `no-cache` (revalidate) for static files:
/// their names carry no hash, so a long cache would pair new HTML with an old WASM.
pub async fn cache_policy(request: Request, next: Next) -> Response {
    let static_file = is_static_file(request.uri().path());
    let mut response = next.run(request).await;
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = if static_file { "no-cache" } else { "no-store" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// `Strict-Transport-Security`, sent only when the cookies are marked `Secure`
/// (that setting says the site is served over HTTPS).
pub async fn strict_transport(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    response
}
