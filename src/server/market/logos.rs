//! Company logos served from Folio's own origin: `GET /logos/{symbol}`.
//!
//! The browser never contacts a third party (no tracking, no mixed content), and
//! the page's CSP can say `img-src 'self' data:`. The server fetches the logo the
//! company profile names, once, and keeps it:
//! - only from `https://` URLs, or from the configured Finnhub host itself (which
//!   tests point at a loopback fake over plain http); no redirects;
//! - only PNG, JPEG, GIF or WebP, checked by the bytes as well as the
//!   `Content-Type` (an SVG can carry scripts), at most 512 KB;
//! - kept 24 hours (a missing or refused logo 10 minutes), 32 MB in all.
//!
//! Demo prices come with logos bundled in `public/logos/`, served through the same
//! door. Answers carry a sandboxing CSP, so even a file opened on its own cannot run.

use crate::model::{PriceSource, Symbol};
use crate::server::auth::extractor::MaybeUser;
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use moka::Expiry;
use moka::future::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MAX_BYTES: usize = 512 * 1024;
const KEEP: Duration = Duration::from_secs(24 * 3600);
const KEEP_MISSING: Duration = Duration::from_secs(10 * 60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

pub struct LogoStore {
    cache: Cache<Symbol, Option<Arc<Logo>>>,
    client: reqwest::Client,
    /// `scheme://host:port` of FINNHUB_BASE_URL: logo URLs there may be plain http.
    upstream_origin: String,
    /// The built site's folder, whose `logos/` holds the demo logos.
    site_root: std::path::PathBuf,
}

struct KeepFor;

impl Expiry<Symbol, Option<Arc<Logo>>> for KeepFor {
    fn expire_after_create(&self, _: &Symbol, logo: &Option<Arc<Logo>>, _: Instant) -> Option<Duration> {
        Some(if logo.is_some() { KEEP } else { KEEP_MISSING })
    }
}

impl LogoStore {
    pub fn new(finnhub_base_url: &str, site_root: &str) -> Self {
        let cache = Cache::builder()
            .max_capacity(32 * 1024 * 1024)
            .weigher(|_: &Symbol, logo: &Option<Arc<Logo>>| logo.as_ref().map_or(64, |l| l.bytes.len() as u32 + 64))
            .expire_after(KeepFor)
            .build();
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a plain HTTP client builds");
        Self { cache, client, upstream_origin: origin_of(finnhub_base_url), site_root: site_root.into() }
    }

    /// The logo of `symbol`, fetched once and kept; `None` when there is none
    /// that may be shown.
    pub async fn get(&self, state: &AppState, symbol: &Symbol) -> Option<Arc<Logo>> {
        self.cache.get_with(symbol.clone(), async { self.load(state, symbol).await.map(Arc::new) }).await
    }

    async fn load(&self, state: &AppState, symbol: &Symbol) -> Option<Logo> {
        if state.market.source() == PriceSource::Demo {
            let file = self.site_root.join("logos").join(format!("{}.svg", symbol.as_str()));
            let bytes = tokio::fs::read(file).await.ok()?;
            return Some(Logo { content_type: "image/svg+xml", bytes: bytes.into() });
        }
        // A logo can wait: its profile call leaves pages' share of the budget alone.
        let url = super::limiter::as_background(state.market.profile(symbol)).await.ok()?.logo;
        if url.is_empty() || !self.may_fetch(&url) {
            return None;
        }
        match self.fetch(&url).await {
            Ok(logo) => Some(logo),
            Err(why) => {
                tracing::info!(%symbol, why, "company logo not used");
                None
            }
        }
    }

    fn may_fetch(&self, url: &str) -> bool {
        url.starts_with("https://") || (!self.upstream_origin.is_empty() && origin_of(url) == self.upstream_origin)
    }

    async fn fetch(&self, url: &str) -> Result<Logo, &'static str> {
        let mut response = self.client.get(url).send().await.map_err(|_| "unreachable")?;
        if response.status() != StatusCode::OK {
            return Err("not 200");
        }
        if response.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
            return Err("too large");
        }
        let claimed = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let claimed = claimed.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| "cut short")? {
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err("too large");
            }
            bytes.extend_from_slice(&chunk);
        }
        match image_type(&bytes) {
            Some(actual) if actual == claimed => Ok(Logo { content_type: actual, bytes: bytes.into() }),
            Some(_) => Err("content type does not match the bytes"),
            None => Err("not a PNG, JPEG, GIF or WebP image"),
        }
    }
}

/// The image type the bytes are, by their signature.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// `scheme://authority` of a URL, lower-cased; empty when it has none.
fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return String::new() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{authority}").to_ascii_lowercase()
}

/// The local address of a symbol's logo, for pages and position rows.
pub fn logo_path(symbol: &str) -> String {
    format!("/logos/{symbol}")
}

/// `GET /logos/{symbol}` (signed in). `/logos/AAPL.svg`, the older address of the
/// demo logos, is the same as `/logos/AAPL`.
pub async fn serve(State(state): State<AppState>, MaybeUser(session): MaybeUser, Path(name): Path<String>) -> Response {
    if let Err(err) = session {
        return err.into_response();
    }
    let Ok(symbol) = Symbol::parse(name.strip_suffix(".svg").unwrap_or(&name)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(logo) = state.logos.get(&state, &symbol).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = logo.bytes.clone().into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(logo.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        for not_an_image in [&b"<svg xmlns='http://www.w3.org/2000/svg'>"[..], b"<html>", b"", b"RIFF\0\0\0\0AVI "] {
            assert_eq!(image_type(not_an_image), None);
        }
    }

    #[test]
    fn only_https_or_the_upstream_itself() {
        let store = LogoStore::new("http://127.0.0.1:9999/api/v1", "target/site");
        assert!(store.may_fetch("https://static2.finnhub.io/logo/AAPL.png"));
        assert!(store.may_fetch("http://127.0.0.1:9999/static/logo/AAPL.png"));
        for refused in ["http://static2.finnhub.io/x.png", "http://127.0.0.1:9998/x.png", "ftp://x/y.png", "/logos/x"] {
            assert!(!store.may_fetch(refused), "{refused}");
        }
        let real = LogoStore::new("https://finnhub.io/api/v1", "target/site");
        assert!(!real.may_fetch("http://finnhub.io.evil.example/x.png"));
        assert!(!real.may_fetch("http://finnhub.io/x.png"), "the real upstream is https: http is refused");
    }
}
