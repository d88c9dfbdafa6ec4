//! Price history from day one: an imported ledger years older than Folio's own
//! records gets its closes fetched (Yahoo's chart API, or Finnhub's candles when the
//! key's plan allows them), one call per symbol within each source's limits, and
//! its snapshots and risk figures rebuilt; a source's outage leaves what is stored.

use crate::helpers::{TestApp, signup_token, spawn_app_with_fake};
use chrono::{Datelike, NaiveDate, Weekday};
use folio::server::market::history::store;
use folio::server::portfolio::backfill;
use folio_fakes::finnhub::Fault;
use folio_fakes::history::FakeSplit;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Three years of trades in AAPL, MSFT and NVDA, imported through the API.
async fn import_three_years(app: &TestApp, token: &str) -> NaiveDate {
    let first = app.today() - chrono::Duration::days(3 * 365);
    let day = |n: i64| (first + chrono::Duration::days(n)).to_string();
    let csv = format!(
        "date,kind,symbol,quantity,price,amount\n\
         {},deposit,,,,50000\n{},buy,AAPL,20,120,\n{},buy,MSFT,10,250,\n{},buy,NVDA,5,300,\n\
         {},sell,AAPL,5,150,\n{},dividend,MSFT,,,30\n{},buy,NVDA,2,400,\n",
        day(0),
        day(1),
        day(30),
        day(200),
        day(500),
        day(600),
        day(900)
    );
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("broker.csv"));
    let response = app
        .client
        .post(app.url("/api/activities/import?dry_run=false"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    first
}

/// Waits (bounded) until the user's history is complete or failed for good.
async fn backfilled(app: &TestApp, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = &app.running.state;
        let overview = app.get_with_token("/api/dashboard/overview", token).await;
        let overview: Value = overview.json().await.unwrap();
        let kept = state.backfill.sources.is_enabled();
        let coverage = store::coverage(&state.db).await.unwrap();
        let settled = coverage.len() >= 4 && coverage.values().all(|c| c.covered_from.is_some() || c.problem.is_some());
        if !kept || settled && overview["data"]["history_days"].as_u64().unwrap_or(0) > 0 {
            return overview["data"].clone();
        }
        assert!(Instant::now() < deadline, "the backfill did not finish in 60 s: {coverage:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Days from 1970-01-01, as the fake numbers them.
fn epoch_day(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

/// The fake's trading days (Monday to Friday) in `[from, to]` on which the
/// benchmark has a close (Yahoo's answer has a `null` every 29th day).
fn benchmark_days(from: NaiveDate, to: NaiveDate) -> usize {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && epoch_day(*d) % 29 != 0)
        .count()
}

async fn points(app: &TestApp, token: &str) -> Vec<Value> {
    let performance: Value =
        app.get_with_token("/api/dashboard/performance?range=ALL", token).await.json().await.unwrap();
    performance["data"]["points"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_free_key_and_a_three_year_import_get_yahoo_history_and_every_figure() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "auto"), ("FOLIO_SEED_DEMO", "false")]).await;
    let token = signup_token(&app, "importer").await;
    let first = import_three_years(&app, &token).await;
    let overview = backfilled(&app, &token).await;

    // One call per symbol to Yahoo, at most one a second; candles tried once (403)
    // and then skipped for a day.
    let chart: Vec<_> = fake.state.calls().into_iter().filter(|c| c.endpoint == "chart").collect();
    let mut symbols: Vec<&str> = chart.iter().map(|c| c.symbol.as_str()).collect();
    symbols.sort();
    assert_eq!(symbols, ["AAPL", "MSFT", "NVDA", "SPY"]);
    for pair in chart.windows(2) {
        assert!(pair[1].at_ms - pair[0].at_ms >= 900, "Yahoo calls {} ms apart", pair[1].at_ms - pair[0].at_ms);
    }
    let candles = fake.state.calls().iter().filter(|c| c.endpoint == "candle").count();
    assert_eq!(candles, 1, "a 403 is remembered");

    // A snapshot for every day since the first activity that the benchmark has a
    // close for: every one of the fake's trading days (Monday to Friday) except
    // Yahoo's holes, plus today's close Folio recorded from the quote itself.
    let points = points(&app, &token).await;
    let snapshot_days: Vec<String> = points
        .iter()
        .map(|p| p["date"].as_str().unwrap().to_string())
        .filter(|d| d.as_str() >= first.to_string().as_str())
        .collect();
    let spy = folio::model::Symbol::parse("SPY").unwrap();
    let closes = store::merged_closes(&app.running.state.db, &spy, first, app.today(), None).await.unwrap();
    let close_days: Vec<String> = closes.iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(snapshot_days, close_days, "one snapshot per day with a benchmark close");
    assert!(close_days.len() >= benchmark_days(first, app.today()), "{} days", close_days.len());
    for figure in [
        "time_weighted_return",
        "annual_return",
        "volatility",
        "sharpe_ratio",
        "sortino_ratio",
        "max_drawdown",
        "beta",
        "alpha",
    ] {
        assert!(overview[figure].is_number(), "{figure} is missing: {overview}");
    }
    let activities = folio::server::portfolio::repo::activities(&app.running.state.db, user_id(&app, "importer").await)
        .await
        .unwrap();
    assert_eq!(backfill::progress(&app.running.state, &activities), None, "complete: nothing to say");
    let page = app.get_with_token("/", &token).await.text().await.unwrap();
    assert!(!page.contains("Loading price history"), "nothing is loading any more");
}

#[tokio::test]
async fn a_key_with_candles_never_calls_yahoo_and_none_fetches_nothing() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "auto"), ("FOLIO_SEED_DEMO", "false")]).await;
    fake.state.allow_candles(true);
    let token = signup_token(&app, "premium").await;
    import_three_years(&app, &token).await;
    let overview = backfilled(&app, &token).await;
    assert!(overview["volatility"].is_number(), "{overview}");
    let calls = fake.state.calls();
    assert_eq!(calls.iter().filter(|c| c.endpoint == "chart").count(), 0, "Yahoo is never called");
    assert_eq!(calls.iter().filter(|c| c.endpoint == "candle").count(), 4, "one candle call per symbol");
    let sources: Vec<Option<String>> =
        store::coverage(&app.running.state.db).await.unwrap().into_values().map(|c| c.source).collect();
    assert!(sources.iter().all(|s| s.as_deref() == Some("finnhub-candles")), "{sources:?}");

    let (none, fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "none"), ("FOLIO_SEED_DEMO", "false")]).await;
    let token = signup_token(&none, "offline").await;
    import_three_years(&none, &token).await;
    let pass = backfill::run_once(&none.running.state).await.unwrap();
    assert_eq!(pass, backfill::Pass::default());
    let calls = fake.state.calls();
    assert!(calls.iter().all(|c| c.endpoint != "chart" && c.endpoint != "candle"), "{calls:?}");
    let overview: Value = none.get_with_token("/api/dashboard/overview", &token).await.json().await.unwrap();
    assert!(overview["data"]["volatility"].is_null(), "only Folio's own closes: not enough history");
}

#[tokio::test]
async fn an_outage_keeps_what_is_stored_says_why_and_is_tried_again() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "yahoo"), ("FOLIO_SEED_DEMO", "false")]).await;
    let state = &app.running.state;
    fake.state.set_endpoint_fault("chart", Fault::ServerError, None);
    let aapl = folio::model::Symbol::parse("AAPL").unwrap();
    let today = app.today();
    // A close Folio recorded itself before the outage.
    folio::server::market::store::save_close(
        &state.db,
        &aapl,
        folio::model::PriceSource::Finnhub,
        today - chrono::Duration::days(1),
        "111.11".parse().unwrap(),
    )
    .await
    .unwrap();
    let token = signup_token(&app, "unlucky").await;
    import_three_years(&app, &token).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        let coverage = store::coverage(&state.db).await.unwrap();
        if coverage.len() >= 4 && coverage.values().all(|c| c.problem.is_some()) {
            break coverage;
        }
        assert!(Instant::now() < deadline, "no failure recorded: {coverage:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(failed.values().all(|c| c.covered_from.is_none() && c.retry_at > today_unix(&app)));
    let closes =
        store::merged_closes(&state.db, &aapl, NaiveDate::MIN, today - chrono::Duration::days(1), None).await.unwrap();
    assert_eq!(closes, [(today - chrono::Duration::days(1), "111.11".parse().unwrap())], "the recorded close stays");
    // The page says what is happening and why, instead of "not enough history".
    let activities =
        folio::server::portfolio::repo::activities(&state.db, user_id(&app, "unlucky").await).await.unwrap();
    let progress = backfill::progress(state, &activities).expect("history is incomplete");
    assert_eq!((progress.done, progress.total), (0, 4));
    assert!(progress.failures.iter().any(|(s, why)| s == "AAPL" && why.contains("500")), "{progress:?}");
    let page = app.get_with_token("/", &token).await.text().await.unwrap();
    assert!(page.contains("Loading price history: 0 of 4 symbols"), "the dashboard says so");
    assert!(page.contains("this figure follows once it is in"), "the cards say why they are empty");

    // Not tried again before its time; tried and fetched once the outage is over.
    fake.state.clear_fault();
    fake.state.clear_calls();
    assert_eq!(backfill::run_once(state).await.unwrap(), backfill::Pass::default());
    assert!(fake.state.calls().is_empty());
    state.clock.advance(chrono::Duration::hours(1));
    let pass = backfill::run_once(state).await.unwrap();
    assert_eq!(pass.fetched.len(), 4, "{pass:?}");
    assert_eq!(pass.rebuilt_users, 1);
}

#[tokio::test]
async fn closes_before_a_split_are_stored_as_traded() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "yahoo"), ("FOLIO_SEED_DEMO", "false")]).await;
    let state = &app.running.state;
    let split_day = app.today() - chrono::Duration::days(100);
    let split_day = split_day
        - chrono::Duration::days(match split_day.weekday() {
            Weekday::Sat => 1,
            Weekday::Sun => 2,
            _ => 0,
        });
    let stamp = split_day.and_hms_opt(14, 30, 0).unwrap().and_utc().timestamp();
    fake.state.set_splits("NVDA", vec![FakeSplit { date: stamp, numerator: 10, denominator: 1 }]);
    let token = signup_token(&app, "holder").await;
    import_three_years(&app, &token).await;
    backfilled(&app, &token).await;
    let nvda = folio::model::Symbol::parse("NVDA").unwrap();
    let closes =
        store::merged_closes(&state.db, &nvda, split_day - chrono::Duration::days(10), split_day, None).await.unwrap();
    assert!(closes.len() >= 5, "{closes:?}");
    for (day, close) in closes {
        let traded = fake.state.traded_close("NVDA", epoch_day(day)).unwrap();
        let close: f64 = close.to_string().parse().unwrap();
        assert!((close - traded).abs() < 0.011, "{day}: stored {close}, traded {traded}");
        if day < split_day {
            assert!(close > 5.0 * fake.state.traded_close("NVDA", epoch_day(split_day)).unwrap() / 2.0);
        }
    }
    let reported = store::reported_splits(&state.db, &nvda).await.unwrap();
    assert_eq!((reported[0].date, reported[0].ratio.to_string()), (split_day, "10:1".to_string()));

    // The ledger lacks the split: the value drops tenfold on its day, and Folio
    // offers it (API, dashboard), without applying it.
    let jump = |points: &[Value]| {
        let value = |day: NaiveDate| {
            points.iter().rev().find(|p| p["date"].as_str().unwrap() <= day.to_string().as_str()).unwrap()["total_value"]
                .as_f64()
                .unwrap()
        };
        value(split_day) / value(split_day - chrono::Duration::days(4))
    };
    let fall = jump(&points(&app, &token).await);
    assert!(fall < 0.8, "without the split the value falls on its day (× {fall})");
    let offered: Value = app.get_with_token("/api/activities/split-suggestions", &token).await.json().await.unwrap();
    let offer = &offered["data"][0];
    assert_eq!(offered["data"].as_array().unwrap().len(), 1, "{offered}");
    assert_eq!((offer["symbol"].as_str(), offer["numerator"].as_str()), (Some("NVDA"), Some("10")));
    let page = app.get_with_token("/", &token).await.text().await.unwrap();
    assert!(page.contains(&format!("NVDA split 10:1 on {split_day}")), "the dashboard offers it");
    let positions: Value = app.get_with_token("/api/dashboard/positions", &token).await.json().await.unwrap();
    let nvda_row =
        |p: &Value| p["data"].as_array().unwrap().iter().find(|r| r["symbol"] == "NVDA").unwrap()["quantity"].clone();
    assert_eq!(nvda_row(&positions), 7.0);

    // Accepted (the fields of the offer, posted as a split): shares × 10, no jump.
    let split = serde_json::json!({"kind": "split", "symbol": "NVDA", "date": offer["date"],
        "numerator": offer["numerator"], "denominator": offer["denominator"]});
    let created = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&split).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let offered: Value = app.get_with_token("/api/activities/split-suggestions", &token).await.json().await.unwrap();
    assert_eq!(offered["data"], serde_json::json!([]), "no longer offered");
    let positions: Value = app.get_with_token("/api/dashboard/positions", &token).await.json().await.unwrap();
    assert_eq!(nvda_row(&positions), 70.0);
    let ratio = jump(&points(&app, &token).await);
    assert!((0.95..1.05).contains(&ratio), "the value moves × {ratio} across the split day");
}

fn today_unix(app: &TestApp) -> i64 {
    app.running.state.clock.now().timestamp()
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    folio::server::auth::users::find_by_name(&app.running.state.db, name).await.unwrap().unwrap().user.id
}

/// POSTs a prices file.
async fn import_prices(app: &TestApp, token: &str, csv: String) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("prices.csv"));
    app.client.post(app.url("/api/prices/import")).bearer_auth(token).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn an_offline_install_imports_its_own_prices_which_win_and_count_for_nobody_else() {
    let (app, _fake) = spawn_app_with_fake(&[("FOLIO_HISTORY_SOURCE", "none"), ("FOLIO_SEED_DEMO", "false")]).await;
    let state = &app.running.state;
    let token = signup_token(&app, "offline").await;
    let other = signup_token(&app, "neighbour").await;
    let first = import_three_years(&app, &token).await;
    import_three_years(&app, &other).await;

    // One bad row refuses the whole file, saying where.
    let bad = "date,symbol,close\n2024-01-02,SPY,470\n2024-01-03,SPY,-1\nsoon,SPY,1\n".to_string();
    let refused = import_prices(&app, &token, bad).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "prices_rejected");
    let lines: Vec<u64> = body["rows"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4]);
    let spy = folio::model::Symbol::parse("SPY").unwrap();
    let user = user_id(&app, "offline").await;
    assert!(store::merged_closes(&state.db, &spy, first, app.today(), Some(user)).await.unwrap().len() <= 1);

    // Every weekday since the first activity, for every symbol, at a made-up price.
    let yesterday = app.today() - chrono::Duration::days(1);
    let mut csv = String::from("symbol,date,close\n");
    for day in (first - chrono::Duration::days(10)).iter_days().take_while(|d| *d <= yesterday) {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let wiggle = (epoch_day(day) % 13) as f64;
        for (symbol, base) in [("SPY", 400.0), ("AAPL", 150.0), ("MSFT", 300.0), ("NVDA", 500.0)] {
            csv.push_str(&format!("{symbol},{day},{:.2}\n", base + wiggle));
        }
    }
    let imported = import_prices(&app, &token, csv).await;
    assert_eq!(imported.status(), 200);
    let done: Value = imported.json().await.unwrap();
    assert_eq!(done["data"]["symbols"], serde_json::json!(["AAPL", "MSFT", "NVDA", "SPY"]));
    let overview: Value = app.get_with_token("/api/dashboard/overview", &token).await.json().await.unwrap();
    assert!(overview["data"]["volatility"].is_number(), "a full history from the file: {overview}");

    // The file's close wins over one Folio recorded; the neighbour never sees it.
    let recorded = folio::server::market::store::save_close(
        &state.db,
        &spy,
        folio::model::PriceSource::Finnhub,
        yesterday
            - chrono::Duration::days(match yesterday.weekday() {
                Weekday::Sat => 1,
                Weekday::Sun => 2,
                _ => 0,
            }),
        "999".parse().unwrap(),
    );
    recorded.await.unwrap();
    let mine = store::merged_closes(&state.db, &spy, first, yesterday, Some(user)).await.unwrap();
    assert!(mine.iter().all(|(_, close)| close.to_string() != "999"), "the file's close wins");
    let theirs =
        store::merged_closes(&state.db, &spy, first, yesterday, Some(user_id(&app, "neighbour").await)).await.unwrap();
    assert_eq!(theirs.len(), 1, "only the close Folio recorded: {theirs:?}");
    let neighbour: Value = app.get_with_token("/api/dashboard/overview", &other).await.json().await.unwrap();
    assert!(neighbour["data"]["volatility"].is_null(), "another person's file changes nothing here");
}
