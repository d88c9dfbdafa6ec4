//! Two instances on one database share what matters (#15, item 4): the sign-in
//! throttle's budgets and the CSV files awaiting confirmation on `/import`. Each
//! test starts a second instance on the first one's database (and clock), as two
//! instances behind a load balancer would be, and spreads its requests over both.

use crate::helpers::{TestApp, error_code, form_cookie, kept_upload, signup_token, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const CSV: &str = "date,kind,symbol,quantity,price,amount,note\n\
                   2026-01-05,deposit,,,,1000,first pay\n\
                   2026-01-06,buy,AAPL,2,150,,\n";

/// The instance that takes request `n` when requests alternate between two.
fn alternate<'a>(first: &'a TestApp, second: &'a TestApp, n: usize) -> &'a TestApp {
    if n.is_multiple_of(2) { first } else { second }
}

#[tokio::test]
async fn six_failed_sign_ins_alternating_between_two_instances_are_throttled() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    signup_token(&first, "shared").await;
    for n in 0..5 {
        let app = alternate(&first, &second, n);
        assert_eq!(app.login("shared", "wrong password").await.status(), 401, "failure {n}");
    }
    // Three failures each: kept per instance, the sixth would reach bcrypt.
    let sixth = second.login("shared", "wrong password").await;
    let retry_after: u64 = sixth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(error_code(sixth, 429).await, "rate_limited");
    assert_eq!(first.login("shared", "long enough pw").await.status(), 429, "the right password waits too");
    let refused = |app: &TestApp| app.running.state.metrics.auth_throttled.with_label_values(&["sign_in"]).get();
    assert_eq!((refused(&first), refused(&second)), (1, 1), "each instance counts its own refusals");
}

#[tokio::test]
async fn sign_ups_alternating_between_two_instances_share_the_address_budget() {
    let first = spawn_app_with(&[("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "3")]).await;
    let second = first.second_instance().await;
    for n in 0..3 {
        let app = alternate(&first, &second, n);
        let body = json!({"username": format!("farmed{n}"), "password": "long enough pw"});
        assert_eq!(app.post_json("/api/auth/signup", &body).await.status(), 201, "sign-up {n}");
    }
    let fourth = json!({"username": "farmed3", "password": "long enough pw"});
    assert_eq!(error_code(second.post_json("/api/auth/signup", &fourth).await, 429).await, "rate_limited");
    assert_eq!(second.running.state.metrics.auth_throttled.with_label_values(&["sign_up"]).get(), 1);
}

#[tokio::test]
async fn parallel_guesses_spread_over_two_instances_reach_bcrypt_five_times_in_all() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    signup_token(&first, "victim").await;
    let admitted = || first.running.state.throttle.admitted() + second.running.state.throttle.admitted();
    let before = admitted();
    let guesses = (0..40).map(|n| alternate(&first, &second, n).login("victim", "wrong password"));
    let statuses: Vec<u16> = futures::future::join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(admitted() - before, 5, "bcrypt ran five times across both instances");
}

/// Uploads `CSV` as `shared.csv` through `app`'s `/import` form; returns the kept file's token.
async fn upload(app: &TestApp, cookie: &str) -> String {
    kept_upload(app, cookie, CSV, "shared.csv").await
}

/// Confirms the upload behind `token` through `app`; returns where it leads.
async fn confirm(app: &TestApp, cookie: &str, token: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/import/{token}")))
        .header("origin", &app.base)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn review_page(app: &TestApp, cookie: &str, token: &str) -> String {
    let page = app.client.get(app.url(&format!("/import?review={token}"))).header("cookie", cookie).send().await;
    let page = page.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

async fn activities(app: &TestApp, token: &str) -> Vec<Value> {
    let body: Value = app.get_with_token("/api/activities", token).await.json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_import_uploaded_on_one_instance_is_reviewed_and_confirmed_on_another() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let bearer = signup_token(&first, "importer").await;
    let cookie = form_cookie(&first, "importer").await;
    let token = upload(&first, &cookie).await;

    let review = review_page(&second, &cookie, &token).await;
    assert!(review.contains("Checked shared.csv"), "the second instance reads the file the first kept");
    assert!(review.contains("2 rows: 2 new, 0 already in your ledger, 0 with problems."));
    assert_eq!(confirm(&second, &cookie, &token).await, "/trades?notice=imported&count=2");
    let imported = activities(&first, &bearer).await;
    assert_eq!(imported.len(), 2, "{imported:?}");
    assert!(imported.iter().any(|a| a["kind"] == "buy" && a["symbol"] == "AAPL"), "{imported:?}");

    // Imported: the file is gone from both.
    assert_eq!(confirm(&first, &cookie, &token).await, "/import?error=upload_expired");
    assert_eq!(activities(&second, &bearer).await.len(), 2);
}

#[tokio::test]
async fn an_upload_past_fifteen_minutes_is_refused_on_every_instance() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let bearer = signup_token(&first, "slow").await;
    let cookie = form_cookie(&first, "slow").await;
    let token = upload(&first, &cookie).await;

    // The instances share one held clock: moved on, it has moved for both.
    first.running.state.clock.advance(chrono::Duration::minutes(14));
    assert!(review_page(&second, &cookie, &token).await.contains("Checked shared.csv"), "kept for 15 minutes");
    first.running.state.clock.advance(chrono::Duration::minutes(1));
    assert!(review_page(&second, &cookie, &token).await.contains("That upload has expired."));
    assert_eq!(confirm(&second, &cookie, &token).await, "/import?error=upload_expired");
    assert_eq!(confirm(&first, &cookie, &token).await, "/import?error=upload_expired");
    assert_eq!(activities(&first, &bearer).await, Vec::<Value>::new(), "nothing was imported");
}

#[tokio::test]
async fn an_upload_is_only_given_to_its_owner_on_any_instance() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    signup_token(&first, "owner").await;
    let stranger_bearer = signup_token(&second, "stranger").await;
    let owner = form_cookie(&first, "owner").await;
    let stranger = form_cookie(&second, "stranger").await;
    let token = upload(&first, &owner).await;
    assert_eq!(confirm(&second, &stranger, &token).await, "/import?error=upload_expired");
    assert!(activities(&second, &stranger_bearer).await.is_empty());
    assert!(review_page(&second, &owner, &token).await.contains("Checked shared.csv"), "the owner's file stays");
}

#[tokio::test]
async fn a_sign_out_through_one_instance_ends_the_token_on_the_other() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let token = signup_token(&first, "leaving").await;
    assert_eq!(second.get_with_token("/api/dashboard/overview", &token).await.status(), 200, "one token, both");
    let out = first.client.post(first.url("/api/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert!(out.status().is_success());
    let after = second.get_with_token("/api/dashboard/overview", &token).await;
    assert_eq!(error_code(after, 401).await, "unauthorized", "revoked in the database, not in one process");
}
