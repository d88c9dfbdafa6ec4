//! The fake trade WebSocket over real sockets on loopback, as Folio will use it:
//! a tungstenite client for the stream, plain HTTP/1.1 for the control routes (what
//! Playwright sends), so no HTTP client crate is needed.

use folio_fakes::finnhub::FakeFinnhub;
use folio_fakes::stream::{FakeTrade, StreamStatus};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

const KEY: &str = "test-key";
const WAIT: Duration = Duration::from_secs(5);

async fn fake() -> FakeFinnhub {
    FakeFinnhub::start(Some(KEY)).await.expect("the fake starts")
}

async fn connect(fake: &FakeFinnhub) -> Client {
    let (client, response) =
        tokio_tungstenite::connect_async(format!("{}/?token={KEY}", fake.ws_url())).await.expect("handshake");
    assert_eq!(response.status(), 101);
    client
}

/// The handshake's status when it fails.
async fn refused(url: String) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("not an HTTP refusal: {other}"),
        Ok(_) => panic!("the handshake succeeded"),
    }
}

async fn send(client: &mut Client, message: Value) {
    client.send(Message::text(message.to_string())).await.expect("send");
}

/// The next text message (WebSocket-level pings skipped).
async fn next(client: &mut Client) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, client.next()).await.expect("a message in time");
        match message.expect("the stream is open").expect("a frame") {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn nothing_for(client: &mut Client, period: Duration) {
    if let Ok(message) = tokio::time::timeout(period, client.next()).await {
        panic!("expected silence, got {message:?}");
    }
}

async fn subscribe(fake: &FakeFinnhub, client: &mut Client, symbol: &str) {
    send(client, json!({"type": "subscribe", "symbol": symbol})).await;
    assert!(fake.state.wait_for_stream(WAIT, |s| s.subscriptions.iter().any(|x| x == symbol)).await);
}

/// One HTTP/1.1 request: (status, body).
async fn http(fake: &FakeFinnhub, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(fake.addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        fake.addr,
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("read");
    let status = response[9..12].parse().expect("a status line");
    (status, response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default())
}

#[tokio::test]
async fn a_pushed_trade_arrives_in_finnhubs_shape_and_moves_the_quote() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    subscribe(&fake, &mut client, "AAPL").await;
    let trades = [
        FakeTrade { symbol: "AAPL".into(), price: 274.7, t_ms: Some(1_587_474_380_227), volume: 10 },
        FakeTrade { symbol: "MSFT".into(), price: 420.0, t_ms: None, volume: 5 },
    ];
    assert_eq!(fake.state.push_trades(&trades), 1);
    assert_eq!(
        next(&mut client).await,
        json!({"type": "trade", "data": [{"s": "AAPL", "p": 274.7, "t": 1_587_474_380_227_i64, "v": 10, "c": ["1"]}]})
    );
    let (status, quote) = http(&fake, "GET", &format!("/api/v1/quote?symbol=AAPL&token={KEY}"), "").await;
    let quote: Value = serde_json::from_str(&quote).unwrap();
    assert_eq!((status, &quote["c"], &quote["t"]), (200, &json!(274.7), &json!(1_587_474_380)));
}

#[tokio::test]
async fn one_message_holds_every_subscribed_symbol_and_nothing_else() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    subscribe(&fake, &mut client, "AAPL").await;
    subscribe(&fake, &mut client, "MSFT").await;
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let push = |symbols: &[&str]| symbols.iter().map(|s| FakeTrade::new(s, 100.0)).collect::<Vec<_>>();
    assert_eq!(fake.state.push_trades(&push(&["AAPL", "TSLA", "MSFT"])), 1);
    let message = next(&mut client).await;
    let symbols: Vec<&str> = message["data"].as_array().unwrap().iter().map(|t| t["s"].as_str().unwrap()).collect();
    assert_eq!(symbols, ["AAPL", "MSFT"]);
    let t = message["data"][0]["t"].as_i64().unwrap();
    assert!((before..before + 5_000).contains(&t), "t is now, in milliseconds: {t}");
    assert_eq!(message["data"][0]["v"], 100);

    send(&mut client, json!({"type": "unsubscribe", "symbol": "MSFT"})).await;
    assert!(fake.state.wait_for_stream(WAIT, |s| s.subscriptions == ["AAPL"]).await);
    assert_eq!(fake.state.push_trades(&push(&["MSFT"])), 0, "no connection wants MSFT");
    fake.state.push_trades(&push(&["MSFT", "AAPL"]));
    let message = next(&mut client).await;
    assert_eq!(message["data"].as_array().unwrap().len(), 1);
    assert_eq!(message["data"][0]["s"], "AAPL");
    let requests: Vec<(String, String)> =
        fake.state.stream_requests().into_iter().map(|r| (r.kind, r.symbol)).collect();
    let expected = [("subscribe", "AAPL"), ("subscribe", "MSFT"), ("unsubscribe", "MSFT")];
    assert_eq!(requests, expected.map(|(k, s)| (k.to_string(), s.to_string())));
}

#[tokio::test]
async fn a_bad_or_missing_token_gets_401_and_counts_as_a_handshake() {
    let fake = fake().await;
    assert_eq!(refused(format!("{}/?token=wrong", fake.ws_url())).await, 401);
    assert_eq!(refused(fake.ws_url()).await, 401);
    assert_eq!((fake.state.handshakes(), fake.state.open_connections()), (2, 0));
    let _client = connect(&fake).await;
    assert_eq!(fake.state.handshakes(), 3);
    // tungstenite sends `GET ?token=… HTTP/1.1` for a URL with a query and no
    // path, which hyper refuses (400) before the fake sees it: build `{url}/?token=`.
    assert_eq!(refused(format!("{}?token={KEY}", fake.ws_url())).await, 400);
    assert_eq!(fake.state.handshakes(), 3);

    let keyless = FakeFinnhub::start(None).await.unwrap();
    tokio_tungstenite::connect_async(format!("{}/?token=anything", keyless.ws_url())).await.expect("any key");
    assert_eq!(refused(format!("{}/?token=", keyless.ws_url())).await, 401);
}

#[tokio::test]
async fn the_refuse_switch_rejects_even_the_right_key() {
    let fake = fake().await;
    fake.state.set_refuse(true);
    assert_eq!(refused(format!("{}/?token={KEY}", fake.ws_url())).await, 401);
    fake.state.set_refuse(false);
    connect(&fake).await;
    assert_eq!(fake.state.handshakes(), 2);
}

#[tokio::test]
async fn dropping_connections_ends_the_clients_stream_without_a_close_frame() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    assert!(fake.state.wait_for_stream(WAIT, |s| s.open == 1).await);
    assert_eq!(fake.state.drop_connections(), 1);
    assert_eq!(fake.state.open_connections(), 0, "no longer open, at once");
    match tokio::time::timeout(WAIT, client.next()).await.expect("the end in time") {
        None | Some(Err(_)) => {}
        Some(Ok(frame)) => panic!("expected a cut, got {frame:?}"),
    }
}

#[tokio::test]
async fn silence_sends_neither_trades_nor_pings() {
    let fake = fake().await;
    fake.state.set_ping_interval(Duration::from_millis(50));
    let mut client = connect(&fake).await;
    subscribe(&fake, &mut client, "AAPL").await;
    fake.state.set_silent(true);
    assert_eq!(fake.state.push_trades(&[FakeTrade::new("AAPL", 1.0)]), 0);
    nothing_for(&mut client, Duration::from_millis(400)).await;
    fake.state.set_silent(false);
    assert_eq!(next(&mut client).await, json!({"type": "ping"}));
}

#[tokio::test]
async fn pings_come_on_the_interval_even_one_set_after_connecting() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    assert!(fake.state.wait_for_stream(WAIT, |s| s.open == 1).await);
    nothing_for(&mut client, Duration::from_millis(200)).await;
    fake.state.set_ping_interval(Duration::from_millis(50));
    assert_eq!(next(&mut client).await, json!({"type": "ping"}));
    assert_eq!(next(&mut client).await, json!({"type": "ping"}));
}

#[tokio::test]
async fn counts_follow_connections_opening_and_closing() {
    let fake = fake().await;
    let mut first = connect(&fake).await;
    let mut second = connect(&fake).await;
    subscribe(&fake, &mut first, "AAPL").await;
    subscribe(&fake, &mut second, "MSFT").await;
    assert_eq!(fake.state.stream_status().max_open, 2);
    assert_eq!(fake.state.push_trades(&[FakeTrade::new("AAPL", 1.0), FakeTrade::new("MSFT", 2.0)]), 2);
    assert_eq!(next(&mut second).await["data"][0]["s"], "MSFT");

    first.close(None).await.unwrap();
    assert!(fake.state.wait_for_stream(WAIT, |s| s.open == 1).await);
    let status = fake.state.stream_status();
    assert_eq!((status.handshakes, status.max_open, status.subscriptions), (2, 2, vec!["MSFT".to_string()]));
    assert_eq!(fake.state.stream_requests()[1].connection, 2);
    fake.state.clear_stream_counts();
    assert_eq!((fake.state.handshakes(), fake.state.max_open(), fake.state.stream_requests().len()), (0, 1, 0));
}

#[tokio::test]
async fn past_the_symbol_limit_a_subscribe_is_refused() {
    let fake = fake().await;
    fake.state.set_symbol_limit(Some(2));
    let mut client = connect(&fake).await;
    subscribe(&fake, &mut client, "AAPL").await;
    subscribe(&fake, &mut client, "MSFT").await;
    send(&mut client, json!({"type": "subscribe", "symbol": "TSLA"})).await;
    assert_eq!(next(&mut client).await, json!({"type": "error", "msg": "Subscribing to too many symbols"}));
    // Subscribing again to one it has is no error: the next message is the error
    // for the malformed one that follows.
    send(&mut client, json!({"type": "subscribe", "symbol": "AAPL"})).await;
    client.send(Message::text("{")).await.unwrap();
    assert_eq!(next(&mut client).await["msg"], "Invalid message");
    assert_eq!(fake.state.subscriptions(), ["AAPL", "MSFT"]);
    assert_eq!(fake.state.stream_requests().len(), 4, "rejected subscribes are logged too");
}

#[tokio::test]
async fn a_malformed_message_gets_an_error_and_the_connection_stays() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    let invalid = json!({"type": "error", "msg": "Invalid message"});
    client.send(Message::text("not json")).await.unwrap();
    assert_eq!(next(&mut client).await, invalid);
    send(&mut client, json!({"type": "hello", "symbol": "AAPL"})).await;
    assert_eq!(next(&mut client).await, invalid);
    send(&mut client, json!({"type": "subscribe"})).await;
    assert_eq!(next(&mut client).await, invalid);
    client.send(Message::binary(b"{}".to_vec())).await.unwrap();
    assert_eq!(next(&mut client).await, invalid);
    subscribe(&fake, &mut client, "AAPL").await;
    fake.state.push_trades(&[FakeTrade::new("AAPL", 3.0)]);
    assert_eq!(next(&mut client).await["type"], "trade");
}

#[tokio::test]
async fn the_http_control_routes_drive_the_stream() {
    let fake = fake().await;
    let mut client = connect(&fake).await;
    subscribe(&fake, &mut client, "AAPL").await;

    let (status, body) = http(&fake, "POST", "/_fake/stream/trades", r#"{"symbol":"AAPL","price":5.5,"t":1000}"#).await;
    assert_eq!((status, body.as_str()), (200, r#"{"connections":1}"#));
    assert_eq!(next(&mut client).await["data"], json!([{"s": "AAPL", "p": 5.5, "t": 1000, "v": 100, "c": ["1"]}]));
    let many = r#"[{"symbol":"AAPL","price":6,"v":0},{"symbol":"AAPL","price":7}]"#;
    assert_eq!(http(&fake, "POST", "/_fake/stream/trades", many).await.0, 200);
    let message = next(&mut client).await;
    assert_eq!((&message["data"][0]["v"], &message["data"][1]["p"]), (&json!(0), &json!(7.0)));

    assert_eq!(http(&fake, "POST", "/_fake/stream/ping", r#"{"interval_ms":50}"#).await.0, 204);
    assert_eq!(next(&mut client).await, json!({"type": "ping"}));
    assert_eq!(http(&fake, "POST", "/_fake/stream/silent", r#"{"silent":true}"#).await.0, 204);
    assert_eq!(http(&fake, "POST", "/_fake/stream/limit", r#"{"limit":50}"#).await.0, 204);
    let (_, body) = http(&fake, "GET", "/_fake/stream", "").await;
    let status: StreamStatus = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (status.handshakes, status.open, status.max_open, status.subscriptions, status.silent),
        (1, 1, 1, vec!["AAPL".to_string()], true)
    );
    assert_eq!((status.ping_interval_ms, status.symbol_limit, status.requests.len()), (50, Some(50), 1));

    let (status, body) = http(&fake, "POST", "/_fake/stream/drop", "").await;
    assert_eq!((status, body.as_str()), (200, r#"{"dropped":1}"#));
    assert_eq!(http(&fake, "POST", "/_fake/stream/refuse", r#"{"refuse":true}"#).await.0, 204);
    assert_eq!(refused(format!("{}/?token={KEY}", fake.ws_url())).await, 401);
    assert_eq!(http(&fake, "DELETE", "/_fake/stream", "").await.0, 204);
    assert_eq!(fake.state.stream_status().handshakes, 0);
}
