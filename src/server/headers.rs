//! Headers every answer carries: what the browser may load and run (CSP), framing,
//! sniffing and referrer rules, HTTPS only once chosen (HSTS), and what may be
//! cached. Signed-in pages, API answers and exports hold a person's finances, so
//! nothing but the static files may be kept by a browser or a shared cache.

use crate::server::auth::guard::is_static_file;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What a page may load: only this origin (logos too, see `market::logos`), images
/// also as data URLs, and scripts
/// only from files here or inline with this response's `nonce` (Leptos' hydration
/// bootstrap). Without a nonce (API answers, files, the docs page) no inline
/// script runs at all. Styles stay inline-capable: ECharts and Leptos set them.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// The CSP of a page names the nonce Leptos wrote on its hydration scripts. It is
/// read from the page itself (the first chunk of an HTML body holds the `<head>`),
/// because a header set from inside the render through Leptos' `ResponseOptions`
/// was sometimes missing from the response (seen in Chromium: about one page in
/// ten hydrated under the nonce-less policy and stayed inert).
pub async fn page_policy(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut stream = body.into_data_stream();
    let first = futures::StreamExt::next(&mut stream).await;
    let nonce = first.as_ref().and_then(|chunk| chunk.as_ref().ok()).and_then(hydration_nonce);
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let body = Body::from_stream(futures::StreamExt::chain(futures::stream::iter(first), stream));
    Response::from_parts(parts, body)
}

/// The nonce of Leptos' hydration module script, the first script it writes in
/// `<head>` (before anything a page renders from data); on a page served without
/// the WASM (`/login`), the nonce of the first of Leptos' own inline scripts, which
/// it writes before the body's content.
fn hydration_nonce(html: &Bytes) -> Option<String> {
    const MARKS: [&[u8]; 2] = [b"<script type=\"module\" nonce=\"", b"<script nonce=\""];
    let start = MARKS.iter().find_map(|mark| Some(html.windows(mark.len()).position(|w| w == *mark)? + mark.len()))?;
    let nonce: Vec<u8> = html[start..].iter().take_while(|b| **b != b'"').copied().collect();
    let valid = !nonce.is_empty()
        && nonce.len() <= 64
        && nonce.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='));
    valid.then(|| String::from_utf8_lossy(&nonce).into_owned())
}

/// `/pkg/folio.<hash>.wasm` and the like (also precompressed): cargo-leptos' hashed names.
fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else { return false };
    let mut parts = name.split('.');
    let (_, hash) = (parts.next(), parts.next().unwrap_or_default());
    // cargo-leptos writes the hash in URL-safe base64 (`iG2Knsed-NQKrAVOe0h_kw`).
    hash.len() >= 16
        && hash.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && parts.next().is_some()
}

/// One year, the value HSTS preload lists ask for.
const HSTS: &str = "max-age=31536000";

/// `no-store` for everything generated; a year, immutable, for the browser files
/// whose names carry their content's hash (a new build links new names, so an old
/// WASM is never paired with new HTML); `no-cache` (revalidate) for the other
/// static files.
pub async fn cache_policy(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let static_file = is_static_file(path);
    let hashed = static_file && is_hashed_asset(path);
    let mut response = next.run(request).await;
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = match (hashed && response.status().is_success(), static_file) {
            (true, _) => "public, max-age=31536000, immutable",
            (false, true) => "no-cache",
            (false, false) => "no-store",
        };
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

#[cfg(test)]
mod tests {
    use super::{Bytes, content_security_policy, hydration_nonce, is_hashed_asset};

    #[test]
    fn only_content_hashed_browser_files_are_kept_for_a_year() {
        assert!(is_hashed_asset("/pkg/folio.-XJyxs9wIC2vQL0qRDrJDQ.wasm"));
        assert!(is_hashed_asset("/pkg/folio.iryhSzWpOiNcm3jCUL1F5A.css"));
        assert!(is_hashed_asset("/pkg/folio.iG2Knsed-NQKrAVOe0h_kw.js"));
        for plain in ["/pkg/folio.wasm", "/pkg/folio_bg.wasm", "/pkg/folio.js", "/echarts/echarts.folio.js", "/pkg/x.y"]
        {
            assert!(!is_hashed_asset(plain), "{plain}");
        }
    }

    #[test]
    fn the_page_nonce_is_read_from_the_hydration_script() {
        let page = Bytes::from_static(
            b"<head><link rel=\"modulepreload\" href=\"/pkg/folio.js\" crossorigin=\"abc\">\
              <script type=\"module\" nonce=\"Ab_3-x\">import('/pkg/folio.js')</script></head>",
        );
        assert_eq!(hydration_nonce(&page).as_deref(), Some("Ab_3-x"));
        assert_eq!(hydration_nonce(&Bytes::from_static(b"<p>no scripts</p>")), None);
        // A page served without the WASM: Leptos' resource scripts carry the nonce.
        let plain = Bytes::from_static(b"<head></head><body><script nonce=\"Zz9\">__RESOLVED_RESOURCES=[]</script>");
        assert_eq!(hydration_nonce(&plain).as_deref(), Some("Zz9"));
        let hostile = Bytes::from_static(b"<script type=\"module\" nonce=\"x' 'unsafe-inline\">");
        assert_eq!(hydration_nonce(&hostile), None, "only nonce characters reach the policy");
    }

    fn scripts(policy: &str) -> &str {
        policy.split(';').find(|d| d.trim_start().starts_with("script-src")).unwrap()
    }

    #[test]
    fn scripts_run_only_from_here_or_with_the_nonce() {
        let page = content_security_policy(Some("abc123"));
        assert_eq!(scripts(&page).trim(), "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'");
        let other = content_security_policy(None);
        assert_eq!(scripts(&other).trim(), "script-src 'self' 'wasm-unsafe-eval'");
        for policy in [page, other] {
            assert!(!scripts(&policy).contains("unsafe-inline"), "{policy}");
            assert!(policy.contains("object-src 'none'") && policy.contains("frame-ancestors 'none'"));
        }
    }
}
