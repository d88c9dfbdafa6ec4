//! The security and reliability suite of the hardening work: one test per finding,
//! named for it, each failing on the code before its fix. Runs on both engines.

mod disk_full;
mod findings;
mod logos;

use crate::helpers::TestApp;
use serde_json::{Value, json};

/// A fresh account (empty ledger) and its token.
pub async fn new_user(app: &TestApp, name: &str) -> String {
    let response = app.post_json("/api/auth/signup", &json!({ "username": name, "password": "long enough pw" })).await;
    assert_eq!(response.status(), 201, "sign-up of {name}");
    response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

pub async fn post_activity(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client.post(app.url("/api/activities")).bearer_auth(token).json(&body).send().await.unwrap()
}
