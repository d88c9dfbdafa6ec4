//! Live prices end to end: trades pushed at the fake Finnhub WebSocket reach a
//! browser's `/api/stream` as `quote` and `portfolio` events with the right
//! revalued figures; the upstream stream comes back after a cut, gives up on a
//! refused key, follows the largest holdings past its symbol limit; one person
//! never sees another's portfolio; the stream is bounded per person and ends on
//! sign-out and shutdown; demo prices tick on their own.

use crate::helpers::{TestApp, error_code, signup_token, spawn_app_on_fake, spawn_app_with};
use folio_fakes::finnhub::FakeFinnhub;
use folio_fakes::stream::{FakeTrade, StreamStatus};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

pub(crate) const KEY: &str = "test-key";
const WAIT: Duration = Duration::from_secs(10);

/// One server-sent event.
#[derive(Debug)]
pub(crate) struct Sse {
    pub(crate) event: String,
    pub(crate) data: Value,
    id: Option<u64>,
    retry: Option<u64>,
}

/// A browser's end of `/api/stream`, read event by event.
pub(crate) struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buffer: String,
}

impl Stream {
    pub(crate) async fn open(app: &TestApp, token: &str, path: &str, last_id: Option<u64>) -> reqwest::Response {
        let mut request = app.client.get(app.url(path)).bearer_auth(token);
        if let Some(id) = last_id {
            request = request.header("last-event-id", id.to_string());
        }
        request.send().await.unwrap()
    }

    pub(crate) async fn connect(app: &TestApp, token: &str) -> Stream {
        let response = Self::open(app, token, "/api/stream", None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream { body: response.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next event (heartbeat comments skipped); None when the stream ended or
    /// nothing came within `within`.
    pub(crate) async fn next(&mut self, within: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse { event: "message".into(), data: Value::Null, id: None, retry: None };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("retry:") {
                        event.retry = v.trim().parse().ok();
                    }
                }
                if data.is_empty() && event.retry.is_none() {
                    continue;
                }
                event.data = serde_json::from_str(&data).unwrap_or(Value::Null);
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await.ok()??.ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads until an event matches; panics after `WAIT`.
    pub(crate) async fn until(&mut self, what: &str, matches: impl Fn(&Sse) -> bool) -> Sse {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(event) if matches(&event) => return event,
                Some(_) => {}
                None => panic!("no {what} within {WAIT:?}"),
            }
        }
    }

    pub(crate) async fn quote_at(&mut self, symbol: &str, price: &str) -> Sse {
        self.until(&format!("quote {symbol} {price}"), |e| {
            e.event == "quote" && e.data["symbol"] == symbol && e.data["price"] == price
        })
        .await
    }

    pub(crate) async fn portfolio_worth(&mut self, total: &str) -> Sse {
        self.until(&format!("portfolio worth {total}"), |e| e.event == "portfolio" && e.data["total_value"] == total)
            .await
    }
}

pub(crate) async fn post(app: &TestApp, token: &str, body: Value) {
    let response = app.client.post(app.url("/api/activities")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// A deposit, then a buy of each (symbol, quantity) at 100.
pub(crate) async fn holding(app: &TestApp, token: &str, deposit: &str, buys: &[(&str, &str)]) {
    post(app, token, json!({"kind": "deposit", "date": "2025-03-03", "amount": deposit})).await;
    for (symbol, quantity) in buys {
        let buy = json!({"kind": "buy", "date": "2025-03-04", "symbol": symbol, "quantity": quantity, "price": "100"});
        post(app, token, buy).await;
    }
}

/// The fake, and the app streaming from it.
pub(crate) async fn streaming(overrides: &[(&str, &str)]) -> (TestApp, FakeFinnhub) {
    let fake = FakeFinnhub::start(Some(KEY)).await.unwrap();
    let app = live_app(&fake, overrides).await;
    (app, fake)
}

pub(crate) async fn live_app(fake: &FakeFinnhub, overrides: &[(&str, &str)]) -> TestApp {
    let mut env = vec![("FINNHUB_STREAM", "true"), ("FINNHUB_API_KEY", KEY)];
    env.extend_from_slice(overrides);
    spawn_app_on_fake(fake, &env).await
}

pub(crate) async fn fake_until(fake: &FakeFinnhub, what: &str, ready: impl Fn(&StreamStatus) -> bool) {
    let ok = fake.state.wait_for_stream(WAIT, ready).await;
    assert!(ok, "{what}: {:?}", fake.state.stream_status());
}

async fn stream_state(app: &TestApp, token: &str) -> Value {
    let body: Value = app.get_with_token("/api/market/status", token).await.json().await.unwrap();
    body["data"]["stream"].clone()
}

#[tokio::test]
async fn a_trade_reaches_the_browser_as_a_quote_and_the_portfolio_revalued() {
    let (app, fake) = streaming(&[]).await;
    let token = signup_token(&app, "watcher").await;
    // 10,000 in, 10 AAPL at 100: 9,000 cash; the fake quotes AAPL at 189.84.
    holding(&app, &token, "10000", &[("AAPL", "10")]).await;
    let mut stream = Stream::connect(&app, &token).await;
    // The current state first.
    let first = stream.quote_at("AAPL", "189.84").await;
    assert_eq!(first.data["source"], "finnhub");
    assert!(first.id.is_some(), "every event has an id");
    stream.portfolio_worth("10898.40").await;
    fake_until(&fake, "AAPL subscribed", |s| s.subscriptions.contains(&"AAPL".to_string())).await;

    let sent = fake.state.push_trades(&[FakeTrade::new("AAPL", 200.0), FakeTrade::new("MSFT", 420.0)]);
    assert_eq!(sent, 1, "one upstream connection");
    let quote = stream.quote_at("AAPL", "200").await;
    assert_eq!(quote.data["change"], "12.85", "against the REST quote's previous close (187.15)");
    let portfolio = stream.portfolio_worth("11000").await;
    assert_eq!(portfolio.data["market_value"], "2000");
    assert_eq!(portfolio.data["unrealized_pnl"], "1000");
    let aapl = &portfolio.data["positions"][0];
    assert_eq!((aapl["symbol"].as_str(), aapl["current_price"].as_str()), (Some("AAPL"), Some("200")));
    assert_eq!(aapl["weight"], "100");

    // The same price everywhere: REST reads the moved quote.
    let rest: Value = app.get_with_token("/api/dashboard/quote/AAPL", &token).await.json().await.unwrap();
    assert_eq!(rest["data"]["current_price"], 200.0);
    let status = stream_state(&app, &token).await;
    assert_eq!(status["state"], "connected", "{status}");
    assert!(status["symbols"].as_u64().unwrap() >= 2, "AAPL and the benchmark: {status}");
    assert!(status["last_message_at"].is_i64(), "{status}");

    // A reconnect names the last id it saw: the numbering goes on, the state is sent again.
    let last = stream.next(Duration::from_millis(300)).await.and_then(|e| e.id).unwrap_or(quote.id.unwrap());
    let again = Stream::open(&app, &token, "/api/stream", Some(last)).await;
    let mut again = Stream { body: again.bytes_stream().boxed(), buffer: String::new() };
    let resent = again.quote_at("AAPL", "200").await;
    assert!(resent.id.unwrap() > last, "ids go on from Last-Event-ID");
}

#[tokio::test]
async fn the_stream_comes_back_after_a_cut_with_its_subscriptions() {
    let (app, fake) = streaming(&[]).await;
    let token = signup_token(&app, "cut").await;
    holding(&app, &token, "1000", &[("AAPL", "1")]).await;
    let mut stream = Stream::connect(&app, &token).await;
    fake_until(&fake, "AAPL subscribed", |s| s.subscriptions.contains(&"AAPL".to_string())).await;
    let before = fake.state.handshakes();

    assert_eq!(fake.state.drop_connections(), 1);
    fake_until(&fake, "a new connection with AAPL again", |s| {
        s.open == 1 && s.handshakes > before && s.subscriptions.contains(&"AAPL".to_string())
    })
    .await;
    assert_eq!(fake.state.max_open(), 1, "never two connections for one key");
    fake.state.push_trades(&[FakeTrade::new("AAPL", 201.5)]);
    stream.quote_at("AAPL", "201.5").await;
    stream.portfolio_worth("1101.5").await;
}

#[tokio::test]
async fn a_refused_key_is_not_tried_again() {
    let fake = FakeFinnhub::start(Some(KEY)).await.unwrap();
    fake.state.set_refuse(true);
    let app = live_app(&fake, &[]).await;
    let token = signup_token(&app, "refused").await;
    fake_until(&fake, "the first handshake", |s| s.handshakes >= 1).await;
    // The backoff would have tried again within 1 s; 3 s later there is still one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(fake.state.handshakes(), 1, "no reconnection storm after a 401");
    let status = stream_state(&app, &token).await;
    assert_eq!(status["state"], "rejected", "{status}");
    assert!(!status.to_string().contains(KEY), "the key is never shown");
    // Prices still come over REST.
    let rest = app.get_with_token("/api/dashboard/quote/AAPL", &token).await;
    assert_eq!(rest.status(), 200);
}

#[tokio::test]
async fn past_the_symbol_limit_the_largest_holdings_get_the_stream() {
    let (app, fake) = streaming(&[("FINNHUB_WS_SYMBOLS", "3")]).await;
    let token = signup_token(&app, "many").await;
    // At the fake's prices: AAPL 1,898.40, TSLA 1,200.50, MSFT 415.50, GOOGL 302.40, AMZN 178.25.
    let buys = [("MSFT", "1"), ("AAPL", "10"), ("TSLA", "5"), ("GOOGL", "2"), ("AMZN", "1")];
    holding(&app, &token, "100000", &buys).await;
    let _stream = Stream::connect(&app, &token).await;
    let top = ["AAPL", "MSFT", "TSLA"].map(String::from).to_vec();
    fake_until(&fake, "the three largest holdings", |s| s.subscriptions == top).await;
    // Every subscription the fake holds is within the limit at every step.
    let requests = fake.state.stream_requests();
    let mut open = std::collections::BTreeSet::new();
    for r in &requests {
        if r.kind == "subscribe" {
            open.insert(r.symbol.clone());
        } else {
            open.remove(&r.symbol);
        }
        assert!(open.len() <= 3, "more than 3 subscribed after {r:?}");
    }
    let status = stream_state(&app, &token).await;
    assert_eq!(status["symbols"], 3, "{status}");
}

#[tokio::test]
async fn a_page_follows_a_symbol_it_does_not_hold_before_symbols_merely_looked_at() {
    let (app, fake) = streaming(&[("FINNHUB_WS_SYMBOLS", "3")]).await;
    let token = signup_token(&app, "follower").await;
    holding(&app, &token, "1000", &[("AAPL", "1")]).await;
    // Looked at (tracked by the refresher), and before MSFT in name order.
    for symbol in ["AMZN", "GOOGL", "MSFT"] {
        assert_eq!(app.get_with_token(&format!("/api/dashboard/quote/{symbol}"), &token).await.status(), 200);
    }
    let response = Stream::open(&app, &token, "/api/stream?symbols=MSFT", None).await;
    assert_eq!(response.status(), 200);
    let mut stream = Stream { body: response.bytes_stream().boxed(), buffer: String::new() };
    stream.quote_at("MSFT", "415.5").await;
    let wanted = |s: &StreamStatus| {
        let mut subscribed = s.subscriptions.clone();
        subscribed.sort();
        subscribed == ["AAPL", "MSFT", "SPY"]
    };
    fake_until(&fake, "the holding, the benchmark and the followed symbol", wanted).await;
    fake.state.push_trades(&[FakeTrade::new("MSFT", 430.0)]);
    stream.quote_at("MSFT", "430").await;

    // Nobody follows it any more: it goes back among the looked-at, after AMZN.
    drop(stream);
    fake_until(&fake, "MSFT unsubscribed", |s| {
        !s.subscriptions.contains(&"MSFT".to_string()) && s.subscriptions.contains(&"AMZN".to_string())
    })
    .await;
}

#[tokio::test]
async fn a_person_never_receives_another_persons_portfolio() {
    let (app, fake) = streaming(&[]).await;
    let alice = signup_token(&app, "alice").await;
    let bob = signup_token(&app, "bob").await;
    holding(&app, &alice, "1000", &[("AAPL", "2")]).await;
    holding(&app, &bob, "5000", &[("MSFT", "3")]).await;
    let mut alice_stream = Stream::connect(&app, &alice).await;
    let mut bob_stream = Stream::connect(&app, &bob).await;
    alice_stream.portfolio_worth("1179.68").await;
    bob_stream.portfolio_worth("5946.5").await;
    fake_until(&fake, "both symbols", |s| ["AAPL", "MSFT"].iter().all(|x| s.subscriptions.contains(&x.to_string())))
        .await;

    fake.state.push_trades(&[FakeTrade::new("AAPL", 300.0)]);
    alice_stream.quote_at("AAPL", "300").await;
    alice_stream.portfolio_worth("1400").await;
    // Bob holds no AAPL: nothing of it reaches him (the benchmark did not move).
    while let Some(event) = bob_stream.next(Duration::from_millis(1500)).await {
        assert_ne!(event.data["symbol"], "AAPL", "{event:?}");
        if event.event == "portfolio" {
            assert_eq!(event.data["total_value"], "5946.5", "{event:?}");
            assert!(!event.data.to_string().contains("AAPL"), "{event:?}");
        }
    }
    fake.state.push_trades(&[FakeTrade::new("MSFT", 500.0)]);
    bob_stream.portfolio_worth("6200").await;
}

#[tokio::test]
async fn streams_are_bounded_per_person_and_end_when_the_session_does() {
    let (app, _fake) = streaming(&[("FOLIO_STREAMS_PER_USER", "2")]).await;
    let token = signup_token(&app, "bounded").await;
    let mut one = Stream::connect(&app, &token).await;
    let mut two = Stream::connect(&app, &token).await;
    let three = Stream::open(&app, &token, "/api/stream", None).await;
    assert_eq!(error_code(three, 429).await, "too_many_streams");
    let stranger = app.client.get(app.url("/api/stream")).send().await.unwrap();
    assert_eq!(error_code(stranger, 401).await, "unauthorized");
    let bad = Stream::open(&app, &token, "/api/stream?symbols=AAPL,%3Cscript%3E", None).await;
    assert_eq!(error_code(bad, 400).await, "invalid_symbol");

    // Signing out ends the streams of that session (checked every 5 s, an answer shared for 1 s).
    let out = app.client.post(app.url("/api/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert!(out.status().is_success());
    // Both streams of the token end.
    for stream in [&mut one, &mut two] {
        let end = stream.until("the end event", |e| e.event == "end").await;
        assert_eq!(end.data["code"], "signed_out");
        assert!(stream.next(WAIT).await.is_none(), "the stream is closed after its end event");
    }
}

#[tokio::test]
async fn a_stream_ends_when_its_token_expires_and_is_never_compressed() {
    let (app, _fake) = streaming(&[("FOLIO_TOKEN_TTL", "3s")]).await;
    let token = signup_token(&app, "expiring").await;
    let response = app
        .client
        .get(app.url("/api/stream"))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Compressed, the events would wait in the compressor's buffer.
    assert!(response.headers().get("content-encoding").is_none(), "{:?}", response.headers());
    let mut stream = Stream { body: response.bytes_stream().boxed(), buffer: String::new() };
    let end = stream.until("the end event", |e| e.event == "end").await;
    assert_eq!(end.data["code"], "session_expired");
    assert!(stream.next(WAIT).await.is_none(), "the stream is closed after its end event");
    assert_eq!(app.running.state.metrics.stream_ended.with_label_values(&["expired"]).get(), 1);
}

#[tokio::test]
async fn a_stopping_server_ends_its_streams_with_a_retry_hint() {
    let (app, _fake) = streaming(&[]).await;
    let token = signup_token(&app, "stopping").await;
    let mut stream = Stream::connect(&app, &token).await;
    stream.until("the first portfolio", |e| e.event == "portfolio").await;
    app.running.begin_shutdown();
    let hint = stream.until("the retry hint", |e| e.retry.is_some()).await;
    let retry = hint.retry.unwrap();
    assert!((2000..=12_000).contains(&retry), "2 s and a random spread: {retry}");
    assert!(stream.next(WAIT).await.is_none(), "the stream is closed");
}

#[tokio::test]
async fn demo_prices_tick_by_themselves() {
    let app = spawn_app_with(&[("FINNHUB_STREAM", "true")]).await;
    let token = app.token("demo", "demo123").await;
    let mut stream = Stream::connect(&app, &token).await;
    let first = stream.until("a demo quote", |e| e.event == "quote").await;
    assert_eq!(first.data["source"], "demo");
    let symbol = first.data["symbol"].as_str().unwrap().to_string();
    let price = first.data["price"].clone();
    stream
        .until("a simulated trade", |e| e.event == "quote" && e.data["symbol"] == symbol && e.data["price"] != price)
        .await;
    let status = stream_state(&app, &token).await;
    assert_eq!(status["state"], "demo", "{status}");
}

#[tokio::test]
async fn a_persons_tabs_share_one_revaluation_until_a_price_moves() {
    let (app, fake) = streaming(&[("FINNHUB_STREAM", "false")]).await;
    let state = &app.running.state;
    let token = signup_token(&app, "tabs").await;
    holding(&app, &token, "1000", &[("AAPL", "2")]).await;
    let me: Value = app.get_with_token("/api/auth/me", &token).await.json().await.unwrap();
    let user_id = me["data"]["id"].as_i64().unwrap();
    let kept = state.portfolios.load(state, user_id, app.today(), None).await.unwrap();
    let (one, two) = (state.live.open(user_id, &[]).unwrap(), state.live.open(user_id, &[]).unwrap());

    let first = one.person.portfolio(&state.market, &kept).await;
    let second = two.person.portfolio(&state.market, &kept).await;
    assert!(std::sync::Arc::ptr_eq(&first, &second), "the second tab got the first tab's event");
    assert!(first.contains(r#""total_value":"1179.68""#), "{first}");

    fake.state.set_quote("AAPL", 300.0, 187.15);
    state.market.refresh_quote(&folio::model::Symbol::parse("AAPL").unwrap()).await.unwrap();
    let moved = two.person.portfolio(&state.market, &kept).await;
    assert!(!std::sync::Arc::ptr_eq(&first, &moved), "a price moved: revalued again");
    assert!(moved.contains(r#""total_value":"1400""#), "{moved}");
}

#[tokio::test]
async fn a_refresh_behind_a_newer_trade_stores_the_trades_price_as_the_days_close() {
    use folio::model::{PriceSource, Symbol};
    use folio::server::market::store;
    let (app, fake) = streaming(&[]).await;
    let token = signup_token(&app, "closer").await;
    holding(&app, &token, "1000", &[("AAPL", "2")]).await;
    let mut stream = Stream::connect(&app, &token).await;
    stream.quote_at("AAPL", "189.84").await;
    fake_until(&fake, "AAPL subscribed", |s| s.subscriptions.contains(&"AAPL".to_string())).await;
    fake.state.push_trades(&[FakeTrade::new("AAPL", 300.0)]);
    stream.quote_at("AAPL", "300").await;

    // REST lags the stream: its last price is a minute older than the trade.
    let state = &app.running.state;
    let aapl = Symbol::parse("AAPL").unwrap();
    let traded = state.market.peek_quote(&aapl).await.unwrap();
    fake.state.set_quote_at("AAPL", 190.0, 187.15, traded.as_of - 60);
    let refreshed = state.market.refresh_quote(&aapl).await.unwrap();
    assert_eq!((refreshed.price, refreshed.as_of), (traded.price, traded.as_of), "the newer trade's price stays");
    assert_eq!(refreshed.previous_close.to_string(), "187.15", "the rest is REST's");
    let stored = store::load_quote(&state.db, &aapl, PriceSource::Finnhub).await.unwrap().unwrap();
    assert_eq!(stored.price.to_string(), "300", "what is stored is what is shown");
    let day = chrono::DateTime::from_timestamp(traded.as_of, 0).unwrap().date_naive();
    let closes = store::closes_since(&state.db, &aapl, PriceSource::Finnhub, day).await.unwrap();
    assert_eq!(closes.iter().map(|(d, c)| (*d, c.to_string())).collect::<Vec<_>>(), [(day, "300".to_string())]);
}

#[tokio::test]
async fn a_refresh_brings_a_ticked_demo_price_back_to_the_demos_own() {
    use folio::model::{PriceSource, Symbol};
    use folio::server::market::{demo::DemoMarket, store};
    let app = spawn_app_with(&[("FINNHUB_STREAM", "true")]).await;
    let token = app.token("demo", "demo123").await;
    let mut stream = Stream::connect(&app, &token).await;
    let first = stream.until("a demo quote", |e| e.event == "quote").await;
    let symbol = first.data["symbol"].as_str().unwrap().to_string();
    let price = first.data["price"].clone();
    stream
        .until("a simulated trade", |e| e.event == "quote" && e.data["symbol"] == symbol && e.data["price"] != price)
        .await;

    // Simulated trades are newer than the demo's quote at any hour (after the
    // close its time is the close's), yet a refresh does not keep them.
    let state = &app.running.state;
    let symbol = Symbol::parse(&symbol).unwrap();
    // The refresh comes later than the fetch (the app's clock is held still).
    state.clock.advance(chrono::Duration::seconds(1));
    let own = DemoMarket::quote_at(&symbol, state.clock.now()).unwrap().price;
    let refreshed = state.market.refresh_quote(&symbol).await.unwrap();
    assert_eq!(refreshed.price, own);
    let stored = store::load_quote(&state.db, &symbol, PriceSource::Demo).await.unwrap().unwrap();
    assert_eq!(stored.price, own, "the demo's own price is what is stored");
}
