//! `GET /api/stream`: server-sent events for one signed-in browser.
//!
//! - On connect (and on every reconnect: `Last-Event-ID` only continues the
//!   numbering) the current state: a `quote` per held symbol and the benchmark, then
//!   a `portfolio`. After that, a `quote` for each symbol whose price moved and one
//!   `portfolio`, at most 4 times a second ([`MIN_GAP`]), the first move at once.
//! - Each stream has its own task writing into a bounded buffer: a browser that
//!   does not read is dropped when the buffer is full, never buffered without end.
//! - The session is checked again every [`RECHECK`] (a sign-out ends the stream
//!   within that and the [`super::person::CHECK_FRESH`] a shared answer lasts: 6 s),
//!   the stream ends when the token expires, and a ledger write made anywhere is
//!   picked up by the same check (the kept state's key changed).
//! - Heartbeat comments every 15 s keep proxies from closing an idle stream; on
//!   shutdown every stream ends with `retry:` so browsers come back to a live server.

use super::events::quote_event;
use super::{Refused, Watch};
use crate::model::Symbol;
use crate::server::auth::extractor::{AuthUser, PortfolioKey, token_from_headers};
use crate::server::auth::users;
use crate::server::error::AppError;
use crate::server::portfolio::state::Kept;
use crate::server::rest::ApiQuery;
use crate::server::rest::errors::{StreamErrors, Unauthorized};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::time::Instant;
use utoipa::IntoParams;

/// At most one update (quotes and portfolio) per this gap: 4 a second.
pub const MIN_GAP: Duration = Duration::from_millis(250);
const RECHECK: Duration = Duration::from_secs(5);
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Events waiting for a browser that reads too slowly; past this it is dropped
/// (each update carries the whole state again, so nothing is lost by dropping).
const BUFFER: usize = 128;
/// What browsers are told to wait before reconnecting after a shutdown: 2 s and a
/// random part up to 10 s more, so a restarted server is not met by everyone at once.
const RETRY_AFTER_SHUTDOWN: Duration = Duration::from_secs(2);
const RETRY_SPREAD_MS: u64 = 10_000;
/// Event ids stay below 2^53 (JavaScript's exact integers).
const MAX_ID: u64 = 1 << 53;
/// Extra symbols a page may follow (the symbol page's own).
const MAX_EXTRA: usize = 5;

/// The `data:` of one event of `/api/stream`: `quote`, `portfolio` or `end`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "read by the OpenAPI derive; the events are written from the model types")]
pub enum StreamEventData {
    Quote(crate::model::LiveQuote),
    Portfolio(crate::model::LivePortfolio),
    End(StreamEnd),
}

/// An `end` event: why the server closes the stream.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "read by the OpenAPI derive")]
pub struct StreamEnd {
    /// `session_expired` or `signed_out`.
    pub code: String,
    pub message: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// A symbol to stream besides the holdings and the benchmark (the symbol page's),
    /// comma-separated, at most 5.
    #[serde(default)]
    pub symbols: Option<String>,
}

/// Live quotes and portfolio figures, as server-sent events.
///
/// `text/event-stream`. Events: `quote` (a `LiveQuote`: symbol, price, change,
/// change_percent, time in Unix ms, source) for each held symbol, the benchmark and
/// `symbols`, whenever its price moves; `portfolio` (a `LivePortfolio`: total value,
/// market value, unrealized P&L, total return, day change, and each position's
/// price, market value, P&L, day change and weight) revalued from the kept ledger
/// after each move; `end` (`{"code","message"}`) just before the server closes the
/// stream (session expired or signed out). At most 4 updates a second; every event
/// has an `id:`; on reconnect (`Last-Event-ID`) the current state is sent again.
/// Heartbeat comments every 15 s. At most 10 streams per person (429
/// `too_many_streams`); 503 `stream_capacity` when the server is full.
#[utoipa::path(get, path = "/api/stream", tag = "market", params(StreamQuery),
    responses(
        (status = 200, content_type = "text/event-stream", body = StreamEventData,
            description = "Server-sent events; each event's `data:` is one of these, by its `event:` name."),
        Unauthorized, StreamErrors,
    ))]
pub async fn stream(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PortfolioKey(key): PortfolioKey,
    ApiQuery(query): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl futures::Stream<Item = Result<Event, Infallible>>>, AppError> {
    let extra = extra_symbols(query.symbols.as_deref())?;
    // The extractor checked the token; this reads when it ends and which it is.
    let token = token_from_headers(&headers)
        .and_then(|t| state.tokens.verify(t))
        .ok_or_else(|| AppError::unauthorized("Your session is invalid or has expired. Sign in again."))?;
    if state.live.is_closing() {
        return Err(AppError::unavailable("stream_capacity", "The server is restarting; try again in a moment."));
    }
    let watch = state.live.open(user.id, &extra).map_err(|refused| {
        state.metrics.stream_ended.with_label_values(&[refused_label(refused)]).inc();
        match refused {
            Refused::PerUser => AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                "Too many live streams are open for this account; close a tab.",
            ),
            Refused::Capacity => {
                AppError::unavailable("stream_capacity", "The server has no room for another live stream.")
            }
        }
    })?;
    let kept = state.portfolios.load(&state, user.id, state.clock.today(), key).await?;
    let first_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0)
        .min(MAX_ID);
    let (events, receiver) = mpsc::channel(BUFFER);
    let viewer = Viewer {
        state,
        user_id: user.id,
        session: (token.version, token.jti),
        expires_at: token.expires_at,
        extra,
        kept,
        events,
        next_id: first_id,
        watch,
    };
    tokio::spawn(viewer.run());
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok(event), receiver))
    });
    Ok(Sse::new(body).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

/// When a stream of `user_id` first checks its session: every [`RECHECK`] on a beat
/// of that person's (so one check answers for all their streams), people spread
/// over the gap (so the checks do not all come at once). Within one gap of `now`.
fn check_beat(origin: Instant, user_id: i64, now: Instant) -> Instant {
    let gap = RECHECK.as_millis() as u64;
    let offset = user_id.unsigned_abs().wrapping_mul(2_654_435_761) % gap;
    let since = now.saturating_duration_since(origin).as_millis() as u64;
    let beat = if since < offset { offset } else { offset + ((since - offset) / gap + 1) * gap };
    origin + Duration::from_millis(beat)
}

/// A random part of the reconnection pause, in milliseconds.
fn spread() -> u64 {
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    u64::from(u16::from_le_bytes(bytes)) * RETRY_SPREAD_MS / u64::from(u16::MAX)
}

/// Resolves once the server is stopping.
async fn stopping(mut closing: tokio::sync::watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await.map(|_| ());
}

fn refused_label(refused: Refused) -> &'static str {
    match refused {
        Refused::PerUser => "per_user",
        Refused::Capacity => "capacity",
    }
}

fn extra_symbols(raw: Option<&str>) -> Result<Vec<Symbol>, AppError> {
    let raw = raw.unwrap_or_default();
    let symbols: Vec<Symbol> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::server::rest::market::parse_symbol)
        .collect::<Result<_, _>>()?;
    if symbols.len() > MAX_EXTRA {
        return Err(AppError::bad_request("invalid_symbol", format!("Stream at most {MAX_EXTRA} extra symbols.")));
    }
    Ok(symbols)
}

/// How a stream ended (for the metrics and the last event).
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    /// The browser went away.
    Gone,
    Slow,
    Expired,
    SignedOut,
    Shutdown,
}

struct Viewer {
    state: AppState,
    user_id: i64,
    session: (i64, String),
    expires_at: i64,
    extra: Vec<Symbol>,
    kept: Arc<Kept>,
    events: mpsc::Sender<Event>,
    next_id: u64,
    /// The place taken, and what this person's streams share.
    watch: Watch,
}

impl Viewer {
    async fn run(mut self) {
        let metrics = self.state.metrics.clone();
        metrics.stream_clients.inc();
        let end = self.follow().await;
        metrics.stream_clients.dec();
        let label = match end {
            End::Gone => None,
            End::Slow => Some("slow"),
            End::Expired => Some("expired"),
            End::SignedOut => Some("signed_out"),
            End::Shutdown => Some("shutdown"),
        };
        if let Some(label) = label {
            metrics.stream_ended.with_label_values(&[label]).inc();
        }
    }

    /// The symbols this browser is sent quotes for.
    fn interest(&self) -> BTreeSet<Symbol> {
        let mut symbols: BTreeSet<Symbol> = self.kept.ledger.lots.keys().cloned().collect();
        symbols.insert(self.state.market.settings.benchmark.clone());
        symbols.extend(self.extra.iter().cloned());
        symbols
    }

    async fn follow(&mut self) -> End {
        let mut updates = self.state.market.subscribe_updates();
        let closing = stopping(self.state.live.closing());
        tokio::pin!(closing);
        let mut interest = self.interest();
        let mut dirty = interest.clone();
        let mut next_send = Instant::now();
        let first_check = check_beat(self.state.live.origin, self.user_id, Instant::now());
        let mut recheck = tokio::time::interval_at(first_check, RECHECK);
        let expires_in = (self.expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
        let expiry = tokio::time::sleep(Duration::from_secs(expires_in));
        tokio::pin!(expiry);
        loop {
            let wait = tokio::time::sleep_until(next_send);
            tokio::select! {
                biased;
                () = &mut closing => {
                    let retry = RETRY_AFTER_SHUTDOWN + Duration::from_millis(spread());
                    let _ = self.events.try_send(Event::default().retry(retry).comment("restarting"));
                    return End::Shutdown;
                }
                () = self.events.closed() => return End::Gone,
                () = &mut expiry => {
                    self.end("session_expired", "Your session has expired. Sign in again.");
                    return End::Expired;
                }
                _ = recheck.tick() => match self.recheck().await {
                    Ok(true) => {
                        interest = self.interest();
                        dirty.clone_from(&interest);
                    }
                    Ok(false) => {}
                    Err(end) => return end,
                },
                () = wait, if !dirty.is_empty() => {
                    if !self.send(&dirty).await {
                        return End::Slow;
                    }
                    dirty.clear();
                    next_send = Instant::now() + MIN_GAP;
                }
                update = updates.recv() => match update {
                    Ok(quote) if interest.contains(&quote.symbol) => {
                        dirty.insert(quote.symbol);
                    }
                    Ok(_) => {}
                    // Fell behind the market's updates: send everything again.
                    Err(RecvError::Lagged(_)) => dirty.clone_from(&interest),
                    Err(RecvError::Closed) => return End::Shutdown,
                },
            }
        }
    }

    /// The session still stands (Ok), and whether the portfolio changed since
    /// (reloaded: true).
    async fn recheck(&mut self) -> Result<bool, End> {
        let (version, jti) = &self.session;
        let check = async {
            let found = users::find_session(&self.state.db, self.user_id, *version, jti).await?;
            Ok::<_, AppError>(found.map(|(_, key)| key))
        };
        match self.watch.person.session(*version, jti, check).await {
            Ok(None) => {
                self.end("signed_out", "This session was signed out.");
                Err(End::SignedOut)
            }
            // A database hiccup: keep streaming, check again next time.
            Err(_) => Ok(false),
            Ok(Some(key)) if key == self.kept.key => Ok(false),
            Ok(Some(key)) => {
                let today = self.state.clock.today();
                match self.state.portfolios.load(&self.state, self.user_id, today, Some(key)).await {
                    Ok(kept) => {
                        self.kept = kept;
                        Ok(true)
                    }
                    Err(_) => Ok(false),
                }
            }
        }
    }

    /// Sends a quote per symbol in `symbols` (first: they are what moved) and the
    /// portfolio revalued (shared with this person's other streams); false when
    /// the browser is too slow to take them.
    async fn send(&mut self, symbols: &BTreeSet<Symbol>) -> bool {
        for symbol in symbols {
            if let Some(quote) = self.state.market.peek_quote(symbol).await
                && !self.push("quote", &serde_json::to_string(&quote_event(&quote)).unwrap_or_default())
            {
                return false;
            }
        }
        let portfolio = self.watch.person.portfolio(&self.state.market, &self.kept).await;
        self.push("portfolio", &portfolio)
    }

    /// Queues one event whose data is `json`.
    fn push(&mut self, kind: &'static str, json: &str) -> bool {
        self.next_id = if self.next_id >= MAX_ID { 1 } else { self.next_id + 1 };
        let event = Event::default().event(kind).id(self.next_id.to_string()).data(json);
        self.state.metrics.stream_events.with_label_values(&[kind]).inc();
        self.events.try_send(event).is_ok()
    }

    fn end(&mut self, code: &str, message: &str) {
        let _ = self.push("end", &serde_json::json!({"code": code, "message": message}).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_persons_streams_check_on_one_beat_within_a_gap() {
        let origin = Instant::now();
        let at = |ms: u64| origin + Duration::from_millis(ms);
        for now in [0, 1, 4_999, 5_000, 123_456] {
            for user in [1, 2, 77, i64::MAX, -5] {
                let beat = check_beat(origin, user, at(now));
                assert!(beat > at(now) && beat <= at(now) + RECHECK, "user {user} at {now} ms");
                // A stream opened later by the same person lands on the same beats.
                let later = check_beat(origin, user, at(now + 1_700));
                assert_eq!((later - beat).as_millis() % RECHECK.as_millis(), 0);
            }
        }
        assert_ne!(check_beat(origin, 1, origin), check_beat(origin, 2, origin), "people are spread");
    }

    #[test]
    fn extra_symbols_are_checked_and_bounded() {
        assert_eq!(extra_symbols(None).unwrap(), Vec::<Symbol>::new());
        let two = extra_symbols(Some("aapl, BRK.B,")).unwrap();
        assert_eq!(two.iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["AAPL", "BRK.B"]);
        assert_eq!(extra_symbols(Some("AAPL,<script>")).unwrap_err().code, "invalid_symbol");
        assert!(extra_symbols(Some("A,B,C,D,E,F")).is_err());
    }
}
