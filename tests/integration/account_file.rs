//! The account file: export a person's whole ledger, import it into a fresh Folio
//! on the other engine and get the same numbers to the cent; imports are all or
//! nothing, never replace a ledger unasked, and refuse files they cannot trust.

use crate::helpers::{TestApp, TestDatabase, form_cookie, signup_token, spawn_app};
use folio::server::db::Backend;
use serde_json::{Value, json};

/// kind, date, symbol, quantity, price, amount, fee, note
type Entry =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const LEDGER: [Entry; 6] = [
    ("deposit", "2026-08-03", "", "", "", "10000.50", "0", "first pay"),
    ("buy", "2026-08-10", "AAPL", "10.125", "150.25", "", "1.5", "ünïcode, \"quoted\""),
    ("buy", "2026-08-10", "MSFT", "3", "380", "", "0", ""),
    ("sell", "2026-09-01", "AAPL", "4", "160.0001", "", "0.75", ""),
    ("dividend", "2026-09-15", "MSFT", "", "", "6.60", "0", "q3"),
    ("fee", "2026-10-01", "", "", "", "2.00", "0", "account fee"),
];

async fn enter_ledger(app: &TestApp, token: &str) {
    for (kind, date, symbol, quantity, price, amount, fee, note) in LEDGER {
        let mut body = json!({"kind": kind, "date": date, "fee": fee, "note": note});
        for (field, value) in [("symbol", symbol), ("quantity", quantity), ("price", price), ("amount", amount)] {
            if !value.is_empty() {
                body[field] = value.into();
            }
        }
        let created = app.client.post(app.url("/api/activities")).bearer_auth(token).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201, "{body}");
    }
}

async fn export(app: &TestApp, token: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(app.url("/api/account/export")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/account/import{query}")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The ledger as the API lists it, ids left out.
async fn ledger(app: &TestApp, token: &str) -> Value {
    let mut body: Value = app.get_with_token("/api/activities", token).await.json().await.unwrap();
    for a in body["data"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("id");
    }
    body["data"].clone()
}

#[tokio::test]
async fn an_account_file_moves_a_ledger_to_a_fresh_folio_on_the_other_engine_to_the_cent() {
    let app = spawn_app().await;
    let token = signup_token(&app, "Traveller").await;
    enter_ledger(&app, &token).await;
    // Closes of the person's own, from a prices file: they travel with the ledger.
    let prices = "date,symbol,close\n2026-08-10,AAPL,150.2525\n2026-08-11,AAPL,151\n2026-08-11,MSFT,381.5\n";
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(prices.as_bytes().to_vec()).file_name("prices.csv"));
    let imported = app.client.post(app.url("/api/prices/import")).bearer_auth(&token).multipart(form).send().await;
    assert_eq!(imported.unwrap().status(), 200);
    let (headers, bytes) = export(&app, &token).await;
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, format!("attachment; filename=\"folio-account-Traveller-{}.json\"", app.today()));
    let file: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!((file["format"].as_str(), file["version"].as_u64()), (Some("folio-account"), Some(2)));
    assert_eq!(file["prices"][0], json!({"date": "2026-08-10", "symbol": "AAPL", "close": "150.2525"}));
    assert_eq!(file["username"], "Traveller");
    let activities = file["activities"].as_array().unwrap();
    assert_eq!(activities.len(), LEDGER.len());
    // Oldest first, every field exact.
    assert_eq!(activities[1]["quantity"], "10.125");
    assert_eq!(activities[1]["fee"], "1.5");
    assert_eq!(activities[1]["note"], "ünïcode, \"quoted\"");
    assert_eq!(activities[3]["price"], "160.0001");
    assert_eq!(activities[4]["amount"], "6.6", "exact, trailing zeros aside");

    let other = match app.running.state.db.backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let Some((_db, url)) = TestDatabase::empty(other).await else { return };
    let fresh = app.on_database(&url).await;
    let newcomer = signup_token(&fresh, "Newcomer").await;
    let (status, body) = import(&fresh, &newcomer, "", bytes).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"], json!({"activities": LEDGER.len(), "replaced": 0}));

    assert_eq!(ledger(&fresh, &newcomer).await, ledger(&app, &token).await);
    let closes = |app: &TestApp, name: &'static str| {
        let state = app.running.state.clone();
        async move {
            let id = folio::server::auth::users::find_by_name(&state.db, name).await.unwrap().unwrap().user.id;
            folio::server::market::history::store::user_closes(&state.db, id).await.unwrap()
        }
    };
    let moved = closes(&fresh, "Newcomer").await;
    assert_eq!(moved.len(), 3);
    assert_eq!(moved, closes(&app, "Traveller").await, "the prices moved, exactly");
    for path in ["/api/dashboard/overview", "/api/dashboard/positions", "/api/dashboard/performance?range=ALL"] {
        let before: Value = app.get_with_token(path, &token).await.json().await.unwrap();
        let after: Value = fresh.get_with_token(path, &newcomer).await.json().await.unwrap();
        assert_eq!(before["status"], "success", "{path}: {before}");
        assert_eq!(after, before, "{path}");
    }
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_never_replaces_a_ledger_unasked() {
    let app = spawn_app().await;
    let source = signup_token(&app, "Source").await;
    enter_ledger(&app, &source).await;
    let (_, bytes) = export(&app, &source).await;
    let file: Value = serde_json::from_slice(&bytes).unwrap();

    let owner = signup_token(&app, "Owner").await;
    let deposit = json!({"kind": "deposit", "date": "2026-07-01", "amount": "42"});
    let created = app.client.post(app.url("/api/activities")).bearer_auth(&owner).json(&deposit).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let before = ledger(&app, &owner).await;

    let refusals: Vec<(&str, Vec<u8>, u16, &str)> = {
        let mut oversell = file.clone();
        oversell["activities"][3]["quantity"] = "400".into();
        let mut bad_date = file.clone();
        bad_date["activities"][2]["date"] = "2026-02-30".into();
        let mut newer = file.clone();
        newer["version"] = 3.into();
        let mut bad_price = file.clone();
        bad_price["prices"] = json!([{"date": "2026-01-02", "symbol": "AAPL", "close": "-1"}]);
        let mut other_format = file.clone();
        other_format["format"] = "ghostfolio".into();
        vec![
            ("", bytes.clone(), 409, "ledger_not_empty"),
            ("?replace=true", serde_json::to_vec(&oversell).unwrap(), 422, "oversell"),
            ("?replace=true", serde_json::to_vec(&bad_date).unwrap(), 422, "invalid_date"),
            ("?replace=true", serde_json::to_vec(&newer).unwrap(), 422, "unsupported_version"),
            ("?replace=true", serde_json::to_vec(&bad_price).unwrap(), 422, "invalid_price"),
            ("?replace=true", serde_json::to_vec(&other_format).unwrap(), 422, "not_an_account_file"),
            ("?replace=true", b"{\"format\": \"folio-account\", \"version\": 1".to_vec(), 422, "invalid_account_file"),
            ("?replace=maybe", bytes.clone(), 422, "invalid_parameter"),
        ]
    };
    for (query, body, status, code) in refusals {
        let (got, answer) = import(&app, &owner, query, body).await;
        assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{answer}");
        assert_eq!(ledger(&app, &owner).await, before, "{code} changed the ledger");
    }
    // The refusal names the activity that breaks the ledger.
    let mut oversell = file.clone();
    oversell["activities"][3]["quantity"] = "400".into();
    let (_, answer) = import(&app, &owner, "?replace=true", serde_json::to_vec(&oversell).unwrap()).await;
    assert!(answer["error"]["message"].as_str().unwrap().starts_with("Activity 4 (2026-09-01)"), "{answer}");

    // Asked to, it replaces the ledger, and the source's stays as it was.
    let (status, answer) = import(&app, &owner, "?replace=true", bytes).await;
    assert_eq!((status, &answer["data"]), (201, &json!({"activities": LEDGER.len(), "replaced": 1})));
    assert_eq!(ledger(&app, &owner).await, ledger(&app, &source).await);
    assert_eq!(ledger(&app, &source).await.as_array().unwrap().len(), LEDGER.len());
}

#[tokio::test]
async fn the_import_page_takes_an_account_file_and_says_why_it_refuses_one() {
    let app = spawn_app().await;
    let source = signup_token(&app, "PageSource").await;
    enter_ledger(&app, &source).await;
    let (_, bytes) = export(&app, &source).await;
    signup_token(&app, "PageOwner").await;
    let cookie = form_cookie(&app, "PageOwner").await;
    let post = |body: Vec<u8>, replace: bool| {
        let mut form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(body).file_name("account.json"));
        if replace {
            form = form.text("replace", "on");
        }
        app.client.post(app.url("/account/import")).header("cookie", &cookie).multipart(form).send()
    };
    let done = post(bytes.clone(), false).await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], format!("/trades?notice=account_imported&count={}", LEDGER.len()));

    let again = post(bytes.clone(), false).await.unwrap();
    assert_eq!(again.headers()["location"], "/import?account_error=ledger_not_empty");

    let mut file: Value = serde_json::from_slice(&bytes).unwrap();
    file["activities"][3]["quantity"] = "400".into();
    let broken = post(serde_json::to_vec(&file).unwrap(), true).await.unwrap();
    assert_eq!(broken.headers()["location"], "/import?account_error=oversell&at=4");

    let page = app.client.get(app.url("/import?account_error=oversell&at=4")).header("cookie", &cookie).send();
    let html = page.await.unwrap().text().await.unwrap();
    assert!(html.contains("Activity 4 in the file: That sells more shares than you held on that date."), "{html}");
}
