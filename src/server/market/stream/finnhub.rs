//! The one WebSocket to Finnhub (one connection per key, FINNHUB.md). It keeps the
//! subscriptions equal to what is wanted and moves the cached quotes with the
//! trades: a symbol's first trade at once, then at most one move per [`FLUSH`]
//! (the last trade of a burst), so a quiet stream costs no latency and a busy one
//! no more than 4 moves a second per symbol. When the
//! socket fails it comes back after a jittered pause doubling to a minute; a 401
//! ends it for good (the key is wrong: retrying would only hammer Finnhub). REST
//! polling goes on all along, so a stream that is down or silent costs freshness,
//! never correctness. The key never reaches a log: every error text is scrubbed.

use super::demand::{backoff, changes};
use super::protocol::{Coalesced, Inbound, parse, subscribe, unsubscribe};
use crate::model::{StreamState, StreamStatus, Symbol};
use crate::server::config::Secret;
use crate::server::market::service::MarketService;
use crate::server::ops::metrics::Metrics;
use futures::{SinkExt, StreamExt};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// At most one move per symbol in this long (4 a second).
pub const FLUSH: Duration = Duration::from_millis(250);
/// How often held-back trades are looked at.
const TICK: Duration = Duration::from_millis(50);
/// Finnhub pings every minute or two: this long without any message, the
/// connection is taken for dead and made again.
const SILENCE: Duration = Duration::from_secs(180);
/// A connection that lived this long resets the backoff.
const HEALTHY: Duration = Duration::from_secs(30);

pub struct Upstream {
    pub url: String,
    pub key: Secret,
    pub connect_timeout: Duration,
}

/// Why a connection ended.
enum Ended {
    /// 401: the key is refused.
    Rejected,
    Lost(String),
    /// The server is stopping (nobody will ask for symbols any more).
    Stopping,
}

/// Runs until the process ends (or the key is refused).
pub async fn run(
    upstream: Upstream,
    market: Arc<MarketService>,
    mut wanted: watch::Receiver<Vec<Symbol>>,
    metrics: Arc<Metrics>,
) {
    let mut attempt = 0u32;
    let mut last_message_at = None;
    loop {
        report(&market, StreamState::Connecting, 0, last_message_at, None);
        let started = Instant::now();
        let ended = match connect(&upstream).await {
            Ok(socket) => {
                metrics.stream_connects.with_label_values(&["connected"]).inc();
                tracing::info!("connected to Finnhub's trade stream");
                session(socket, &market, &mut wanted, &metrics, &mut last_message_at).await
            }
            Err(ended) => {
                if let Ended::Lost(_) = ended {
                    metrics.stream_connects.with_label_values(&["failed"]).inc();
                }
                ended
            }
        };
        let reason = match ended {
            Ended::Rejected => {
                metrics.stream_connects.with_label_values(&["rejected"]).inc();
                tracing::warn!("Finnhub's trade stream refused the API key (401); prices are polled over REST only");
                let why = "Finnhub refused the API key (401)".to_string();
                report(&market, StreamState::Rejected, 0, last_message_at, Some(why));
                return;
            }
            Ended::Lost(reason) => reason.replace(upstream.key.expose(), "***"),
            Ended::Stopping => return,
        };
        if started.elapsed() >= HEALTHY {
            attempt = 0;
        }
        let pause = backoff(attempt, jitter());
        attempt = attempt.saturating_add(1);
        tracing::warn!(reason = %reason, retry_in = ?pause, "Finnhub's trade stream is down; REST polling goes on");
        report(&market, StreamState::Down, 0, last_message_at, Some(reason));
        tokio::time::sleep(pause).await;
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(upstream: &Upstream) -> Result<Socket, Ended> {
    // `/?token=`: a request line needs a path (`GET ?token=` is refused).
    let address = format!("{}/?token={}", upstream.url.trim_end_matches('/'), upstream.key.expose());
    match tokio::time::timeout(upstream.connect_timeout, tokio_tungstenite::connect_async(address)).await {
        Err(_) => Err(Ended::Lost("the connection timed out".into())),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(WsError::Http(response))) if response.status() == 401 => Err(Ended::Rejected),
        Ok(Err(WsError::Http(response))) => Err(Ended::Lost(format!("Finnhub answered {}", response.status()))),
        Ok(Err(err)) => Err(Ended::Lost(err.to_string())),
    }
}

/// One connection: subscribe, then read trades until it fails.
async fn session(
    socket: Socket,
    market: &MarketService,
    wanted: &mut watch::Receiver<Vec<Symbol>>,
    metrics: &Metrics,
    last_message_at: &mut Option<i64>,
) -> Ended {
    let (mut sink, mut source) = socket.split();
    let mut subscribed = BTreeSet::new();
    let mut batch = Coalesced::default();
    let mut moved: HashMap<Symbol, Instant> = HashMap::new();
    let mut flush = tokio::time::interval(TICK);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heard = Instant::now();
    let want = wanted.borrow_and_update().clone();
    if let Err(err) = follow(&mut sink, &mut subscribed, &want).await {
        return Ended::Lost(err.to_string());
    }
    report(market, StreamState::Connected, subscribed.len(), *last_message_at, None);
    loop {
        tokio::select! {
            message = source.next() => {
                let text = match message {
                    None => return Ended::Lost("Finnhub closed the connection".into()),
                    Some(Err(err)) => return Ended::Lost(err.to_string()),
                    Some(Ok(Message::Close(_))) => return Ended::Lost("Finnhub closed the connection".into()),
                    Some(Ok(Message::Text(text))) => text,
                    // WebSocket pings are answered by the library; binary is not Finnhub's.
                    Some(Ok(_)) => continue,
                };
                heard = Instant::now();
                *last_message_at = Some(market.now_unix());
                match parse(&text) {
                    Inbound::Trades(trades) => {
                        metrics.stream_trades.inc_by(trades.len() as u64);
                        trades.into_iter().filter(|t| subscribed.contains(&t.symbol)).for_each(|t| batch.add(t));
                        apply_due(market, &mut batch, &mut moved).await;
                    }
                    Inbound::Error(message) => tracing::warn!(%message, "Finnhub's trade stream reported an error"),
                    Inbound::Ping | Inbound::Other => {}
                }
            }
            changed = wanted.changed() => {
                if changed.is_err() {
                    return Ended::Stopping;
                }
                let want = wanted.borrow_and_update().clone();
                if let Err(err) = follow(&mut sink, &mut subscribed, &want).await {
                    return Ended::Lost(err.to_string());
                }
                report(market, StreamState::Connected, subscribed.len(), *last_message_at, None);
            }
            _ = flush.tick() => {
                apply_due(market, &mut batch, &mut moved).await;
                if heard.elapsed() >= SILENCE {
                    return Ended::Lost(format!("no message for {} s", SILENCE.as_secs()));
                }
                report(market, StreamState::Connected, subscribed.len(), *last_message_at, None);
            }
        }
    }
}

/// Moves the quotes of the held-back trades whose symbol has not moved within [`FLUSH`].
async fn apply_due(market: &MarketService, batch: &mut Coalesced, moved: &mut HashMap<Symbol, Instant>) {
    if batch.is_empty() {
        return;
    }
    let now = Instant::now();
    for trade in batch.take_due(|symbol| moved.get(symbol).is_none_or(|at| now.duration_since(*at) >= FLUSH)) {
        moved.insert(trade.symbol.clone(), now);
        market.apply_trade(&trade.symbol, trade.price, trade.time_ms).await;
    }
    moved.retain(|_, at| now.duration_since(*at) < FLUSH);
}

/// Sends the (un)subscriptions that make `subscribed` equal to `wanted`.
async fn follow<S>(sink: &mut S, subscribed: &mut BTreeSet<Symbol>, wanted: &[Symbol]) -> Result<(), WsError>
where
    S: futures::Sink<Message, Error = WsError> + Unpin,
{
    let todo = changes(subscribed, wanted);
    for symbol in todo.unsubscribe {
        sink.send(Message::text(unsubscribe(&symbol))).await?;
        subscribed.remove(&symbol);
    }
    for symbol in todo.subscribe {
        sink.send(Message::text(subscribe(&symbol))).await?;
        subscribed.insert(symbol);
    }
    Ok(())
}

fn report(market: &MarketService, state: StreamState, symbols: usize, last: Option<i64>, reason: Option<String>) {
    market.set_stream_status(StreamStatus { state, symbols, last_message_at: last, reason });
}

/// A random factor in [0.5, 1] for the backoff.
fn jitter() -> f64 {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    0.5 + f64::from(byte[0]) / 510.0
}
