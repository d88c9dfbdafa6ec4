//! Yahoo Finance's chart API, the key-free history source (the one Ghostfolio and
//! Wealthfolio use): `GET /v8/finance/chart/S?period1=&period2=&interval=1d&events=split`.
//! It is unofficial, so Folio is polite: its own rate limit (1 call a second by
//! default), a normal User-Agent, a timeout, and retries with backoff for 429/5xx.
//!
//! The answer (`FINNHUB.md`, "Daily history"): `chart.result[0]` with `timestamp[]`
//! (the session's open in UTC), `indicators.quote[0].close[]` split-adjusted with
//! `null` holes, `events.splits` keyed by time; an unknown symbol is a 404 whose
//! body has `chart.error`. Fields may be missing when a span holds no trading day.

use super::{DailyHistory, SplitEvent, as_traded};

/// The largest answer read (ten years of one symbol is about 300 KB).
const MAX_BODY: usize = 16 * 1024 * 1024;
use crate::model::{SplitRatio, Symbol};
use crate::server::market::limiter::RateLimiter;
use crate::server::market::{MarketError, to_decimal};
use crate::server::ops::metrics::Metrics;
use chrono::{DateTime, NaiveDate};
use reqwest::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The `source` of the closes it stores.
pub const SOURCE: &str = "yahoo";
const ATTEMPTS: u32 = 3;
/// Longest a fetch waits for its turn in the polite rate limit.
const MAX_WAIT: Duration = Duration::from_secs(120);

pub struct YahooClient {
    http: reqwest::Client,
    base_url: String,
    limiter: RateLimiter,
    retry_base: Duration,
    metrics: Arc<Metrics>,
}

#[derive(Deserialize)]
struct Envelope {
    chart: Chart,
}

#[derive(Deserialize)]
struct Chart {
    result: Option<Vec<ChartResult>>,
    error: Option<ChartError>,
}

#[derive(Deserialize)]
struct ChartError {
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
struct ChartResult {
    #[serde(default)]
    timestamp: Vec<i64>,
    #[serde(default)]
    indicators: Option<Indicators>,
    #[serde(default)]
    events: Option<Events>,
}

#[derive(Deserialize)]
struct Indicators {
    #[serde(default)]
    quote: Vec<QuoteBlock>,
}

#[derive(Deserialize)]
struct QuoteBlock {
    #[serde(default)]
    close: Vec<Option<f64>>,
}

#[derive(Deserialize)]
struct Events {
    #[serde(default)]
    splits: HashMap<String, RawSplit>,
}

#[derive(Deserialize)]
struct RawSplit {
    date: i64,
    numerator: f64,
    denominator: f64,
}

impl YahooClient {
    pub fn new(base_url: &str, timeout: Duration, calls_per_second: u32, metrics: Arc<Metrics>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("Mozilla/5.0 (compatible; folio/", env!("CARGO_PKG_VERSION"), ")"))
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            limiter: RateLimiter::new(calls_per_second, calls_per_second.saturating_mul(60)),
            retry_base: Duration::from_millis(500),
            metrics,
        }
    }

    pub async fn fetch(&self, symbol: &Symbol, from: NaiveDate, to: NaiveDate) -> Result<DailyHistory, MarketError> {
        let period1 = from.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp());
        let period2 = to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp());
        // Yahoo writes share classes with a dash (BRK-B) where Finnhub has a dot.
        let url = format!("{}/v8/finance/chart/{}", self.base_url, symbol.as_str().replace('.', "-"));
        let query = [
            ("period1", period1.to_string()),
            ("period2", period2.to_string()),
            ("interval", "1d".into()),
            ("events", "split".into()),
        ];
        let mut problem = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(self.retry_base * 2u32.pow(attempt - 1)).await;
            }
            let Ok(_permit) = self.limiter.acquire_within(MAX_WAIT).await else {
                self.count("budget_refused");
                return Err(MarketError::RateLimited(MAX_WAIT.as_secs()));
            };
            let response = match self.http.get(&url).query(&query).send().await {
                Ok(response) => response,
                Err(err) => {
                    self.count(if err.is_timeout() { "timeout" } else { "unreachable" });
                    problem =
                        if err.is_timeout() { "Yahoo did not answer in time" } else { "cannot reach Yahoo" }.into();
                    continue;
                }
            };
            let status = response.status();
            let body = read_capped(response).await;
            match status {
                StatusCode::OK => {}
                StatusCode::NOT_FOUND => {
                    self.count("not_found");
                    return Err(MarketError::NotFound(symbol.to_string()));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    self.count("rate_limited");
                    problem = "Yahoo asked Folio to slow down (429)".into();
                    self.limiter.pause_for(Duration::from_secs(10));
                    continue;
                }
                s if s.is_server_error() => {
                    self.count("server_error");
                    problem = format!("Yahoo answered {s}");
                    continue;
                }
                s => {
                    self.count("client_error");
                    return Err(MarketError::Unavailable(format!("Yahoo answered {s}")));
                }
            }
            let decoded = body.ok().and_then(|body| serde_json::from_slice::<Envelope>(&body).ok());
            match decoded.map(|e| decode(symbol, e)) {
                Some(Ok(history)) => {
                    self.count("ok");
                    return Ok(history);
                }
                Some(Err(err)) => {
                    self.count("not_found");
                    return Err(err);
                }
                None => {
                    self.count("bad_response");
                    problem = "Yahoo's answer was not the expected JSON".into();
                }
            }
        }
        Err(MarketError::Unavailable(problem))
    }

    fn count(&self, outcome: &str) {
        self.metrics.upstream("yahoo", "chart", outcome);
    }
}

/// The body, or `Err` past [`MAX_BODY`] or when it is cut short.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, ()> {
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| ())? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn day_of(timestamp: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(timestamp, 0).map(|t| t.date_naive())
}

fn decode(symbol: &Symbol, envelope: Envelope) -> Result<DailyHistory, MarketError> {
    let Some(result) = envelope.chart.result.and_then(|r| r.into_iter().next()) else {
        let why = envelope.chart.error.map(|e| e.description).unwrap_or_default();
        tracing::debug!(%symbol, why, "Yahoo has no chart");
        return Err(MarketError::NotFound(symbol.to_string()));
    };
    let closes = result.indicators.and_then(|i| i.quote.into_iter().next()).map(|q| q.close).unwrap_or_default();
    let mut splits: Vec<SplitEvent> = result
        .events
        .map(|e| e.splits.into_values().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            Some(SplitEvent {
                date: day_of(s.date)?,
                ratio: SplitRatio {
                    numerator: to_decimal(s.numerator).filter(|n| !n.is_zero())?,
                    denominator: to_decimal(s.denominator).filter(|d| !d.is_zero())?,
                },
            })
        })
        .filter(|s| super::plausible_ratio(&s.ratio))
        .collect();
    splits.sort_by_key(|s| s.date);
    let adjusted: Vec<(NaiveDate, rust_decimal::Decimal)> = result
        .timestamp
        .iter()
        .zip(closes)
        .filter_map(|(t, close)| Some((day_of(*t)?, to_decimal(close?).filter(|c| !c.is_zero())?)))
        .collect();
    Ok(DailyHistory { closes: as_traded(adjusted, &splits), splits })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn decoded(body: &str) -> Result<DailyHistory, MarketError> {
        decode(&Symbol::parse("NVDA").unwrap(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn the_real_shape_decodes_with_holes_and_splits_as_traded() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":"USD","symbol":"NVDA"},
            "timestamp":[1717767000,1718026200,1718112600],
            "indicators":{"quote":[{"close":[120.88800048828125,null,120.91000366210938],"open":[1,2,3]}],
                "adjclose":[{"adjclose":[1,2,3]}]},
            "events":{"splits":{"1718026200":{"date":1718026200,"numerator":10.0,"denominator":1.0,"splitRatio":"10:1"}}}}],
            "error":null}}"#;
        let history = decoded(body).unwrap();
        let day = |s: &str| NaiveDate::from_str(s).unwrap();
        assert_eq!(history.splits.len(), 1);
        assert_eq!((history.splits[0].date, history.splits[0].ratio.to_string()), (day("2024-06-10"), "10:1".into()));
        let expected = [(day("2024-06-07"), "1208.88"), (day("2024-06-11"), "120.91")];
        let got: Vec<(NaiveDate, String)> = history.closes.iter().map(|(d, c)| (*d, c.to_string())).collect();
        assert_eq!(got, expected.map(|(d, c)| (d, c.to_string())), "the null close is skipped");
    }

    #[test]
    fn an_empty_span_and_an_unknown_symbol() {
        let empty = r#"{"chart":{"result":[{"meta":{},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}"#;
        assert_eq!(decoded(empty).unwrap(), DailyHistory::default());
        let unknown = r#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#;
        assert!(matches!(decoded(unknown), Err(MarketError::NotFound(_))));
    }
}
