//! One id per request, in every log line the request causes and in the answer's
//! `X-Request-Id`, so a person reporting a problem and the operator reading the log
//! can point at the same request.
//!
//! A proxy's id is kept when it is well-formed (1 to 64 letters, digits, `.`, `_`,
//! `:` or `-`); anything else is replaced, so a client cannot write spaces, quotes or
//! line breaks into the log through this header.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
const MAX_LEN: usize = 64;

/// The id of the request being served (a request extension).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Takes or makes the id, and returns it in the answer. A tower layer (not
/// `from_fn`, which clones the inner service stack on every request).
#[derive(Clone, Copy, Default)]
pub struct AssignRequestId;

impl<S> tower::Layer<S> for AssignRequestId {
    type Service = Assigned<S>;
    fn layer(&self, inner: S) -> Assigned<S> {
        Assigned { inner }
    }
}

#[derive(Clone)]
pub struct Assigned<S> {
    inner: S,
}

impl<S> tower::Service<Request> for Assigned<S>
where
    S: tower::Service<Request, Response = Response> + Send,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = request
            .headers()
            .get(&HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| well_formed(v))
            .map_or_else(generate, str::to_string);
        let value = HeaderValue::from_str(&id).ok();
        request.extensions_mut().insert(RequestId(id));
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            if let Some(value) = value {
                response.headers_mut().insert(HEADER, value);
            }
            Ok(response)
        })
    }
}

pub fn well_formed(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// 16 random bytes in hex; a process-wide sequence if the system has no randomness.
fn generate() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        return format!("seq-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The span every request's log lines sit in (the `TraceLayer`'s `make_span_with`).
/// Info level, so the id is on the info lines a default filter keeps; the path
/// without its query, which may carry a person's search text.
pub fn span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().map_or("-", |id| id.0.as_str());
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_a_proxy_sends_are_kept_only_when_harmless() {
        for good in ["abc", "3f2a9c1e-77b0-4c1e-9f00-0a1b2c3d4e5f", "req:42.a_b", &"x".repeat(64)] {
            assert!(well_formed(good), "{good}");
        }
        for bad in ["", "a b", "a\nb", "a\"b", "<script>", &"x".repeat(65), "ä"] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_well_formed_and_differ() {
        let (a, b) = (generate(), generate());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
