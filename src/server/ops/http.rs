//! HTTP requests counted and timed by route template, and the `/metrics` endpoint.
//!
//! `/metrics` is never public by default: it is served either on its own address
//! (`FOLIO_METRICS_ADDR`, meant for a private interface) or on the main one behind a
//! bearer token (`FOLIO_METRICS_TOKEN`), and both may be combined. With neither set,
//! there is no `/metrics` and requests are not timed at all.

use super::metrics::{Metrics, Sample};
use crate::server::auth::guard::is_static_file;
use crate::server::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// Counts and times every request. A tower layer rather than `from_fn`: it calls the
/// inner service directly and wraps its future, where `from_fn` clones the whole
/// inner service stack per request (measured: that clone, not the counting, was most
/// of the cost of timing requests). Applied with `Router::layer`, so it runs after
/// routing, where the route's template is known; requests no route took (static
/// files, unknown paths) are "static" or "unmatched", never their raw path.
#[derive(Clone)]
pub struct RecordRequests {
    metrics: Arc<Metrics>,
}

impl RecordRequests {
    pub fn layer(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for RecordRequests {
    type Service = Recorded<S>;
    fn layer(&self, inner: S) -> Recorded<S> {
        Recorded { inner, metrics: self.metrics.clone() }
    }
}

#[derive(Clone)]
pub struct Recorded<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> tower::Service<Request> for Recorded<S>
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

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let matched = request.extensions().get::<MatchedPath>().cloned();
        let unrouted = route_label(None, request.uri().path());
        let method = method_label(request.method());
        let metrics = self.metrics.clone();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let route = matched.as_ref().map_or(unrouted, MatchedPath::as_str);
            metrics.record_http(route, method, status_class(response.status()), started.elapsed().as_secs_f64());
            Ok(response)
        })
    }
}

/// The label for a request's route: its template when a route matched.
pub fn route_label<'a>(matched: Option<&'a str>, path: &str) -> &'a str {
    match matched {
        Some(template) => template,
        None if is_static_file(path) => "static",
        None => "unmatched",
    }
}

/// Standard methods by name; anything else (a client may send any token) is "other".
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// `GET /metrics`: the exposition, after the bearer token when one is configured.
pub async fn metrics_endpoint(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.ops.metrics_token
        && !bearer_matches(&headers, token.expose())
    {
        let mut refused =
            (StatusCode::UNAUTHORIZED, "The metrics need the bearer token (FOLIO_METRICS_TOKEN).\n").into_response();
        refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return refused;
    }
    let body = state.metrics.render(&sample(&state));
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], body)
        .into_response()
}

/// True when `Authorization: Bearer <token>` (the scheme in any case) names
/// `expected`. The comparison's time depends only on the expected token's length,
/// not on where the first difference is nor on the given length (a hand-written
/// loop: one function does not justify a crate).
pub fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some((scheme, given)) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.split_once(' '))
    else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let (given, expected) = (given.trim().as_bytes(), expected.as_bytes());
    let mut difference = usize::from(given.len() != expected.len());
    for (i, byte) in expected.iter().enumerate() {
        difference |= usize::from(given.get(i).copied().unwrap_or(0) ^ byte);
    }
    difference == 0
}

/// Whether `/metrics` is on the main address: only behind its token, and only when
/// it has no address of its own.
pub fn on_main_address(config: &crate::server::config::Config) -> bool {
    config.ops.metrics_token.is_some() && config.ops.metrics_addr.is_none()
}

/// The values that live elsewhere, read now.
fn sample(state: &AppState) -> Sample {
    let (portfolio_users, portfolio_bytes) = state.portfolios.usage();
    let market = state.market.status();
    let budget = state.market.budget();
    Sample {
        budget: budget.map(|b| (b.second, b.minute)),
        paused: budget.map(|b| b.paused).unwrap_or_default(),
        market_healthy: market.problem.is_none(),
        market_last_success: market.last_success_at,
        portfolio_users,
        portfolio_bytes,
        draining: state.draining.load(std::sync::atomic::Ordering::Relaxed),
        leader: state.cluster.role().leads(),
    }
}

/// The router of the separate metrics address: `/metrics` and nothing else.
pub fn metrics_only_router(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics_endpoint)).with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_request_is_a_warning_and_others_are_not() {
        use tower_http::trace::OnResponse;
        let lines = crate::server::ops::logging::capture::Buffer::default();
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            for status in [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE, StatusCode::REQUEST_TIMEOUT] {
                let response = Response::builder().status(status).body(()).unwrap();
                LogResponse.on_response(&response, std::time::Duration::from_secs(30), &tracing::Span::none());
            }
        });
        let text = lines.text();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("WARN") && text.contains("answered 408") && text.contains("latency_ms=30000"), "{text}");
    }

    #[test]
    fn routes_are_templates_never_raw_paths() {
        assert_eq!(route_label(Some("/api/activities/{id}"), "/api/activities/8123"), "/api/activities/{id}");
        assert_eq!(route_label(Some("/symbol/{symbol}"), "/symbol/AAPL"), "/symbol/{symbol}");
        assert_eq!(route_label(None, "/pkg/folio.wasm"), "static");
        assert_eq!(route_label(None, "/favicon.ico"), "static");
        // An unknown path (a scanner, a typo, an id-bearing URL nobody routes) is one series.
        for path in ["/wp-admin", "/symbol-x/123", "/no/such/page/42"] {
            assert_eq!(route_label(None, path), "unmatched");
        }
        let odd = Method::from_bytes(b"PROPFIND").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
    }

    #[test]
    fn only_the_exact_bearer_token_opens_the_metrics() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            headers
        };
        let token = "metrics-token-0123456789";
        assert!(bearer_matches(&with("Bearer metrics-token-0123456789"), token));
        assert!(bearer_matches(&with("BEARER metrics-token-0123456789"), token), "the scheme is case-insensitive");
        assert!(!bearer_matches(&with("Bearer metrics-token-012345678"), token));
        assert!(!bearer_matches(&with("Bearer "), token));
        assert!(!bearer_matches(&with("Bearer metrics-token-0123456789x"), token));
        assert!(!bearer_matches(&with("Bearer metrics-token-01234567890"), token));
        assert!(!bearer_matches(&with("Bearer metrics-token-0123456788"), token));
        assert!(!bearer_matches(&with("Basic bWV0cmljczp4"), token));
        assert!(!bearer_matches(&with("metrics-token-0123456789"), token));
        assert!(!bearer_matches(&HeaderMap::new(), token));
    }
}

/// The trace layer's response log: tower-http's own line (debug), and a warning
/// when the request ran into the request timeout and was answered 408. A request
/// that long is a hang somewhere; its request id leads to its other log lines.
#[derive(Clone, Copy, Default)]
pub struct LogResponse;

impl<B> tower_http::trace::OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: std::time::Duration, span: &tracing::Span) {
        let status = response.status();
        tower_http::trace::DefaultOnResponse::default().on_response(response, latency, span);
        if status == StatusCode::REQUEST_TIMEOUT {
            tracing::warn!(
                latency_ms = latency.as_millis() as u64,
                "the request ran past the request timeout: answered 408"
            );
        }
    }
}

/// The trace layer's line for a 5xx answer. A 503 is Folio saying "not now"
/// (the Finnhub budget is spent, the instance is draining): expected under load,
/// so it is a debug line; other failures are warnings (an internal error has
/// already been logged with its cause by `AppError`).
#[derive(Clone, Copy, Default)]
pub struct LogFailure;

impl tower_http::trace::OnFailure<tower_http::classify::ServerErrorsFailureClass> for LogFailure {
    fn on_failure(
        &mut self,
        failure: tower_http::classify::ServerErrorsFailureClass,
        latency: std::time::Duration,
        _span: &tracing::Span,
    ) {
        use tower_http::classify::ServerErrorsFailureClass as Class;
        let latency_ms = latency.as_millis() as u64;
        match failure {
            Class::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
                tracing::debug!(latency_ms, "answered 503 (not now)");
            }
            other => tracing::warn!(latency_ms, failure = %other, "the response failed"),
        }
    }
}
