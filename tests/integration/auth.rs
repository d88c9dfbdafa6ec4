//! `/api/auth/*`: tokens, rejection of bad tokens, sign-up rules, input errors,
//! and the sign-in throttle.

use crate::helpers::{TEST_SECRET, b64, error_code, spawn_app, spawn_app_with};
use folio::model::CurrentUser;
use serde_json::{Value, json};

#[tokio::test]
async fn the_demo_user_signs_in_and_the_token_opens_protected_routes() {
    let app = spawn_app().await;
    let response = app.login("demo", "demo123").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    let token = body["access_token"].as_str().unwrap();

    let me = app.get_with_token("/api/auth/me", token).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["status"], "success");
    assert_eq!(me["data"]["username"], "demo");
}

#[tokio::test]
async fn usernames_are_case_insensitive_at_sign_in() {
    let app = spawn_app().await;
    assert_eq!(app.login("DeMo", "demo123").await.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong: Value = {
        let r = app.login("demo", "not-the-password").await;
        assert_eq!(r.status(), 401);
        r.json().await.unwrap()
    };
    let unknown: Value = {
        let r = app.login("nobody-here", "not-the-password").await;
        assert_eq!(r.status(), 401);
        r.json().await.unwrap()
    };
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn protected_routes_reject_missing_expired_tampered_and_unsigned_tokens() {
    let app = spawn_app().await;
    let no_token = app.client.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(error_code(no_token, 401).await, "unauthorized");

    let demo = CurrentUser { id: 1, username: "demo".into() };
    let tokens = &app.running.state.tokens;
    let expired = tokens.issue_at(&demo, 0, folio::server::db::now_unix() - 3 * 86_400).unwrap();
    assert_eq!(error_code(app.get_with_token("/api/auth/me", &expired).await, 401).await, "unauthorized");

    let good = app.token("demo", "demo123").await;
    let parts: Vec<&str> = good.split('.').collect();
    let far_future = folio::server::db::now_unix() + 86_400;
    let forged_claims = b64(format!(r#"{{"sub":"2","name":"admin","iat":0,"exp":{far_future}}}"#).as_bytes());
    let tampered = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
    assert_eq!(error_code(app.get_with_token("/api/auth/me", &tampered).await, 401).await, "unauthorized");

    let none_header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = b64(format!(r#"{{"sub":"1","name":"demo","iat":0,"exp":{far_future}}}"#).as_bytes());
    for unsigned in [format!("{none_header}.{claims}."), format!("{none_header}.{claims}")] {
        assert_eq!(error_code(app.get_with_token("/api/auth/me", &unsigned).await, 401).await, "unauthorized");
    }

    // Properly signed, but for an account that does not exist.
    let ghost = folio::server::auth::token::TokenKeys::new(TEST_SECRET.as_bytes(), std::time::Duration::from_secs(60))
        .issue(&CurrentUser { id: 999_999, username: "ghost".into() }, 0)
        .unwrap();
    assert_eq!(error_code(app.get_with_token("/api/auth/me", &ghost).await, 401).await, "unauthorized");

    // The good token still works, so the rejections above were about the tokens.
    assert_eq!(app.get_with_token("/api/auth/me", &good).await.status(), 200);
}

#[tokio::test]
async fn sign_up_creates_an_account_that_can_sign_in() {
    let app = spawn_app().await;
    let response = app.post_json("/api/auth/signup", &json!({"username": "Alice", "password": "long enough"})).await;
    assert_eq!(response.status(), 201);
    let token = response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    let me: Value = app.get_with_token("/api/auth/me", &token).await.json().await.unwrap();
    assert_eq!(me["data"]["username"], "Alice");
    assert_eq!(app.login("alice", "long enough").await.status(), 200);
}

#[tokio::test]
async fn a_taken_username_in_any_case_is_refused() {
    let app = spawn_app().await;
    for name in ["demo", "DEMO", "Demo"] {
        let response = app.post_json("/api/auth/signup", &json!({"username": name, "password": "long enough"})).await;
        assert_eq!(error_code(response, 409).await, "username_taken", "{name}");
    }
    // The original account is untouched.
    assert_eq!(app.login("demo", "demo123").await.status(), 200);
}

#[tokio::test]
async fn sign_up_rules_are_enforced() {
    let app = spawn_app().await;
    for (username, password, code) in [
        ("bob", "short", "weak_password"),
        ("b", "long enough", "invalid_username"),
        ("bob smith", "long enough", "invalid_username"),
        ("<script>", "long enough", "invalid_username"),
        ("bob", &"p".repeat(73), "password_too_long"),
    ] {
        let response = app.post_json("/api/auth/signup", &json!({"username": username, "password": password})).await;
        assert_eq!(error_code(response, 422).await, code, "{username}/{password}");
    }
}

#[tokio::test]
async fn sign_up_can_be_disabled() {
    let app = spawn_app_with(&[("FOLIO_ALLOW_SIGNUP", "false")]).await;
    let response = app.post_json("/api/auth/signup", &json!({"username": "carol", "password": "long enough"})).await;
    assert_eq!(error_code(response, 403).await, "signup_disabled");
    assert_eq!(app.login("carol", "long enough").await.status(), 401);
}

#[tokio::test]
async fn malformed_and_oversized_input_gets_a_json_4xx() {
    let app = spawn_app().await;
    let send_raw = |body: &'static str, content_type: &'static str| {
        app.client.post(app.url("/api/auth/login")).header("content-type", content_type).body(body).send()
    };
    assert_eq!(error_code(send_raw("{not json", "application/json").await.unwrap(), 400).await, "invalid_json");
    assert_eq!(
        error_code(send_raw(r#"{"username":"demo"}"#, "application/json").await.unwrap(), 422).await,
        "invalid_body"
    );
    assert_eq!(
        error_code(send_raw(r#"{"username":1,"password":2}"#, "application/json").await.unwrap(), 422).await,
        "invalid_body"
    );
    assert_eq!(
        error_code(send_raw(r#"{"username":"demo","password":"demo123"}"#, "text/plain").await.unwrap(), 415).await,
        "unsupported_media_type"
    );

    let long = app.login(&"u".repeat(10_000), "whatever").await;
    assert_eq!(error_code(long, 422).await, "field_too_long");
    let long = app.login("demo", &"p".repeat(10_000)).await;
    assert_eq!(error_code(long, 422).await, "field_too_long");
    let empty = app.login("", "").await;
    assert_eq!(error_code(empty, 422).await, "missing_credentials");

    let huge = format!(r#"{{"username":"demo","password":"{}"}}"#, "p".repeat(3 * 1024 * 1024));
    let response = app.client.post(app.url("/api/auth/login")).header("content-type", "application/json").body(huge);
    let response = response.send().await.unwrap();
    assert_eq!(error_code(response, 413).await, "body_too_large");
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let app = spawn_app().await;
    for attempt in 0..5 {
        assert_eq!(app.login("demo", "wrong-password").await.status(), 401, "attempt {attempt}");
    }
    let throttled = app.login("demo", "demo123").await;
    let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(error_code(throttled, 429).await, "rate_limited");
    // Another account is not locked by demo's failures.
    let other = app.post_json("/api/auth/signup", &json!({"username": "erin", "password": "long enough"})).await;
    assert_eq!(other.status(), 201);
    assert_eq!(app.login("erin", "long enough").await.status(), 200);
}
