//! The Finnhub REST client: typed decoding of `/quote`, `/stock/profile2` and
//! `/search`, the key in a header (never in URLs or logs), timeouts, retries with
//! jittered backoff for transient failures, and the shared rate budget.

use super::limiter::RateLimiter;
use super::{Fetched, MarketData, MarketError, to_decimal, to_signed_decimal};
use crate::model::{CompanyProfile, PriceSource, Quote, SearchHit, Symbol, safe_url};
use crate::server::config::Secret;
use crate::server::db::now_unix;
use crate::server::ops::metrics::Metrics;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Attempts per call: the first plus at most two retries.
const ATTEMPTS: u32 = 3;
/// Wait after a 429 that names no time to wait.
const DEFAULT_429_BACKOFF: Duration = Duration::from_secs(10);
/// Longest a call waits for room in the rate budget before it is refused as
/// rate-limited (the caller then serves a cached value or says why there is none).
const MAX_BUDGET_WAIT: Duration = Duration::from_secs(5);

pub struct FinnhubClient {
    http: reqwest::Client,
    base_url: String,
    key: Secret,
    limiter: Arc<RateLimiter>,
    retry_base: Duration,
    metrics: Arc<Metrics>,
}

/// `/quote`: floats; `d`/`dp` are null for unknown symbols.
#[derive(Deserialize)]
struct RawQuote {
    c: f64,
    d: Option<f64>,
    dp: Option<f64>,
    h: f64,
    l: f64,
    o: f64,
    pc: f64,
    t: f64,
}

/// `/stock/profile2`: `{}` for unknown symbols, so every field is optional.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    ticker: Option<String>,
    name: Option<String>,
    exchange: Option<String>,
    finnhub_industry: Option<String>,
    country: Option<String>,
    currency: Option<String>,
    ipo: Option<String>,
    market_capitalization: Option<f64>,
    share_outstanding: Option<f64>,
    logo: Option<String>,
    weburl: Option<String>,
}

#[derive(Deserialize)]
struct RawSearch {
    #[serde(default)]
    result: Vec<RawHit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHit {
    #[serde(default)]
    description: String,
    #[serde(default)]
    display_symbol: String,
    #[serde(default)]
    symbol: String,
    #[serde(default, rename = "type")]
    kind: String,
}

/// What one attempt came to.
enum Attempt<T> {
    Done(Fetched<T>),
    /// Worth another try (5xx, timeout, connection, malformed or cut-short body).
    Retry(String),
}

impl FinnhubClient {
    pub fn new(
        base_url: &str,
        key: Secret,
        timeout: Duration,
        limiter: Arc<RateLimiter>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("folio/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            key,
            limiter,
            retry_base: Duration::from_millis(200),
            metrics,
        }
    }

    /// What is left of the rate budget right now.
    pub fn budget(&self) -> super::limiter::Headroom {
        self.limiter.headroom(tokio::time::Instant::now())
    }

    /// Counts one call's outcome (the label set is fixed: see `ops::metrics`).
    fn count(&self, path: &str, outcome: &str) {
        let endpoint = match path {
            "/quote" => "quote",
            "/stock/profile2" => "profile",
            "/search" => "search",
            "/stock/candle" => "candle",
            "/stock/split" => "split",
            _ => "other",
        };
        self.metrics.upstream("finnhub", endpoint, outcome);
    }

    /// Counts a decoded answer: a price or profile, or Finnhub's "no such symbol".
    pub(crate) fn count_decoded<T>(&self, path: &str, result: &Fetched<T>) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(MarketError::NotFound(_)) => "not_found",
            Err(_) => "bad_response",
        };
        self.count(path, outcome);
    }

    /// GET `path` with retries; decodes the JSON body into `T`. Every call counts
    /// against the shared rate budget (the history source's candles too).
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        subject: &str,
    ) -> Fetched<T> {
        let mut last_problem = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(self.backoff(attempt)).await;
            }
            match self.attempt(path, query, subject).await {
                Attempt::Done(result) => return result,
                Attempt::Retry(problem) => {
                    tracing::warn!(path, subject, attempt, problem = %problem, "Finnhub call failed");
                    last_problem = problem;
                }
            }
        }
        Err(MarketError::Unavailable(last_problem))
    }

    async fn attempt<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)], subject: &str) -> Attempt<T> {
        let _permit = match self.limiter.acquire_within(MAX_BUDGET_WAIT).await {
            Ok(permit) => permit,
            Err(wait) => {
                self.count(path, "budget_refused");
                return Attempt::Done(Err(MarketError::RateLimited(wait.as_secs().max(1))));
            }
        };
        let url = format!("{}{path}", self.base_url);
        let response = match self.http.get(&url).query(query).header("X-Finnhub-Token", self.key.expose()).send().await
        {
            Ok(response) => response,
            Err(err) if err.is_timeout() => {
                self.count(path, "timeout");
                return Attempt::Retry("Finnhub did not answer in time".into());
            }
            Err(_) => {
                self.count(path, "unreachable");
                return Attempt::Retry("cannot reach Finnhub".into());
            }
        };
        let status = response.status();
        let refused = |outcome: &str, attempt: Attempt<T>| {
            self.count(path, outcome);
            attempt
        };
        match status {
            StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => return refused("rejected", Attempt::Done(Err(MarketError::Rejected))),
            StatusCode::FORBIDDEN => {
                return refused("forbidden", Attempt::Done(Err(MarketError::Forbidden(subject.to_string()))));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = wait_after_429(response.headers(), now_unix());
                self.limiter.pause_for(wait);
                self.metrics.upstream_pauses.inc();
                return refused("rate_limited", Attempt::Done(Err(MarketError::RateLimited(wait.as_secs().max(1)))));
            }
            s if s.is_server_error() => {
                return refused("server_error", Attempt::Retry(format!("Finnhub answered {s}")));
            }
            s => {
                return refused(
                    "client_error",
                    Attempt::Done(Err(MarketError::Unavailable(format!("Finnhub answered {s}")))),
                );
            }
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(err) if err.is_timeout() => {
                return refused("timeout", Attempt::Retry("Finnhub did not answer in time".into()));
            }
            Err(_) => return refused("bad_response", Attempt::Retry("Finnhub's answer was cut short".into())),
        };
        match serde_json::from_slice(&body) {
            // Counted once decoded (`count_decoded`): "no such symbol" arrives as a 200.
            Ok(value) => Attempt::Done(Ok(value)),
            Err(_) => refused("bad_response", Attempt::Retry("Finnhub's answer was not the expected JSON".into())),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let jitter =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos()
                % 1000;
        self.retry_base * 2u32.pow(attempt - 1) + self.retry_base * jitter / 1000
    }
}

/// `Retry-After` (seconds) if present, else until `x-ratelimit-reset` (Unix seconds),
/// else a default backoff. Capped at a minute, Finnhub's window.
pub fn wait_after_429(headers: &HeaderMap, now: i64) -> Duration {
    let number =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let seconds = number("retry-after").or_else(|| number("x-ratelimit-reset").map(|reset| reset - now));
    match seconds {
        Some(s) if s > 0 => Duration::from_secs(s.min(60) as u64),
        Some(_) => Duration::from_secs(1),
        None => DEFAULT_429_BACKOFF,
    }
}

impl MarketData for FinnhubClient {
    fn source(&self) -> PriceSource {
        PriceSource::Finnhub
    }

    async fn quote(&self, symbol: &Symbol) -> Fetched<Quote> {
        let raw: RawQuote = self.get("/quote", &[("symbol", symbol.as_str())], symbol.as_str()).await?;
        let decoded = decode_quote(symbol, raw);
        self.count_decoded("/quote", &decoded);
        decoded
    }

    async fn profile(&self, symbol: &Symbol) -> Fetched<CompanyProfile> {
        let raw: RawProfile = self.get("/stock/profile2", &[("symbol", symbol.as_str())], symbol.as_str()).await?;
        let decoded = decode_profile(symbol, raw);
        self.count_decoded("/stock/profile2", &decoded);
        decoded
    }

    async fn search(&self, query: &str) -> Fetched<Vec<SearchHit>> {
        let raw: RawSearch = self.get("/search", &[("q", query)], query).await?;
        self.count("/search", "ok");
        Ok(raw
            .result
            .into_iter()
            .filter(|hit| !hit.symbol.is_empty())
            .map(|hit| SearchHit {
                symbol: if hit.display_symbol.is_empty() { hit.symbol } else { hit.display_symbol },
                description: hit.description,
                kind: hit.kind,
            })
            .collect())
    }
}

fn decode_quote(symbol: &Symbol, raw: RawQuote) -> Fetched<Quote> {
    // Finnhub's "no such symbol": zeros with a zero timestamp, never a price of 0.
    if raw.c == 0.0 && raw.t == 0.0 {
        return Err(MarketError::NotFound(symbol.to_string()));
    }
    let price = |v: f64| {
        to_decimal(v).ok_or_else(|| MarketError::Unavailable(format!("Finnhub sent an invalid price for {symbol}")))
    };
    let previous_close = price(raw.pc)?;
    let current = price(raw.c)?;
    Ok(Quote {
        symbol: symbol.clone(),
        price: current,
        change: raw.d.and_then(to_signed_decimal),
        change_percent: raw.dp.and_then(to_signed_decimal),
        high: price(raw.h)?,
        low: price(raw.l)?,
        open: price(raw.o)?,
        previous_close,
        as_of: raw.t as i64,
        fetched_at: now_unix(),
        source: PriceSource::Finnhub,
        stale: false,
        traded_at: None,
    })
}

fn decode_profile(symbol: &Symbol, raw: RawProfile) -> Fetched<CompanyProfile> {
    let name = raw.name.unwrap_or_default();
    if name.is_empty() && raw.ticker.as_deref().unwrap_or_default().is_empty() {
        return Err(MarketError::NotFound(symbol.to_string()));
    }
    Ok(CompanyProfile {
        ticker: raw.ticker.filter(|t| !t.is_empty()).unwrap_or_else(|| symbol.to_string()),
        name,
        exchange: raw.exchange.unwrap_or_default(),
        industry: raw.finnhub_industry.unwrap_or_default(),
        country: raw.country.unwrap_or_default(),
        currency: raw.currency.unwrap_or_default(),
        ipo: raw.ipo.unwrap_or_default(),
        market_capitalization: raw.market_capitalization.filter(|v| v.is_finite()),
        shares_outstanding: raw.share_outstanding.filter(|v| v.is_finite()),
        logo: safe_url(raw.logo.as_deref().unwrap_or_default()),
        weburl: safe_url(raw.weburl.as_deref().unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn aapl() -> Symbol {
        Symbol::parse("AAPL").unwrap()
    }

    #[test]
    fn a_real_quote_decodes_exactly() {
        let raw: RawQuote = serde_json::from_str(
            r#"{"c":729.4,"d":9.71,"dp":1.349,"h":737.359,"l":715.46,"o":719.8,"pc":719.69,"t":1619208002}"#,
        )
        .unwrap();
        let quote = decode_quote(&aapl(), raw).unwrap();
        assert_eq!(quote.price, Decimal::from_str("729.4").unwrap());
        assert_eq!(quote.change, Some(Decimal::from_str("9.71").unwrap()));
        assert_eq!(quote.change_percent, Some(Decimal::from_str("1.349").unwrap()));
        assert_eq!(quote.previous_close, Decimal::from_str("719.69").unwrap());
        assert_eq!(quote.as_of, 1_619_208_002);
        assert_eq!(quote.source, PriceSource::Finnhub);
    }

    #[test]
    fn null_changes_decode_as_unknown() {
        let raw: RawQuote =
            serde_json::from_str(r#"{"c":10.5,"d":null,"dp":null,"h":11,"l":10,"o":10,"pc":10,"t":1700000000}"#)
                .unwrap();
        let quote = decode_quote(&aapl(), raw).unwrap();
        assert_eq!(quote.change, None);
        assert_eq!(quote.change_percent, None);
    }

    #[test]
    fn the_unknown_symbol_shape_is_not_found_never_zero() {
        let raw: RawQuote =
            serde_json::from_str(r#"{"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}"#).unwrap();
        assert_eq!(decode_quote(&aapl(), raw), Err(MarketError::NotFound("AAPL".into())));
        assert!(matches!(decode_profile(&aapl(), RawProfile::default()), Err(MarketError::NotFound(_))));
    }

    #[test]
    fn wrong_types_do_not_decode() {
        assert!(serde_json::from_str::<RawQuote>(r#"{"c":"abc","h":1,"l":1,"o":1,"pc":1,"t":1}"#).is_err());
    }

    #[test]
    fn hostile_profile_urls_are_dropped() {
        let raw: RawProfile = serde_json::from_str(
            r#"{"ticker":"EVIL","name":"<img src=x onerror=alert(1)>","logo":"javascript:alert(1)","weburl":"https://evil.example/"}"#,
        )
        .unwrap();
        let profile = decode_profile(&aapl(), raw).unwrap();
        assert_eq!(profile.name, "<img src=x onerror=alert(1)>", "kept as text; the UI renders it as text");
        assert_eq!(profile.logo, "");
        assert_eq!(profile.weburl, "https://evil.example/");
    }

    #[test]
    fn waits_after_429_follow_the_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(wait_after_429(&headers, 1000), DEFAULT_429_BACKOFF);
        headers.insert("x-ratelimit-reset", "1012".parse().unwrap());
        assert_eq!(wait_after_429(&headers, 1000), Duration::from_secs(12));
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(wait_after_429(&headers, 1000), Duration::from_secs(3));
        headers.insert("retry-after", "9999".parse().unwrap());
        assert_eq!(wait_after_429(&headers, 1000), Duration::from_secs(60));
    }
}
