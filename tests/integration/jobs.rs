//! The background jobs as they run in a server: the daily snapshot job on the app's
//! clock (days move on without anyone waiting for them), and the quote refresher's
//! own loop on the same clock, checked by a bounded wait on what it does rather than
//! by a sleep and a count.

use crate::helpers::{TestApp, signup_token, spawn_app_with_fake};
use chrono::{Duration, NaiveDate};
use folio::model::{PriceSource, Symbol};
use folio::server::market::store;
use folio::server::portfolio::snapshots::keep_every_history_current;
use folio::server::portfolio::{repo, state::read_key};
use rust_decimal::Decimal;

async fn user_with_deposit(app: &TestApp, name: &str, day: NaiveDate) -> i64 {
    let token = signup_token(app, name).await;
    let deposit = serde_json::json!({"kind": "deposit", "date": day.to_string(), "amount": "1000"});
    let created = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&deposit).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let state = &app.running.state;
    folio::server::auth::users::find_by_name(&state.db, name).await.unwrap().unwrap().user.id
}

#[tokio::test]
async fn the_daily_jobs_own_loop_records_the_next_day_by_itself() {
    // The job's loop as the server runs it (every second here, hourly by default):
    // the test only moves the app's clock and waits, bounded, for the new day.
    let (app, _fake) = spawn_app_with_fake(&[("FOLIO_SNAPSHOT_INTERVAL", "1s")]).await;
    let state = &app.running.state;
    let today = app.today();
    let spy = Symbol::parse("SPY").unwrap();
    for n in -5..=3 {
        store::save_close(&state.db, &spy, PriceSource::Finnhub, today + Duration::days(n), Decimal::from(400 + n))
            .await
            .unwrap();
    }
    let user = user_with_deposit(&app, "looped", today - Duration::days(3)).await;
    state.clock.advance(Duration::days(1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let last = repo::snapshots(&state.db, user, today).await.unwrap().last().map(|s| s.date);
        if last == Some(today + Duration::days(1)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the loop did not record the next day in 30 s: {last:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_daily_job_records_a_new_day_for_every_history_once() {
    let (app, _fake) = spawn_app_with_fake(&[]).await;
    let state = &app.running.state;
    let today = app.today();
    // The benchmark closed every day from before the ledgers to a week ahead.
    let spy = Symbol::parse("SPY").unwrap();
    for n in -20..=7 {
        let close = Decimal::from(400 + n);
        store::save_close(&state.db, &spy, PriceSource::Finnhub, today + Duration::days(n), close).await.unwrap();
    }
    let early = user_with_deposit(&app, "early", today - Duration::days(10)).await;
    let late = user_with_deposit(&app, "late", today - Duration::days(2)).await;
    signup_token(&app, "empty").await;
    let last_day =
        |user| async move { repo::snapshots(&state.db, user, NaiveDate::MIN).await.unwrap().last().map(|s| s.date) };
    assert_eq!(last_day(early).await, Some(today), "a write builds the history up to today");

    // Nothing new today: the job writes nothing and moves no version.
    let versions = |user| async move { read_key(&state.db, user).await.unwrap().history_version };
    let (early_v, late_v) = (versions(early).await, versions(late).await);
    keep_every_history_current(state).await;
    assert_eq!((versions(early).await, versions(late).await), (early_v, late_v));

    // Two days later, both histories reach the new day, each day valued.
    state.clock.advance(Duration::days(2));
    keep_every_history_current(state).await;
    for user in [early, late] {
        let history = repo::snapshots(&state.db, user, today).await.unwrap();
        let days: Vec<NaiveDate> = history.iter().map(|s| s.date).collect();
        assert_eq!(days, [today, today + Duration::days(1), today + Duration::days(2)], "user {user}");
        assert!(history.iter().all(|s| s.total_value == Decimal::from(1000)), "{history:?}");
        assert_eq!(history[2].benchmark_close, Some(Decimal::from(402)));
    }
    let moved = (versions(early).await, versions(late).await);
    assert!(moved.0 > early_v && moved.1 > late_v, "{moved:?}");
    let empty = folio::server::auth::users::find_by_name(&state.db, "empty").await.unwrap().unwrap().user.id;
    assert!(repo::snapshots(&state.db, empty, NaiveDate::MIN).await.unwrap().is_empty());

    // Run again on the same day: idempotent, no version moves.
    keep_every_history_current(state).await;
    assert_eq!((versions(early).await, versions(late).await), moved);
}

#[tokio::test]
async fn the_refresher_loop_keeps_a_requested_quote_fresh_by_itself() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_QUOTE_TTL", "1s"), ("FOLIO_REFRESH_INTERVAL", "1s")]).await;
    let market = &app.running.state.market;
    let aapl = Symbol::parse("AAPL").unwrap();
    let first = market.quote(&aapl).await.unwrap();
    // The loop, not this test, fetches again each time the app's clock passes the
    // TTL: move it on and wait (bounded) for the loop's call, twice.
    for calls in [2, 3] {
        app.running.state.clock.advance(chrono::Duration::seconds(2));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while fake.state.count("quote", "AAPL") < calls {
            assert!(std::time::Instant::now() < deadline, "the refresher had not made AAPL's call {calls} after 30 s");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    assert_eq!(fake.state.count("quote", "AAPL"), 3, "one fetch each time the TTL passed");
    let cached = market.cached_fetched_at(&aapl).await.unwrap();
    assert!(cached > first.fetched_at, "the cache holds the refreshed quote");
    assert!(fake.state.count("quote", "SPY") >= 1, "the benchmark is kept fresh too");
}
