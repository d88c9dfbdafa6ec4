//! Market data against the fake Finnhub: coalescing, the rate budget, TTLs, the
//! persistent cache, every failure mode, and the demo provider.

use crate::helpers::{error_code, spawn_app_with, spawn_app_with_fake};
use crate::operations::METRICS_TOKEN;
use folio::model::{PriceSource, Symbol};
use folio::server::market::{MarketError, demo::DemoMarket};
use folio_fakes::finnhub::Fault;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Freshness is judged in whole seconds: a 1 s TTL has surely passed 2 s later.
const PAST_A_1S_TTL: chrono::Duration = chrono::Duration::seconds(2);

/// Moves the app's clock (which ages market data) past a 1 s TTL: no sleep.
fn let_a_1s_ttl_pass(app: &crate::helpers::TestApp) {
    app.running.state.clock.advance(PAST_A_1S_TTL);
}

fn sym(s: &str) -> Symbol {
    Symbol::parse(s).unwrap()
}

/// How long a wait for something the app does in the background may take before
/// the test gives up: far longer than any of it takes, even with every retry of a
/// timing-out upstream (about 4 s), so only a real hang ends it.
const PATIENCE: Duration = Duration::from_secs(30);

/// Waits (bounded by [`PATIENCE`]) until `done` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until no background refresh of `symbol` is running (a stale answer marks
/// its refresh as running before it returns, so there is nothing to wait for first).
async fn settle(app: &crate::helpers::TestApp, symbol: &Symbol) {
    wait_until(&format!("the refresh of {symbol} to finish"), || !app.running.state.market.is_refreshing(symbol)).await;
}

#[tokio::test]
async fn a_thousand_concurrent_misses_make_one_upstream_call() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::Latency { ms: 300 }, None, None);
    let market = app.running.state.market.clone();
    let symbol = sym("AAPL");
    let lookups = (0..1000).map(|_| {
        let (market, symbol) = (market.clone(), symbol.clone());
        tokio::spawn(async move { market.quote(&symbol).await })
    });
    let results = futures::future::join_all(lookups).await;
    assert!(results.iter().all(|r| r.as_ref().unwrap().as_ref().is_ok_and(|q| q.price.to_string() == "189.84")));
    assert_eq!(fake.state.count("quote", "AAPL"), 1);
}

#[tokio::test]
async fn a_burst_of_500_symbols_stays_within_the_budget() {
    let (app, fake) =
        spawn_app_with_fake(&[("FINNHUB_CALLS_PER_SECOND", "25"), ("FINNHUB_CALLS_PER_MINUTE", "60")]).await;
    let market = app.running.state.market.clone();
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let market = market.clone();
            tokio::spawn(async move { market.quote(&sym(&format!("S{i:03}"))).await })
        })
        .collect();
    // The budget is used, not wasted: the minute's 60 calls are all made, and no
    // more: every other lookup gives up (after its bounded wait for the budget)
    // before the minute is over, so once all 500 have answered the count is final.
    wait_until("60 upstream calls", || fake.state.calls().len() >= 60).await;
    let mut refused = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), Err(MarketError::RateLimited(_))) {
            refused += 1;
        }
    }
    let burst_calls = fake.state.calls().iter().filter(|c| c.symbol.len() == 4 && c.symbol.starts_with('S')).count();
    assert_eq!(refused, 500 - burst_calls, "every lookup that got no call is refused as rate-limited");
    let mut times: Vec<u64> = fake.state.calls().iter().map(|c| c.at_ms).collect();
    times.sort_unstable();
    let most_in = |window: u64| {
        (0..times.len()).map(|i| times[i..].iter().take_while(|t| **t - times[i] < window).count()).max().unwrap_or(0)
    };
    let span = times.last().unwrap() - times[0];
    assert!(span < 55_000, "the test assumes the calls fit in one minute: {span} ms");
    assert_eq!(times.len(), 60, "calls with a budget of 60 a minute");
    assert!(most_in(1000) <= 25, "{} calls within one second", most_in(1000));
}

#[tokio::test]
async fn fresh_quotes_come_from_the_cache_and_stale_ones_are_refreshed_in_the_background() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_QUOTE_TTL", "1s")]).await;
    let market = &app.running.state.market;
    let aapl = sym("AAPL");
    let first = market.quote(&aapl).await.unwrap();
    assert!(!first.stale);
    assert_eq!(market.quote(&aapl).await.unwrap(), first);
    assert_eq!(fake.state.count("quote", "AAPL"), 1, "within the TTL nothing is fetched");

    fake.state.set_quote("AAPL", 200.0, 189.84);
    let_a_1s_ttl_pass(&app);
    let stale = market.quote(&aapl).await.unwrap();
    assert!(stale.stale, "past the TTL the old value is served at once, marked stale");
    assert_eq!(stale.price, first.price);
    settle(&app, &aapl).await;
    let refreshed = market.quote(&aapl).await.unwrap();
    assert!(!refreshed.stale);
    assert_eq!(refreshed.price.to_string(), "200");
    assert_eq!(fake.state.count("quote", "AAPL"), 2);
}

#[tokio::test]
async fn profiles_are_cached_for_their_own_ttl() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_PROFILE_TTL", "1s")]).await;
    let market = &app.running.state.market;
    let msft = sym("MSFT");
    let profile = market.profile(&msft).await.unwrap();
    assert_eq!(profile.name, "MSFT Inc");
    assert_eq!(profile.industry, "Technology");
    market.profile(&msft).await.unwrap();
    assert_eq!(fake.state.count("profile2", "MSFT"), 1);
    let_a_1s_ttl_pass(&app);
    market.profile(&msft).await.unwrap();
    // Past its TTL the profile is fetched again, once.
    wait_until("the profile's second fetch", || fake.state.count("profile2", "MSFT") >= 2).await;
    market.profile(&msft).await.unwrap();
    assert_eq!(fake.state.count("profile2", "MSFT"), 2);
}

#[tokio::test]
async fn the_cache_survives_a_restart() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    let before = app.running.state.market.quote(&sym("NVDA")).await.unwrap();
    app.running.state.market.profile(&sym("NVDA")).await.unwrap();
    let again = app.another_instance().await;
    let after = again.state.market.quote(&sym("NVDA")).await.unwrap();
    again.state.market.profile(&sym("NVDA")).await.unwrap();
    assert_eq!(after.price, before.price);
    assert_eq!(after.fetched_at, before.fetched_at);
    assert_eq!(fake.state.count("quote", "NVDA"), 1, "the restarted app read the database");
    assert_eq!(fake.state.count("profile2", "NVDA"), 1);
    again.task.abort();
    again.background.iter().for_each(|job| job.abort());
}

#[tokio::test]
async fn every_upstream_failure_serves_the_stale_value_never_a_made_up_one() {
    let faults = [
        Fault::ServerError,
        Fault::Timeout,
        Fault::MalformedJson,
        Fault::WrongTypes,
        Fault::Truncated,
        Fault::RateLimited { retry_after: Some(1), reset_in: None },
    ];
    for fault in faults {
        let (app, fake) = spawn_app_with_fake(&[("FOLIO_QUOTE_TTL", "1s")]).await;
        let first: Value = app.get_as_demo("/api/dashboard/quote/AAPL").await.json().await.unwrap();
        assert_eq!(first["data"]["current_price"], 189.84);
        let_a_1s_ttl_pass(&app);
        fake.state.set_fault(fault.clone(), None, None);
        for _ in 0..2 {
            let response = app.get_as_demo("/api/dashboard/quote/AAPL").await;
            assert_eq!(response.status(), 200, "{fault:?}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["data"]["current_price"], 189.84, "{fault:?}");
            assert_eq!(body["data"]["stale"], true, "{fault:?}");
            assert_eq!(body["data"]["source"], "finnhub");
            settle(&app, &sym("AAPL")).await;
        }
        let status = app.running.state.market.status();
        let problem = status.problem.unwrap_or_else(|| panic!("{fault:?} leaves a visible problem"));
        let expected = if matches!(fault, Fault::RateLimited { .. }) {
            "market_data_rate_limited"
        } else {
            "market_data_unavailable"
        };
        assert_eq!(problem.code, expected, "{fault:?}");

        // With nothing cached there is nothing to serve: a clear 503, no price.
        let response = app.get_as_demo("/api/dashboard/quote/MSFT").await;
        let code = error_code(response, 503).await;
        assert!(code.starts_with("market_data_"), "{fault:?}: {code}");
    }
}

#[tokio::test]
async fn transient_failures_are_retried_twice_then_given_up() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::ServerError, None, Some("TSLA"));
    assert!(matches!(app.running.state.market.quote(&sym("TSLA")).await, Err(MarketError::Unavailable(_))));
    assert_eq!(fake.state.count("quote", "TSLA"), 3);

    fake.state.set_fault(Fault::ServerError, Some(2), Some("META"));
    let quote = app.running.state.market.quote(&sym("META")).await.unwrap();
    assert_eq!(quote.price.to_string(), "505");
    assert_eq!(fake.state.count("quote", "META"), 3, "two failures, then success on the last try");
}

#[tokio::test]
async fn a_429_pauses_every_caller_for_retry_after() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::RateLimited { retry_after: Some(2), reset_in: None }, Some(1), Some("AAPL"));
    let err = app.running.state.market.quote(&sym("AAPL")).await.unwrap_err();
    assert_eq!(err, MarketError::RateLimited(2));
    app.running.state.market.quote(&sym("MSFT")).await.unwrap();
    // Measured on the fake's own log of when each call arrived, not by the test.
    let at = |symbol: &str| fake.state.calls().iter().find(|c| c.symbol == symbol).map(|c| c.at_ms).unwrap();
    let gap = at("MSFT") - at("AAPL");
    assert!(gap >= 1900, "the next call came {gap} ms after the 429 that asked for 2 s");

    fake.state.set_fault(Fault::RateLimited { retry_after: None, reset_in: Some(1) }, Some(1), Some("GOOGL"));
    assert!(matches!(app.running.state.market.quote(&sym("GOOGL")).await, Err(MarketError::RateLimited(1))));
}

#[tokio::test]
async fn a_rejected_key_is_a_visible_configuration_error() {
    let (app, fake) = spawn_app_with_fake(&[("FINNHUB_API_KEY", "not-the-right-key")]).await;
    let response = app.get_as_demo("/api/dashboard/quote/AAPL").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "market_data_key_rejected");
    assert!(body["error"]["message"].as_str().unwrap().contains("Finnhub rejected the API key"));
    assert_eq!(fake.state.count("quote", "AAPL"), 1, "a rejected key is not retried");

    let status: Value = app.get_as_demo("/api/market/status").await.json().await.unwrap();
    assert_eq!(status["data"]["problem"]["code"], "market_data_key_rejected");
    assert_eq!(status["data"]["source"], "finnhub");
}

#[tokio::test]
async fn forbidden_symbols_are_reported_not_priced() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::Forbidden, None, Some("AAPL"));
    let err = app.running.state.market.quote(&sym("AAPL")).await.unwrap_err();
    assert_eq!(err, MarketError::Forbidden("AAPL".into()));
}

#[tokio::test]
async fn unknown_symbols_are_not_found_and_not_asked_again() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    for _ in 0..3 {
        let response = app.get_as_demo("/api/dashboard/quote/ZZZZ").await;
        assert_eq!(error_code(response, 404).await, "unknown_symbol");
    }
    assert_eq!(fake.state.count("quote", "ZZZZ"), 1);
    let response = app.get_as_demo("/api/dashboard/profile/QQQQ").await;
    assert_eq!(error_code(response, 404).await, "unknown_symbol");
}

#[tokio::test]
async fn null_changes_are_decoded_as_unknown() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::NullFields, None, None);
    let body: Value = app.get_as_demo("/api/dashboard/quote/AMZN").await.json().await.unwrap();
    assert_eq!(body["data"]["current_price"], 178.25);
    assert_eq!(body["data"]["change"], Value::Null);
    assert_eq!(body["data"]["percent_change"], Value::Null);
}

#[tokio::test]
async fn bad_symbols_are_refused_before_any_upstream_call() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    for bad in ["a%20b", ".X", "ABCDEFGHIJKLMNOPQRSTU", "%3Cscript%3E"] {
        let response = app.get_as_demo(&format!("/api/dashboard/quote/{bad}")).await;
        assert_eq!(error_code(response, 400).await, "invalid_symbol", "{bad}");
    }
    let body: Value = app.get_as_demo("/api/dashboard/quote/%20aapl%20").await.json().await.unwrap();
    assert_eq!(body["data"]["symbol"], "AAPL", "trimmed and upper-cased");
    let upstream: Vec<_> = fake.state.calls().into_iter().filter(|c| c.symbol != "SPY").collect();
    assert_eq!(upstream.len(), 1, "{upstream:?}");
}

#[tokio::test]
async fn market_routes_need_a_signed_in_user() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    let response = app.client.get(app.url("/api/dashboard/quote/AAPL")).send().await.unwrap();
    assert_eq!(error_code(response, 401).await, "unauthorized");
    assert_eq!(fake.state.count("quote", "AAPL"), 0);
}

#[tokio::test]
async fn search_goes_through_the_market_layer() {
    let (app, _fake) = spawn_app_with_fake(&[]).await;
    let body: Value = app.get_as_demo("/api/market/search?q=nvd").await.json().await.unwrap();
    assert_eq!(body["data"][0]["symbol"], "NVDA");
    let response = app.get_as_demo("/api/market/search?q=").await;
    assert_eq!(error_code(response, 422).await, "invalid_query");
    // A control character at the end is refused too, as the schema's pattern says
    // (the fuzzer found a leading tab accepted because it was trimmed first).
    for q in ["%09apple", "apple%0A", "ap%7Fple", "%C2%85apple"] {
        let response = app.get_as_demo(&format!("/api/market/search?q={q}")).await;
        assert_eq!(error_code(response, 422).await, "invalid_query", "{q}");
    }
}

#[tokio::test]
async fn the_refresher_keeps_the_benchmark_and_requested_symbols_fresh() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_QUOTE_TTL", "1s")]).await;
    let market = &app.running.state.market;
    market.quote(&sym("AAPL")).await.unwrap();
    let_a_1s_ttl_pass(&app);
    let refreshed = folio::server::market::refresher::refresh_due(market).await;
    assert!(refreshed >= 2, "AAPL and SPY: {refreshed}");
    assert_eq!(fake.state.count("quote", "AAPL"), 2, "{:?}", fake.state.calls());
    assert!(fake.state.count("quote", "SPY") >= 1);
    // Each fetch also records the close of the quote's day: our own price history.
    let quote = market.quote(&sym("AAPL")).await.unwrap();
    let quote_day = chrono::DateTime::from_timestamp(quote.as_of, 0).unwrap().date_naive();
    let closes = folio::server::market::store::closes_since(
        &app.running.state.db,
        &sym("AAPL"),
        PriceSource::Finnhub,
        chrono::NaiveDate::MIN,
    )
    .await
    .unwrap();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].0, quote_day);
    assert_eq!(closes[0].1.to_string(), "189.84");
}

#[tokio::test]
async fn without_a_key_prices_are_demo_prices_and_say_so() {
    let app = spawn_app_with(&[]).await;
    let body: Value = app.get_as_demo("/api/dashboard/quote/AAPL").await.json().await.unwrap();
    assert_eq!(body["data"]["source"], "demo");
    let expected = DemoMarket::quote_at(&sym("AAPL"), app.running.state.clock.now()).unwrap();
    assert_eq!(body["data"]["current_price"].to_string(), expected.price.round_dp(2).normalize().to_string());
    let again: Value = app.get_as_demo("/api/dashboard/quote/AAPL").await.json().await.unwrap();
    assert_eq!(again["data"]["current_price"], body["data"]["current_price"]);
    let profile: Value = app.get_as_demo("/api/dashboard/profile/AAPL").await.json().await.unwrap();
    assert_eq!(profile["data"]["logo"], "/logos/AAPL.svg");
    let response = app.get_as_demo("/api/dashboard/quote/ZZZZ").await;
    assert_eq!(error_code(response, 404).await, "unknown_symbol");
    assert_eq!(app.running.state.market.status().source, PriceSource::Demo);
}

#[tokio::test]
async fn a_spent_budget_refuses_at_once_with_retry_after_and_no_call() {
    // One call a minute: of two symbols nobody has fetched, at most one can be asked
    // for; the other is refused by Folio's own budget (Finnhub never sees it) with
    // a 503 that says when to come back.
    let (app, fake) =
        spawn_app_with_fake(&[("FINNHUB_CALLS_PER_MINUTE", "1"), ("FOLIO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    fake.state.set_quote("INTC", 30.5, 30.0);
    fake.state.set_quote("IBM", 190.0, 188.0);
    let token = app.token("demo", "demo123").await;
    let mut refused = Vec::new();
    for symbol in ["INTC", "IBM"] {
        let response = app.get_with_token(&format!("/api/dashboard/quote/{symbol}"), &token).await;
        if response.status() == 200 {
            continue;
        }
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
        assert_eq!(error_code(response, 503).await, "market_data_rate_limited", "{symbol}");
        refused.push(symbol);
    }
    assert!(!refused.is_empty(), "one call a minute cannot serve two new symbols");
    for symbol in &refused {
        assert_eq!(fake.state.count("quote", symbol), 0, "{symbol} never reached Finnhub");
    }
    let text =
        app.client.get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap().text().await.unwrap();
    let budget_refused = r#"folio_upstream_calls_total{endpoint="quote",outcome="budget_refused",provider="finnhub"}"#;
    assert!(
        text.lines().any(|l| l.strip_prefix(budget_refused).is_some_and(|v| v.trim().parse::<f64>().unwrap() >= 1.0)),
        "{text}"
    );
}

#[tokio::test]
async fn a_late_older_quote_never_puts_a_days_close_back() {
    use folio::server::market::store;
    let app = spawn_app_with(&[]).await;
    let db = &app.running.state.db;
    let symbol = sym("KO");
    let day = app.today();
    let noon = day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let quote = |price: i64, as_of: i64, fetched_at: i64| folio::model::Quote {
        symbol: symbol.clone(),
        price: price.into(),
        change: None,
        change_percent: None,
        high: price.into(),
        low: price.into(),
        open: price.into(),
        previous_close: price.into(),
        as_of,
        fetched_at,
        source: PriceSource::Finnhub,
        stale: false,
        traded_at: None,
    };
    let close = || async { store::closes_since(db, &symbol, PriceSource::Finnhub, day).await.unwrap() };

    assert!(store::save_quote(db, &quote(60, noon, noon)).await.unwrap());
    // A later trade on the same REST fetch moves `as_of` only: it is newer.
    assert!(store::save_quote(db, &quote(61, noon + 5, noon)).await.unwrap());
    assert_eq!(close().await, [(day, 61.into())]);
    // The earlier ones, written late (another instance, an announcer behind):
    // neither the quote nor the day's close goes back.
    assert!(!store::save_quote(db, &quote(60, noon, noon)).await.unwrap());
    assert!(!store::save_quote(db, &quote(59, noon - 60, noon - 60)).await.unwrap());
    assert_eq!(close().await, [(day, 61.into())]);
    let stored = store::load_quote(db, &symbol, PriceSource::Finnhub).await.unwrap().unwrap();
    assert_eq!((stored.price, stored.as_of), (61.into(), noon + 5));
    // A later fetch is newer whatever its price.
    assert!(store::save_quote(db, &quote(58, noon + 5, noon + 30)).await.unwrap());
    assert_eq!(close().await, [(day, 58.into())]);
}
