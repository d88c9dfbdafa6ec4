//! Finnhub's trade WebSocket (`wss://ws.finnhub.io?token=KEY`), served at `/` on
//! the fake's own listener, so `FINNHUB_WS_URL` is [`FakeFinnhub::ws_url`].
//!
//! As the real one: a bad or missing `token` fails the handshake with 401 (no
//! upgrade); the client sends `{"type":"subscribe","symbol":"AAPL"}` and
//! `{"type":"unsubscribe",…}`; the server sends `{"type":"trade","data":[{"s","p",
//! "t" (ms),"v","c"}]}` with the trades of every subscribed symbol in one message,
//! `{"type":"ping"}` on an interval (60 s here, "every minute or two" there), and
//! `{"type":"error","msg":…}` for a malformed message, without closing.
//!
//! Trades come only when a test pushes them ([`FakeState::push_trades`], `POST
//! /_fake/stream/trades`); a pushed trade also moves the REST quote, so the two
//! agree as they do on Finnhub. Tests can also cut every socket without a close
//! frame (what a network cut looks like), refuse every handshake (a revoked key),
//! go silent (the market is closed: no trades, no pings), cap the symbols per
//! connection (the free plan's limit) and read the counts: handshakes, open and
//! most-open connections (Finnhub allows one per key), subscriptions and a log of
//! the (un)subscribe messages. Nothing enforces one connection per key: what the
//! real server does with a second one is not documented, so tests assert
//! `max_open` instead.

use crate::finnhub::{FakeFinnhub, FakeState, lock};
use axum::Json;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const DEFAULT_PING: Duration = Duration::from_secs(60);
const INVALID: &str = r#"{"type":"error","msg":"Invalid message"}"#;
const TOO_MANY: &str = r#"{"type":"error","msg":"Subscribing to too many symbols"}"#;

/// A trade to stream. Over HTTP: `{"symbol","price","t"?,"v"?}` (`t` in ms, `v` 100
/// if absent).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct FakeTrade {
    pub symbol: String,
    pub price: f64,
    /// Milliseconds since the Unix epoch; now if `None`.
    #[serde(rename = "t", default)]
    pub t_ms: Option<i64>,
    /// Shares traded; 0 is legal (Finnhub sends such trades too).
    #[serde(rename = "v", default = "default_volume")]
    pub volume: u64,
}

fn default_volume() -> u64 {
    100
}

impl FakeTrade {
    /// A trade of 100 shares, now.
    pub fn new(symbol: &str, price: f64) -> Self {
        Self { symbol: symbol.to_string(), price, t_ms: None, volume: default_volume() }
    }
}

/// A subscribe or unsubscribe message the fake received (rejected ones included).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct StreamRequest {
    /// `subscribe` or `unsubscribe`.
    #[serde(rename = "type")]
    pub kind: String,
    pub symbol: String,
    /// Milliseconds since the fake started, as in the REST call log.
    pub at_ms: u64,
    /// Which connection sent it (numbered from 1 in order of opening).
    pub connection: u64,
}

/// Everything `GET /_fake/stream` shows.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct StreamStatus {
    /// Requests to `/`, refused ones included.
    pub handshakes: usize,
    /// Connections open now.
    pub open: usize,
    /// The most connections open at once.
    pub max_open: usize,
    /// Symbols subscribed on any open connection, sorted.
    pub subscriptions: Vec<String>,
    pub refuse: bool,
    pub silent: bool,
    pub ping_interval_ms: u64,
    pub symbol_limit: Option<usize>,
    pub requests: Vec<StreamRequest>,
}

enum Command {
    Send(String),
    /// Drop the socket without a close frame.
    Cut,
}

struct Connection {
    symbols: BTreeSet<String>,
    commands: mpsc::UnboundedSender<Command>,
}

#[derive(Default)]
struct Counts {
    handshakes: usize,
    max_open: usize,
    next_id: u64,
    refuse: bool,
    silent: bool,
    symbol_limit: Option<usize>,
    requests: Vec<StreamRequest>,
}

/// The stream's part of [`FakeState`].
pub(crate) struct StreamState {
    connections: Mutex<BTreeMap<u64, Connection>>,
    counts: Mutex<Counts>,
    /// Watched by every connection, so a new interval applies at once.
    ping_interval: watch::Sender<Duration>,
}

impl Default for StreamState {
    fn default() -> Self {
        Self {
            connections: Default::default(),
            counts: Default::default(),
            ping_interval: watch::Sender::new(DEFAULT_PING),
        }
    }
}

impl FakeState {
    /// Streams `trades`: one `trade` message per connection, holding the trades of
    /// the symbols it subscribed to (none to a connection with none of them), and
    /// sets each symbol's REST quote (`c`, `t`) if it has one. Returns how many
    /// connections were sent a message (0 while silent; the quotes still move).
    pub fn push_trades(&self, trades: &[FakeTrade]) -> usize {
        let now = now_ms();
        let stamped: Vec<FakeTrade> =
            trades.iter().map(|t| FakeTrade { t_ms: t.t_ms.or(Some(now)), ..t.clone() }).collect();
        {
            let mut quotes = lock(&self.quotes);
            for trade in &stamped {
                if let Some(quote) = quotes.get_mut(&trade.symbol) {
                    quote.c = trade.price;
                    quote.t = trade.t_ms.map(|ms| ms.div_euclid(1000));
                }
            }
        }
        if lock(&self.stream.counts).silent {
            return 0;
        }
        let connections = lock(&self.stream.connections);
        let mut sent = 0;
        for connection in connections.values() {
            let data: Vec<Value> = stamped
                .iter()
                .filter(|t| connection.symbols.contains(&t.symbol))
                .map(|t| json!({"s": t.symbol, "p": t.price, "t": t.t_ms, "v": t.volume, "c": ["1"]}))
                .collect();
            if data.is_empty() {
                continue;
            }
            let message = json!({"type": "trade", "data": data}).to_string();
            if connection.commands.send(Command::Send(message)).is_ok() {
                sent += 1;
            }
        }
        sent
    }

    /// Drops every open socket without a close frame; returns how many. They stop
    /// counting as open at once.
    pub fn drop_connections(&self) -> usize {
        let dropped = std::mem::take(&mut *lock(&self.stream.connections));
        for connection in dropped.values() {
            let _ = connection.commands.send(Command::Cut);
        }
        dropped.len()
    }

    /// Answers every handshake with 401 (the key was revoked), or stops doing so.
    pub fn set_refuse(&self, refuse: bool) {
        lock(&self.stream.counts).refuse = refuse;
    }

    /// Sends no trades and no pings while `silent` (the market is closed). Replies
    /// to the client's own messages (errors) still come.
    pub fn set_silent(&self, silent: bool) {
        lock(&self.stream.counts).silent = silent;
    }

    /// Pings every `interval` (at least 1 ms), open connections included.
    pub fn set_ping_interval(&self, interval: Duration) {
        self.stream.ping_interval.send_replace(interval.max(Duration::from_millis(1)));
    }

    /// The most symbols one connection may subscribe to (`None`: no limit).
    pub fn set_symbol_limit(&self, limit: Option<usize>) {
        lock(&self.stream.counts).symbol_limit = limit;
    }

    pub fn stream_status(&self) -> StreamStatus {
        let (open, subscriptions) = {
            let connections = lock(&self.stream.connections);
            let union: BTreeSet<&String> = connections.values().flat_map(|c| &c.symbols).collect();
            (connections.len(), union.into_iter().cloned().collect())
        };
        let counts = lock(&self.stream.counts);
        StreamStatus {
            handshakes: counts.handshakes,
            open,
            max_open: counts.max_open,
            subscriptions,
            refuse: counts.refuse,
            silent: counts.silent,
            ping_interval_ms: self.stream.ping_interval.borrow().as_millis() as u64,
            symbol_limit: counts.symbol_limit,
            requests: counts.requests.clone(),
        }
    }

    pub fn handshakes(&self) -> usize {
        lock(&self.stream.counts).handshakes
    }

    pub fn open_connections(&self) -> usize {
        lock(&self.stream.connections).len()
    }

    pub fn max_open(&self) -> usize {
        lock(&self.stream.counts).max_open
    }

    /// Symbols subscribed on any open connection, sorted.
    pub fn subscriptions(&self) -> Vec<String> {
        self.stream_status().subscriptions
    }

    pub fn stream_requests(&self) -> Vec<StreamRequest> {
        lock(&self.stream.counts).requests.clone()
    }

    /// Forgets the request log and the handshakes; `max_open` restarts from the
    /// connections open now.
    pub fn clear_stream_counts(&self) {
        let open = self.open_connections();
        let mut counts = lock(&self.stream.counts);
        counts.requests.clear();
        counts.handshakes = 0;
        counts.max_open = open;
    }

    /// Waits until `ready` holds for the stream's status (polling every 5 ms), at
    /// most `within`; whether it held. The fake sees a connection or a subscribe a
    /// moment after the client sent it, so tests wait before pushing trades.
    pub async fn wait_for_stream(&self, within: Duration, ready: impl Fn(&StreamStatus) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if ready(&self.stream_status()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn open_connection(&self) -> (u64, mpsc::UnboundedReceiver<Command>) {
        let (commands, receiver) = mpsc::unbounded_channel();
        let mut connections = lock(&self.stream.connections);
        let mut counts = lock(&self.stream.counts);
        counts.next_id += 1;
        connections.insert(counts.next_id, Connection { symbols: BTreeSet::new(), commands });
        counts.max_open = counts.max_open.max(connections.len());
        (counts.next_id, receiver)
    }

    /// The reply to a client's text message, if any.
    fn on_client_message(&self, id: u64, text: &str) -> Option<&'static str> {
        let Ok(message) = serde_json::from_str::<Value>(text) else { return Some(INVALID) };
        let (Some(kind), Some(symbol)) = (message["type"].as_str(), message["symbol"].as_str()) else {
            return Some(INVALID);
        };
        if !matches!(kind, "subscribe" | "unsubscribe") || symbol.is_empty() {
            return Some(INVALID);
        }
        let mut connections = lock(&self.stream.connections);
        let mut counts = lock(&self.stream.counts);
        let at_ms = self.elapsed_ms();
        counts.requests.push(StreamRequest { kind: kind.into(), symbol: symbol.into(), at_ms, connection: id });
        // A connection cut by `drop_connections` may still have messages in flight.
        let symbols = &mut connections.get_mut(&id)?.symbols;
        if kind == "unsubscribe" {
            symbols.remove(symbol);
        } else if symbols.contains(symbol) || counts.symbol_limit.is_none_or(|limit| symbols.len() < limit) {
            symbols.insert(symbol.to_string());
        } else {
            return Some(TOO_MANY);
        }
        None
    }
}

impl FakeFinnhub {
    /// The value for `FINNHUB_WS_URL`. Connect to `{ws_url}/?token=KEY`: with no
    /// `/`, tungstenite sends the request line `GET ?token=KEY`, which hyper
    /// refuses with a bare 400 before the fake sees it (not counted).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

/// `GET /`: the handshake. Counted before anything else, refused ones included.
pub(crate) async fn handshake(
    State(state): State<Arc<FakeState>>,
    Query(params): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let refuse = {
        let mut counts = lock(&state.stream.counts);
        counts.handshakes += 1;
        counts.refuse
    };
    let token = params.get("token").map(String::as_str).unwrap_or_default();
    if refuse || !state.accepts_key(token) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "Invalid API key."}))).into_response();
    }
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| serve(state, socket)),
        Err(rejection) => rejection.into_response(),
    }
}

/// One connection: the client's messages, the test's commands and the pings.
async fn serve(state: Arc<FakeState>, mut socket: WebSocket) {
    let (id, mut commands) = state.open_connection();
    let mut interval = state.stream.ping_interval.subscribe();
    let mut pings = ping_timer(*interval.borrow_and_update());
    loop {
        let reply = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => state.on_client_message(id, text.as_str()).map(str::to_string),
                Some(Ok(Message::Binary(_))) => Some(INVALID.to_string()),
                // tungstenite answers pings itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            command = commands.recv() => match command {
                Some(Command::Send(text)) => Some(text),
                Some(Command::Cut) | None => break,
            },
            Ok(()) = interval.changed() => {
                pings = ping_timer(*interval.borrow_and_update());
                None
            }
            _ = pings.tick() => (!lock(&state.stream.counts).silent).then(|| r#"{"type":"ping"}"#.to_string()),
        };
        if let Some(text) = reply
            && socket.send(Message::Text(text.into())).await.is_err()
        {
            break;
        }
    }
    // Dropping the socket closes the TCP connection with no close frame.
    lock(&state.stream.connections).remove(&id);
}

/// Ticks every `period`, the first time one period from now.
fn ping_timer(period: Duration) -> tokio::time::Interval {
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    timer
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A JSON array of trades or a single one.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Trades {
    Many(Vec<FakeTrade>),
    One(FakeTrade),
}

/// `POST /_fake/stream/trades` → `{"connections": N}`.
pub(crate) async fn admin_trades(State(state): State<Arc<FakeState>>, Json(trades): Json<Trades>) -> Json<Value> {
    let trades = match trades {
        Trades::Many(trades) => trades,
        Trades::One(trade) => vec![trade],
    };
    Json(json!({"connections": state.push_trades(&trades)}))
}

/// `POST /_fake/stream/drop` → `{"dropped": N}`.
pub(crate) async fn admin_drop(State(state): State<Arc<FakeState>>) -> Json<Value> {
    Json(json!({"dropped": state.drop_connections()}))
}

/// The body of the switches: `{"refuse": true}`, `{"silent": true}`,
/// `{"interval_ms": 500}`, `{"limit": 50}` (`null`: no limit).
#[derive(Deserialize)]
pub(crate) struct Switch {
    refuse: Option<bool>,
    silent: Option<bool>,
    interval_ms: Option<u64>,
    limit: Option<usize>,
}

pub(crate) async fn admin_refuse(State(state): State<Arc<FakeState>>, Json(body): Json<Switch>) -> StatusCode {
    state.set_refuse(body.refuse.unwrap_or(true));
    StatusCode::NO_CONTENT
}

pub(crate) async fn admin_silent(State(state): State<Arc<FakeState>>, Json(body): Json<Switch>) -> StatusCode {
    state.set_silent(body.silent.unwrap_or(true));
    StatusCode::NO_CONTENT
}

pub(crate) async fn admin_ping(State(state): State<Arc<FakeState>>, Json(body): Json<Switch>) -> StatusCode {
    let Some(ms) = body.interval_ms else { return StatusCode::UNPROCESSABLE_ENTITY };
    state.set_ping_interval(Duration::from_millis(ms));
    StatusCode::NO_CONTENT
}

pub(crate) async fn admin_limit(State(state): State<Arc<FakeState>>, Json(body): Json<Switch>) -> StatusCode {
    state.set_symbol_limit(body.limit);
    StatusCode::NO_CONTENT
}

/// `GET /_fake/stream`.
pub(crate) async fn admin_status(State(state): State<Arc<FakeState>>) -> Json<StreamStatus> {
    Json(state.stream_status())
}

/// `DELETE /_fake/stream`: [`FakeState::clear_stream_counts`].
pub(crate) async fn admin_clear(State(state): State<Arc<FakeState>>) -> StatusCode {
    state.clear_stream_counts();
    StatusCode::NO_CONTENT
}
