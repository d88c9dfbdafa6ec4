//! What an operator sees: `/metrics` (private unless asked for, labels by template),
//! request ids, and `/readyz` telling the truth about the database, the schema and
//! draining.

use crate::helpers::{FAKE_KEY, spawn_app, spawn_app_with, spawn_app_with_fake};
use folio_fakes::finnhub::Fault;
use serde_json::Value;

pub const METRICS_TOKEN: &str = "metrics-token-for-tests-0123456789abcdef";

/// The value of one series in an exposition (`name{labels}` exactly as rendered).
pub fn series(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// `/metrics` read with the metrics token.
pub async fn scrape(app: &crate::helpers::TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_are_not_served_unless_configured() {
    let app = spawn_app().await;
    // Like any page: a stranger is sent to sign in, a signed-in person finds nothing.
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    let signed_in = app.get_as_demo("/metrics").await;
    assert_eq!(signed_in.status(), 404);
    assert!(!signed_in.text().await.unwrap().contains("folio_http_requests_total"));
}

#[tokio::test]
async fn metrics_on_the_main_address_need_the_exact_token() {
    let app = spawn_app_with(&[("FOLIO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-for-tests-0123456789abcdeg")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // A user's session token is not the metrics token.
    let user = app.get_as_demo("/metrics").await;
    assert_eq!(user.status(), 401);

    let token = app.token("demo", "demo123").await;
    for _ in 0..3 {
        assert_eq!(app.get_with_token("/api/activities/987654", &token).await.status(), 404);
    }
    assert_eq!(app.client.get(app.url("/symbol/AAPL")).send().await.unwrap().status(), 303);
    // An unknown page: the sign-in guard answers before any route would.
    assert_eq!(app.client.get(app.url("/no/such/page/42")).send().await.unwrap().status(), 303);
    let text = scrape(&app).await;
    let by_template = r#"folio_http_requests_total{method="GET",route="/api/activities/{id}",status="4xx"}"#;
    assert_eq!(series(&text, by_template), Some(3.0), "{text}");
    assert!(!text.contains("987654") && !text.contains("/no/such"), "raw paths never become labels");
    assert!(
        series(&text, r#"folio_http_requests_total{method="GET",route="unmatched",status="3xx"}"#).is_some(),
        "{text}"
    );
    assert!(text.contains(r#"folio_http_request_duration_seconds_count{method="GET",route="/api/activities/{id}"} 3"#));
    // Sign-in through the API was counted under its route; the session checks too.
    assert!(series(&text, "folio_session_checks_total").is_some_and(|n| n >= 3.0), "{text}");
}

#[tokio::test]
async fn metrics_on_their_own_address_are_not_on_the_main_one() {
    let app = spawn_app_with(&[("FOLIO_METRICS_ADDR", "127.0.0.1:0")]).await;
    let addr = app.running.metrics_addr.expect("a metrics listener");
    assert_ne!(addr, app.running.addr);
    // On the main address /metrics is just an unknown page (sign in first).
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 303);
    app.client.get(app.url("/healthz")).send().await.unwrap();
    let text = app.client.get(format!("http://{addr}/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(series(&text, r#"folio_http_requests_total{method="GET",route="/healthz",status="2xx"}"#), Some(1.0));
    // Only /metrics lives there.
    assert_eq!(app.client.get(format!("http://{addr}/healthz")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn upstream_calls_cache_results_and_sign_in_failures_are_counted() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let token = app.token("demo", "demo123").await;
    // Symbols nobody holds, so nothing has fetched them before.
    fake.state.set_quote("INTC", 30.5, 30.0);
    fake.state.set_quote("IBM", 190.0, 188.0);
    assert_eq!(app.get_with_token("/api/dashboard/quote/ZZZQ", &token).await.status(), 404);
    assert_eq!(app.get_with_token("/api/dashboard/quote/INTC", &token).await.status(), 200);
    assert_eq!(app.get_with_token("/api/dashboard/quote/INTC", &token).await.status(), 200);
    fake.state.set_fault(Fault::RateLimited { retry_after: Some(30), reset_in: None }, Some(1), None);
    assert_eq!(app.get_with_token("/api/dashboard/quote/IBM", &token).await.status(), 503);
    assert_eq!(app.login("leaky-username-7", "not-the-password").await.status(), 401);

    let text = scrape(&app).await;
    let calls = |outcome: &str| {
        series(
            &text,
            &format!(r#"folio_upstream_calls_total{{endpoint="quote",outcome="{outcome}",provider="finnhub"}}"#),
        )
    };
    assert!(calls("ok").is_some_and(|n| n >= 1.0), "{text}");
    assert_eq!(calls("rate_limited"), Some(1.0), "{text}");
    assert_eq!(calls("not_found"), Some(1.0), "{text}");
    assert_eq!(series(&text, "folio_upstream_rate_limit_pauses_total"), Some(1.0));
    let paused = series(&text, "folio_upstream_paused_seconds").unwrap();
    assert!(paused > 25.0 && paused <= 30.0, "paused {paused}");
    assert!(series(&text, r#"folio_upstream_budget_remaining{window="minute"}"#).is_some_and(|n| n < 60.0));
    assert!(series(&text, r#"folio_market_cache_total{cache="quote",result="hit"}"#).is_some_and(|n| n >= 1.0));
    assert!(series(&text, r#"folio_market_cache_total{cache="quote",result="miss"}"#).is_some_and(|n| n >= 2.0));
    assert_eq!(series(&text, "folio_sign_in_failures_total"), Some(1.0));
    assert_eq!(series(&text, "folio_market_healthy"), Some(0.0), "the last call was refused");
    assert!(!text.contains("leaky-username") && !text.contains(FAKE_KEY), "no user names or keys in metrics");
}

#[tokio::test]
async fn concurrent_misses_count_one_load_and_retries_count_each_attempt() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let token = app.token("demo", "demo123").await;
    fake.state.set_quote("INTC", 30.5, 30.0);
    fake.state.set_fault(Fault::Latency { ms: 400 }, None, Some("INTC"));
    let lookups = (0..5).map(|_| app.get_with_token("/api/dashboard/quote/INTC", &token));
    for response in futures::future::join_all(lookups).await {
        assert_eq!(response.status(), 200);
    }
    // A symbol whose every attempt fails with a 5xx: three attempts, one lookup.
    fake.state.clear_fault();
    fake.state.set_quote("IBM", 190.0, 188.0);
    fake.state.set_fault(Fault::ServerError, None, Some("IBM"));
    assert_eq!(app.get_with_token("/api/dashboard/quote/IBM", &token).await.status(), 503);

    let text = scrape(&app).await;
    let cache =
        |result: &str| series(&text, &format!(r#"folio_market_cache_total{{cache="quote",result="{result}"}}"#));
    assert_eq!(cache("miss"), Some(2.0), "INTC once, IBM once: {text}");
    assert_eq!(cache("coalesced"), Some(4.0), "four lookups waited for the first: {text}");
    assert_eq!(fake.state.count("quote", "INTC"), 1, "one upstream call for five lookups");
    let calls = |outcome: &str| {
        series(
            &text,
            &format!(r#"folio_upstream_calls_total{{endpoint="quote",outcome="{outcome}",provider="finnhub"}}"#),
        )
    };
    assert_eq!(calls("server_error"), Some(3.0), "{text}");
    // Unknown now remembered: the next lookup is answered without a load.
    assert_eq!(app.get_with_token("/api/dashboard/quote/ZZZQ", &token).await.status(), 404);
    assert_eq!(app.get_with_token("/api/dashboard/quote/ZZZQ", &token).await.status(), 404);
    let text = scrape(&app).await;
    assert_eq!(series(&text, r#"folio_market_cache_total{cache="quote",result="negative"}"#), Some(1.0), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let other = app.client.get(app.url("/login")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"], id.as_str());

    let kept = app.client.get(app.url("/api/auth/me")).header("x-request-id", "lb-7f3a.42").send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a.42");
    let replaced =
        app.client.get(app.url("/healthz")).header("x-request-id", "a\"; DROP TABLE users").send().await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a\"; DROP TABLE users");
}

async fn readiness(app: &crate::helpers::TestApp) -> (u16, Value) {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_reports_the_schema_the_market_and_draining() {
    let app = spawn_app().await;
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["migrations"], "ok");
    assert_eq!(body["market"], "ok");
    assert_eq!(body["market_source"], "demo");
    assert_eq!(body["draining"], false);

    // A migration this binary knows is missing: not ready, and says so.
    let db = &app.running.state.db.pool;
    let newest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(db).await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET success = FALSE WHERE version = $1")
        .bind(newest)
        .execute(db)
        .await
        .unwrap();
    let (status, body) = readiness(&app).await;
    assert_eq!((status, body["migrations"].as_str()), (503, Some("pending")), "{body}");
    sqlx::query("UPDATE _sqlx_migrations SET success = TRUE WHERE version = $1")
        .bind(newest)
        .execute(db)
        .await
        .unwrap();
    assert_eq!(readiness(&app).await.0, 200);

    // A newer Folio migrated this database: reported, and the instance keeps
    // serving (a rolling upgrade must not take every old instance out at once).
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer version', CURRENT_TIMESTAMP, TRUE, $1, 0)",
    )
    .bind(vec![0u8; 48])
    .execute(db)
    .await
    .unwrap();
    let (status, body) = readiness(&app).await;
    assert_eq!((status, body["migrations"].as_str()), (200, Some("newer")), "{body}");
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 99990101000000").execute(db).await.unwrap();

    // Draining: readiness says no while liveness and requests carry on.
    app.running.mark_draining();
    let (status, body) = readiness(&app).await;
    assert_eq!((status, body["draining"].as_bool()), (503, Some(true)), "{body}");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.login("demo", "demo123").await.status(), 200);
}

#[tokio::test]
async fn readiness_reports_a_rejected_key_without_leaving_service() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(Fault::Unauthorized, None, None);
    let token = app.token("demo", "demo123").await;
    app.get_with_token("/api/dashboard/quote/ZZZT", &token).await;
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["market"].as_str(), body["market_source"].as_str()), (Some("key_rejected"), Some("finnhub")));
}
