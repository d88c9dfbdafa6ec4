//! Several instances on one database (#15): one leader runs the jobs that must run
//! once (one Finnhub WebSocket, one refresher), the others follow; a new leader
//! takes over when it stops; prices reach every instance's browsers; the upstream
//! budget and a 429's pause are one for all. On SQLite every instance is
//! `standalone` (several instances need PostgreSQL), which the tests check instead.

use crate::helpers::{FAKE_KEY, TestApp, error_code, signup_token, spawn_app_on_fake, spawn_app_with};
use crate::live::{Stream, fake_until, holding, streaming};
use folio_fakes::finnhub::{FakeFinnhub, Fault};
use folio_fakes::stream::FakeTrade;
use serde_json::Value;
use std::time::{Duration, Instant};

/// True on PostgreSQL; on SQLite (several instances need PostgreSQL) asserts that
/// every instance runs everything itself, and is false.
async fn shared_database(apps: &[&TestApp]) -> bool {
    if apps[0].config.db.url.starts_with("postgres") {
        return true;
    }
    until_roles(apps, &vec!["standalone"; apps.len()], Duration::ZERO).await;
    false
}

/// Two instances on one database, with the fake streaming: on PostgreSQL the
/// first leads with the one WebSocket and the second follows (None on SQLite).
async fn leader_and_follower() -> Option<(TestApp, TestApp, FakeFinnhub)> {
    let (first, fake) = streaming(&[]).await;
    let second = first.second_instance().await;
    if !shared_database(&[&first, &second]).await {
        return None;
    }
    until_roles(&[&first, &second], &["leader", "follower"], Duration::from_secs(5)).await;
    fake_until(&fake, "the leader's stream", |s| s.open == 1).await;
    Some((first, second, fake))
}

async fn role(app: &TestApp) -> String {
    let body: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    body["role"].as_str().unwrap().to_string()
}

/// Waits (up to `within`) until the instances report `roles`; returns how long it took.
async fn until_roles(apps: &[&TestApp], roles: &[&str], within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let mut seen = Vec::new();
        for app in apps {
            seen.push(role(app).await);
        }
        if seen == roles {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "roles {seen:?}, not {roles:?}, after {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_instance_leads_with_the_one_websocket_and_another_takes_over_when_it_stops() {
    let Some((first, second, fake)) = leader_and_follower().await else { return };
    let leader_metric = |app: &TestApp| app.running.state.cluster.role().leads();
    assert!(leader_metric(&first) && !leader_metric(&second));

    first.running.begin_shutdown();
    until_roles(&[&second], &["leader"], Duration::from_secs(10)).await;
    fake_until(&fake, "the new leader's stream", |s| s.open == 1 && s.handshakes == 2).await;
    assert_eq!(fake.state.max_open(), 1, "never two WebSockets at once");
}

#[tokio::test]
async fn a_leader_whose_lock_connection_is_cut_steps_down_before_another_leads() {
    let Some((first, second, fake)) = leader_and_follower().await else { return };
    // The leader process lives on; only its lock's connection is cut (as by a
    // network partition or an administrator), so PostgreSQL frees the lock at once.
    let db = &first.running.state.db.pool;
    let cut: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks
         WHERE locktype = 'advisory' AND classid = 1181679632 AND objid = 1 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(cut, 1, "one connection holds the leader lock");
    // One of the two leads again (either may win the lock), with one WebSocket.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let roles = [role(&first).await, role(&second).await];
        let leaders = roles.iter().filter(|r| *r == "leader").count();
        assert!(leaders <= 1, "{roles:?}");
        if leaders == 1 && fake.state.handshakes() == 2 && fake.state.open_connections() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no new leader with its stream: {roles:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(fake.state.max_open(), 1, "the old leader's WebSocket closed before the new one opened");
}

#[tokio::test]
async fn a_trade_streamed_to_the_leader_reaches_a_followers_browser() {
    let Some((_first, second, fake)) = leader_and_follower().await else { return };
    // Someone on the follower holds AAPL: the leader learns it through the
    // database and subscribes.
    let token = signup_token(&second, "far").await;
    holding(&second, &token, "1000", &[("AAPL", "2")]).await;
    let mut stream = Stream::connect(&second, &token).await;
    stream.portfolio_worth("1179.68").await;
    fake_until(&fake, "AAPL subscribed by the leader", |s| s.subscriptions.contains(&"AAPL".to_string())).await;

    fake.state.push_trades(&[FakeTrade::new("AAPL", 300.0)]);
    stream.quote_at("AAPL", "300").await;
    stream.portfolio_worth("1400").await;
    assert_eq!(fake.state.max_open(), 1, "the follower opened no WebSocket of its own");
    let status: Value = second.get_with_token("/api/market/status", &token).await.json().await.unwrap();
    assert_eq!(status["data"]["stream"]["state"], "connected", "the follower shows the leader's stream: {status}");
}

#[tokio::test]
async fn a_fetched_quote_is_announced_without_being_written_again() {
    use folio::model::PriceSource;
    use folio::server::market::store;
    let Some((first, second, _fake)) = leader_and_follower().await else { return };
    let token = signup_token(&first, "fetcher").await;
    let msft = folio::model::Symbol::parse("MSFT").unwrap();
    assert_eq!(first.get_with_token("/api/dashboard/quote/MSFT", &token).await.status(), 200);
    // The fetch stored the quote and its day's close; something else writes that
    // day's close now (an import of prices, say), while the announcement waits.
    let db = &first.running.state.db;
    let fetched = store::load_quote(db, &msft, PriceSource::Finnhub).await.unwrap().unwrap();
    let day = chrono::DateTime::from_timestamp(fetched.as_of, 0).unwrap().date_naive();
    store::save_close(db, &msft, PriceSource::Finnhub, day, 1234.into()).await.unwrap();
    // The follower has the quote: the announcer is done with it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while second.running.state.market.peek_quote(&msft).await.is_none() {
        assert!(Instant::now() < deadline, "the follower never heard of MSFT's quote");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let closes = store::closes_since(db, &msft, PriceSource::Finnhub, day).await.unwrap();
    assert_eq!(closes, [(day, 1234.into())], "the announcer wrote the fetched quote's close again");
}

/// Quotes of `symbols`, all at once, spread over `apps` in turn; the statuses.
async fn quotes_at_once(apps: &[&TestApp], token: &str, symbols: &[String]) -> Vec<u16> {
    let asks = symbols.iter().enumerate().map(|(n, symbol)| async move {
        let app = apps[n % apps.len()];
        app.get_with_token(&format!("/api/dashboard/quote/{symbol}"), token).await.status().as_u16()
    });
    futures::future::join_all(asks).await
}

async fn budget_app(fake: &FakeFinnhub, per_minute: &str) -> (TestApp, TestApp, String) {
    let first = spawn_app_on_fake(fake, &[("FINNHUB_CALLS_PER_MINUTE", per_minute)]).await;
    let second = first.second_instance().await;
    let token = signup_token(&first, "counter").await;
    (first, second, token)
}

#[tokio::test]
async fn the_upstream_budget_is_one_for_every_instance() {
    let fake = FakeFinnhub::start(Some(FAKE_KEY)).await.unwrap();
    let symbols: Vec<String> = (0..8).map(|n| format!("ZZ{n}")).collect();
    for symbol in &symbols {
        fake.state.set_quote(symbol, 10.0, 9.0);
    }
    let (first, second, token) = budget_app(&fake, "4").await;
    if !shared_database(&[&first, &second]).await {
        return;
    }
    // The refresher's first pass (the benchmark) took part of the minute already.
    let before = fake.state.calls().len();
    assert!(before < 4, "{before}");
    let statuses = quotes_at_once(&[&first, &second], &token, &symbols).await;
    let calls = fake.state.calls().len();
    assert!(calls <= 4, "4 calls a minute for both instances together, not 4 each: {calls} calls, {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 200).count() <= 4 - before, "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 503).count() >= symbols.len() - (4 - before), "{statuses:?}");
    let refused = second.get_with_token("/api/dashboard/quote/ZZ9", &token).await;
    assert_eq!(error_code(refused, 503).await, "market_data_rate_limited");
}

#[tokio::test]
async fn a_429_on_one_instance_pauses_the_other() {
    let fake = FakeFinnhub::start(Some(FAKE_KEY)).await.unwrap();
    for symbol in ["YY1", "YY2"] {
        fake.state.set_quote(symbol, 10.0, 9.0);
    }
    let (first, second, token) = budget_app(&fake, "60").await;
    if !shared_database(&[&first, &second]).await {
        return;
    }
    fake.state.set_fault(Fault::RateLimited { retry_after: Some(30), reset_in: None }, Some(1), None);
    let limited = first.get_with_token("/api/dashboard/quote/YY1", &token).await;
    assert_eq!(error_code(limited, 503).await, "market_data_rate_limited");
    // The pause is written to the database just after the 429 is read.
    let db = &first.running.state.db.pool;
    let deadline = Instant::now() + Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM upstream_pause").fetch_one(db).await.unwrap() == 0 {
        assert!(Instant::now() < deadline, "no shared pause after a 429");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = fake.state.calls().len();
    let other = second.get_with_token("/api/dashboard/quote/YY2", &token).await;
    assert_eq!(error_code(other, 503).await, "market_data_rate_limited", "the other instance waits too");
    assert_eq!(fake.state.calls().len(), before, "no call during the pause");
}

async fn sign_up_from(app: &TestApp, name: &str, client: &str) -> u16 {
    let body = serde_json::json!({"username": name, "password": "long enough pw"});
    let request = app.client.post(app.url("/api/auth/signup")).header("x-forwarded-for", client).json(&body);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_load_balancer_each_client_has_its_own_address_budget() {
    let proxied =
        spawn_app_with(&[("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "2"), ("FOLIO_TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(sign_up_from(&proxied, "one", "203.0.113.1").await, 201);
    assert_eq!(sign_up_from(&proxied, "two", "203.0.113.1").await, 201);
    assert_eq!(sign_up_from(&proxied, "three", "203.0.113.1").await, 429, "that client's budget is spent");
    assert_eq!(sign_up_from(&proxied, "four", "203.0.113.2").await, 201, "another client behind the same proxy");

    // From a peer nobody trusts, the header is the client's own word: ignored.
    let direct = spawn_app_with(&[("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "2")]).await;
    assert_eq!(sign_up_from(&direct, "one", "203.0.113.1").await, 201);
    assert_eq!(sign_up_from(&direct, "two", "203.0.113.2").await, 201);
    assert_eq!(sign_up_from(&direct, "three", "203.0.113.3").await, 429, "one budget for the one real address");
}
