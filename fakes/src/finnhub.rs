//! A faithful fake of the Finnhub REST API, for tests and end-to-end runs (Finnhub
//! itself is out of reach here). It serves `/quote`, `/stock/profile2` and `/search`
//! under `/api/v1` with the real shapes, status codes and error bodies, and offers:
//!
//! - prices and profiles settable by tests (`POST /_fake/quotes`, `/_fake/profiles`);
//! - switchable faults (`POST /_fake/fault`, `DELETE /_fake/fault`): latency,
//!   timeout, 401, 403, 429 with or without headers, 500, malformed JSON, null
//!   fields, wrong types, a body cut short — for every call, a number of calls, or
//!   one symbol;
//! - a call log with timestamps (`GET /_fake/calls`), so tests can count upstream
//!   calls and check the rate budget;
//! - the trade WebSocket at `/` on the same listener ([`crate::stream`]), with
//!   trades pushed by tests, cut connections, refused handshakes, silence and
//!   counts (`/_fake/stream…`).
//!
//! Folio's tests and benchmarks drive it in-process through [`FakeFinnhub`]; the
//! `fake_finnhub` binary serves it for end-to-end runs.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fault the fake injects instead of (or on top of) a normal answer.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally after a delay.
    Latency {
        ms: u64,
    },
    /// Never answer in time (30 s).
    Timeout,
    Unauthorized,
    Forbidden,
    /// 429; `retry_after` sets `Retry-After`, `reset_in` sets `x-ratelimit-reset` (seconds from now).
    RateLimited {
        retry_after: Option<u64>,
        reset_in: Option<i64>,
    },
    ServerError,
    MalformedJson,
    /// A quote with `d` and `dp` null (valid, as Finnhub sends for some symbols).
    NullFields,
    /// A quote whose numbers are strings.
    WrongTypes,
    /// The body stops half-way.
    Truncated,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FaultSpec {
    #[serde(flatten)]
    pub fault: Fault,
    /// Only this many calls (then the fault clears itself); every call if absent.
    pub times: Option<u32>,
    /// Only calls for this symbol; every symbol if absent.
    pub symbol: Option<String>,
    /// Only calls to this endpoint (`quote`, `chart`, `candle`, …); every one if absent.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// One call the fake received.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Call {
    pub endpoint: String,
    pub symbol: String,
    /// Milliseconds since the fake started.
    pub at_ms: u64,
}

/// A quote as tests set it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FakeQuote {
    pub symbol: String,
    pub c: f64,
    pub pc: f64,
    /// Unix seconds of the last trade; "now" if absent.
    pub t: Option<i64>,
}

pub struct FakeState {
    key: Option<String>,
    started: Instant,
    pub(crate) quotes: Mutex<HashMap<String, FakeQuote>>,
    pub(crate) splits: Mutex<HashMap<String, Vec<crate::history::FakeSplit>>>,
    pub(crate) candles_allowed: Mutex<bool>,
    profiles: Mutex<HashMap<String, Value>>,
    fault: Mutex<Option<FaultSpec>>,
    calls: Mutex<Vec<Call>>,
    pub(crate) stream: crate::stream::StreamState,
}

/// A running fake, for tests in this process.
#[derive(Clone)]
pub struct FakeFinnhub {
    pub addr: SocketAddr,
    pub state: Arc<FakeState>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const DEFAULT_QUOTES: &[(&str, f64, f64)] = &[
    ("AAPL", 189.84, 187.15),
    ("MSFT", 415.5, 410.1),
    ("GOOGL", 151.2, 152.0),
    ("AMZN", 178.25, 175.0),
    ("TSLA", 240.1, 245.8),
    ("NVDA", 880.08, 870.0),
    ("META", 505.0, 500.0),
    ("SPY", 521.3, 519.9),
];

impl FakeState {
    pub fn new(key: Option<String>) -> Self {
        let quotes = DEFAULT_QUOTES
            .iter()
            .map(|(s, c, pc)| (s.to_string(), FakeQuote { symbol: s.to_string(), c: *c, pc: *pc, t: None }))
            .collect();
        let profiles = DEFAULT_QUOTES.iter().map(|(s, _, _)| (s.to_string(), default_profile(s))).collect();
        Self {
            key,
            started: Instant::now(),
            quotes: Mutex::new(quotes),
            splits: Mutex::new(HashMap::new()),
            candles_allowed: Mutex::new(false),
            profiles: Mutex::new(profiles),
            fault: Mutex::new(None),
            calls: Mutex::new(Vec::new()),
            stream: Default::default(),
        }
    }

    pub fn set_quote(&self, symbol: &str, c: f64, pc: f64) {
        lock(&self.quotes).insert(symbol.into(), FakeQuote { symbol: symbol.into(), c, pc, t: None });
    }

    /// A quote whose last trade was at `t` (Unix seconds) rather than now.
    pub fn set_quote_at(&self, symbol: &str, c: f64, pc: f64, t: i64) {
        lock(&self.quotes).insert(symbol.into(), FakeQuote { symbol: symbol.into(), c, pc, t: Some(t) });
    }

    pub fn set_profile(&self, symbol: &str, profile: Value) {
        lock(&self.profiles).insert(symbol.into(), profile);
    }

    pub fn set_fault(&self, fault: Fault, times: Option<u32>, symbol: Option<&str>) {
        *lock(&self.fault) = Some(FaultSpec { fault, times, symbol: symbol.map(str::to_string), endpoint: None });
    }

    /// A fault for calls to one endpoint only (`chart` for Yahoo, `candle`, `quote`, …).
    pub fn set_endpoint_fault(&self, endpoint: &str, fault: Fault, times: Option<u32>) {
        *lock(&self.fault) = Some(FaultSpec { fault, times, symbol: None, endpoint: Some(endpoint.to_string()) });
    }

    pub fn clear_fault(&self) {
        *lock(&self.fault) = None;
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }

    /// Calls to one endpoint (`quote`, `profile2`, `search`) for one symbol.
    pub fn count(&self, endpoint: &str, symbol: &str) -> usize {
        lock(&self.calls).iter().filter(|c| c.endpoint == endpoint && c.symbol == symbol).count()
    }

    pub fn clear_calls(&self) {
        lock(&self.calls).clear();
    }

    /// Milliseconds since the fake started, the clock of the logs.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Whether `key` is the fake's key (any non-empty one if it has none).
    pub(crate) fn accepts_key(&self, key: &str) -> bool {
        !key.is_empty() && self.key.as_ref().is_none_or(|expected| expected == key)
    }

    pub(crate) fn record(&self, endpoint: &str, symbol: &str) {
        let at_ms = self.elapsed_ms();
        lock(&self.calls).push(Call { endpoint: endpoint.into(), symbol: symbol.into(), at_ms });
    }

    /// The fault for this call, if any (and counts it down).
    fn take_fault(&self, endpoint: &str, symbol: &str) -> Option<Fault> {
        let mut slot = lock(&self.fault);
        let spec = slot.as_mut()?;
        if spec.symbol.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case(symbol))
            || spec.endpoint.as_deref().is_some_and(|e| e != endpoint)
        {
            return None;
        }
        let fault = spec.fault.clone();
        if let Some(times) = spec.times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                *slot = None;
            }
        }
        Some(fault)
    }

    fn calls_last_minute(&self) -> usize {
        let now = self.started.elapsed().as_millis() as u64;
        lock(&self.calls).iter().filter(|c| now.saturating_sub(c.at_ms) < 60_000).count()
    }
}

fn default_profile(symbol: &str) -> Value {
    json!({
        "country": "US", "currency": "USD", "estimateCurrency": "USD",
        "exchange": "NASDAQ NMS - GLOBAL MARKET", "finnhubIndustry": "Technology", "ipo": "1980-12-12",
        // Empty, as Finnhub sends for many symbols: a real logo URL would point at a
        // host these machines cannot reach (tests set one when they need it).
        "logo": "",
        "marketCapitalization": 3_500_000.0, "name": format!("{symbol} Inc"), "phone": "14089961010",
        "shareOutstanding": 15_000.0, "ticker": symbol, "weburl": "https://www.example.com/"
    })
}

impl FakeFinnhub {
    /// Serves on 127.0.0.1 at a free port. `key`: the only accepted API key (any
    /// non-empty key if `None`).
    pub async fn start(key: Option<&str>) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().expect("literal address"), key).await
    }

    pub async fn start_on(addr: SocketAddr, key: Option<&str>) -> std::io::Result<Self> {
        let state = Arc::new(FakeState::new(key.map(str::to_string)));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state })
    }

    /// A logo URL on the fake's static host (`file` as in `logo_file`).
    pub fn logo_url(&self, file: &str) -> String {
        format!("http://{}/static/logo/{file}", self.addr)
    }

    /// The value for `FINNHUB_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }
}

pub fn router(state: Arc<FakeState>) -> Router {
    use crate::stream;
    Router::new()
        .route("/", get(stream::handshake))
        .route("/_fake/stream", get(stream::admin_status).delete(stream::admin_clear))
        .route("/_fake/stream/trades", post(stream::admin_trades))
        .route("/_fake/stream/drop", post(stream::admin_drop))
        .route("/_fake/stream/refuse", post(stream::admin_refuse))
        .route("/_fake/stream/silent", post(stream::admin_silent))
        .route("/_fake/stream/ping", post(stream::admin_ping))
        .route("/_fake/stream/limit", post(stream::admin_limit))
        .route("/api/v1/quote", get(quote))
        .route("/api/v1/stock/profile2", get(profile))
        .route("/api/v1/search", get(search))
        .route("/api/v1/stock/candle", get(crate::history::finnhub_candle))
        .route("/api/v1/stock/split", get(crate::history::finnhub_splits))
        .route("/v8/finance/chart/{symbol}", get(crate::history::yahoo_chart))
        .route("/_fake/splits/{symbol}", post(admin_splits))
        .route("/_fake/candles", post(admin_candles))
        .route("/static/logo/{file}", get(logo_file))
        .route("/_fake/quotes", post(admin_quote))
        .route("/_fake/profiles", post(admin_profile))
        .route("/_fake/fault", post(admin_fault).delete(admin_clear_fault))
        .route("/_fake/calls", get(admin_calls).delete(admin_clear_calls))
        .with_state(state)
}

type Params = Query<HashMap<String, String>>;

/// A 1×1 PNG, the smallest real image a logo test can check byte for byte.
pub const LOGO_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d,
    0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Logo files as Finnhub's static host serves them: `X.png` is an image; `page.png`
/// claims to be one but is HTML, `script.svg` is an SVG with a script, `big.png` is
/// over any sane size; anything else is a 404.
async fn logo_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let with_type = |content_type: &'static str, body: Vec<u8>| {
        ([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response()
    };
    match file.as_str() {
        "page.png" => with_type("image/png", b"<html><script>alert(1)</script></html>".to_vec()),
        "script.svg" => with_type(
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        "big.png" => with_type("image/png", [LOGO_PNG, &vec![0u8; 2 * 1024 * 1024]].concat()),
        name if name.ends_with(".png") => with_type("image/png", LOGO_PNG.to_vec()),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn error_body(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Key check, call log and faults shared by the data endpoints. `Err` is the
/// response to send instead of the normal one.
pub(crate) async fn gate(
    state: &FakeState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    endpoint: &str,
    subject: &str,
) -> Result<Option<Fault>, Response> {
    state.record(endpoint, subject);
    let key = headers
        .get("x-finnhub-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| params.get("token").cloned())
        .unwrap_or_default();
    if key.is_empty() {
        return Err(error_body(StatusCode::UNAUTHORIZED, "Please use an API key."));
    }
    if state.key.as_ref().is_some_and(|expected| *expected != key) {
        return Err(error_body(StatusCode::UNAUTHORIZED, "Invalid API key."));
    }
    let fault = state.take_fault(endpoint, subject);
    match &fault {
        Some(Fault::Latency { ms }) => tokio::time::sleep(Duration::from_millis(*ms)).await,
        Some(Fault::Timeout) => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Some(Fault::Unauthorized) => return Err(error_body(StatusCode::UNAUTHORIZED, "Invalid API key.")),
        Some(Fault::Forbidden) => {
            return Err(error_body(StatusCode::FORBIDDEN, "You don't have access to this resource."));
        }
        Some(Fault::RateLimited { retry_after, reset_in }) => {
            let mut response = error_body(
                StatusCode::TOO_MANY_REQUESTS,
                "API limit reached. Please try again later. Remaining Limit: 0",
            );
            if let Some(seconds) = retry_after {
                response.headers_mut().insert("retry-after", HeaderValue::from(*seconds));
            }
            if let Some(seconds) = reset_in {
                let reset = now_unix() + seconds;
                response.headers_mut().insert("x-ratelimit-reset", HeaderValue::from(reset));
            }
            return Err(response);
        }
        Some(Fault::ServerError) => return Err(error_body(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")),
        Some(Fault::MalformedJson) => return Err(json_text(r#"{"c": 12.5, "d": "#)),
        Some(Fault::Truncated) => {
            let chunks: Vec<Result<&'static str, std::io::Error>> =
                vec![Ok(r#"{"c":189.84,"d":1.2,"#), Err(std::io::Error::other("connection dropped"))];
            let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
            response.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
            return Err(response);
        }
        Some(Fault::NullFields | Fault::WrongTypes) | None => {}
    }
    Ok(fault)
}

impl FakeState {
    /// The faults a keyless source (Yahoo) can show: latency, a timeout, 429 as
    /// plain text, 5xx, a malformed or cut-short body. `Some` is the response to
    /// send instead of the normal one.
    pub(crate) async fn keyless_fault(&self, symbol: &str, endpoint: &str) -> Option<Response> {
        match self.take_fault(endpoint, symbol)? {
            Fault::Latency { ms } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                None
            }
            Fault::Timeout => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                None
            }
            Fault::RateLimited { .. } => Some((StatusCode::TOO_MANY_REQUESTS, "Too Many Requests\r\n").into_response()),
            Fault::MalformedJson | Fault::WrongTypes => Some(json_text(r#"{"chart":{"result":[{"timestamp":[1"#)),
            Fault::Truncated => Some(json_text(r#"{"chart":{"result":[{"meta":"#)),
            Fault::Forbidden | Fault::Unauthorized => Some((StatusCode::FORBIDDEN, "Forbidden").into_response()),
            Fault::ServerError | Fault::NullFields => {
                Some(error_body(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))
            }
        }
    }
}

fn json_text(body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

fn with_rate_headers(state: &FakeState, value: Value) -> Response {
    let mut response = Json(value).into_response();
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(60));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(60usize.saturating_sub(state.calls_last_minute())));
    headers.insert("x-ratelimit-reset", HeaderValue::from(now_unix() + 60));
    response
}

async fn quote(State(state): State<Arc<FakeState>>, headers: HeaderMap, Query(params): Params) -> Response {
    let symbol = params.get("symbol").cloned().unwrap_or_default();
    let fault = match gate(&state, &headers, &params, "quote", &symbol).await {
        Ok(fault) => fault,
        Err(response) => return response,
    };
    let known = lock(&state.quotes).get(&symbol).cloned();
    let Some(q) = known else {
        return with_rate_headers(&state, json!({"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}));
    };
    let t = q.t.unwrap_or_else(now_unix);
    let d = q.c - q.pc;
    let dp = if q.pc == 0.0 { 0.0 } else { d / q.pc * 100.0 };
    let body = match fault {
        Some(Fault::NullFields) => {
            json!({"c": q.c, "d": null, "dp": null, "h": q.c.max(q.pc), "l": q.c.min(q.pc), "o": q.pc, "pc": q.pc, "t": t})
        }
        Some(Fault::WrongTypes) => {
            json!({"c": q.c.to_string(), "d": "x", "dp": "y", "h": "?", "l": "?", "o": "?", "pc": "?", "t": "soon"})
        }
        _ => json!({"c": q.c, "d": d, "dp": dp, "h": q.c.max(q.pc), "l": q.c.min(q.pc), "o": q.pc, "pc": q.pc, "t": t}),
    };
    with_rate_headers(&state, body)
}

async fn profile(State(state): State<Arc<FakeState>>, headers: HeaderMap, Query(params): Params) -> Response {
    let symbol = params.get("symbol").cloned().unwrap_or_default();
    if let Err(response) = gate(&state, &headers, &params, "profile2", &symbol).await {
        return response;
    }
    let body = lock(&state.profiles).get(&symbol).cloned().unwrap_or_else(|| json!({}));
    with_rate_headers(&state, body)
}

async fn search(State(state): State<Arc<FakeState>>, headers: HeaderMap, Query(params): Params) -> Response {
    let q = params.get("q").cloned().unwrap_or_default();
    if let Err(response) = gate(&state, &headers, &params, "search", &q).await {
        return response;
    }
    let needle = q.to_lowercase();
    let result: Vec<Value> = lock(&state.profiles)
        .iter()
        .filter(|(symbol, p)| {
            !needle.is_empty()
                && (symbol.to_lowercase().starts_with(&needle)
                    || p["name"].as_str().is_some_and(|n| n.to_lowercase().contains(&needle)))
        })
        .map(|(symbol, p)| json!({"description": p["name"].as_str().unwrap_or_default().to_uppercase(), "displaySymbol": symbol, "symbol": symbol, "type": "Common Stock"}))
        .collect();
    with_rate_headers(&state, json!({ "count": result.len(), "result": result }))
}

async fn admin_quote(State(state): State<Arc<FakeState>>, Json(quote): Json<FakeQuote>) -> StatusCode {
    lock(&state.quotes).insert(quote.symbol.clone(), quote);
    StatusCode::NO_CONTENT
}

async fn admin_profile(State(state): State<Arc<FakeState>>, Json(profile): Json<Value>) -> StatusCode {
    let Some(symbol) = profile["ticker"].as_str().map(str::to_string) else {
        return StatusCode::UNPROCESSABLE_ENTITY;
    };
    state.set_profile(&symbol, profile);
    StatusCode::NO_CONTENT
}

async fn admin_splits(
    State(state): State<Arc<FakeState>>,
    axum::extract::Path(symbol): axum::extract::Path<String>,
    Json(splits): Json<Vec<crate::history::FakeSplit>>,
) -> StatusCode {
    state.set_splits(&symbol, splits);
    StatusCode::NO_CONTENT
}

async fn admin_candles(State(state): State<Arc<FakeState>>, Json(allowed): Json<bool>) -> StatusCode {
    state.allow_candles(allowed);
    StatusCode::NO_CONTENT
}

async fn admin_fault(State(state): State<Arc<FakeState>>, Json(spec): Json<FaultSpec>) -> StatusCode {
    *lock(&state.fault) = Some(spec);
    StatusCode::NO_CONTENT
}

async fn admin_clear_fault(State(state): State<Arc<FakeState>>) -> StatusCode {
    state.clear_fault();
    StatusCode::NO_CONTENT
}

async fn admin_calls(State(state): State<Arc<FakeState>>) -> Json<Vec<Call>> {
    Json(state.calls())
}

async fn admin_clear_calls(State(state): State<Arc<FakeState>>) -> StatusCode {
    state.clear_calls();
    StatusCode::NO_CONTENT
}

/// Seconds since the Unix epoch, as Finnhub writes times.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
