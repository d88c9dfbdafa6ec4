//! Findings 2 to 7 of the hardening review, one test each, named for the finding.

use super::{new_user, post_activity};
use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

async fn form_sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let response = app
        .client
        .post(app.url("/auth/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

async fn activities(app: &TestApp, token: &str) -> Vec<Value> {
    let body: Value = app.get_with_token("/api/activities", token).await.json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

/// Sends `csv` to the import endpoint with a bearer token.
async fn import_csv(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> reqwest::Response {
    let url = app.url(&format!("/api/activities/import?dry_run={dry_run}"));
    app.client.post(url).bearer_auth(token).multipart(multipart(csv)).send().await.unwrap()
}

fn multipart(csv: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("ledger.csv"))
}

#[tokio::test]
async fn reflected_xss_the_symbol_path_never_reaches_the_title_raw() {
    let app = spawn_app().await;
    let cookie = form_sign_in(&app, "demo", "demo123").await;
    let payload = "%3C%2Ftitle%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E";
    let response =
        app.client.get(app.url(&format!("/symbol/{payload}"))).header("cookie", &cookie).send().await.unwrap();
    // Scripts run only with this response's nonce: never 'unsafe-inline'.
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap().to_string();
    assert!(!scripts.contains("unsafe-inline"), "{policy}");
    let nonce = scripts.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_string();
    let html = response.text().await.unwrap();
    for tag in html.split("<script").skip(1).map(|rest| &rest[..rest.find('>').unwrap()]) {
        assert!(
            tag.contains(" src=") || tag.contains(&format!("nonce=\"{nonce}\"")),
            "an inline script without the nonce: {tag}"
        );
    }
    let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
    assert_eq!(title, "<title>Symbol not found · Folio");
    assert!(!html.contains("<img src=x"), "the payload appears as markup");
    // A real ticker still names the page.
    let page = app.client.get(app.url("/symbol/aapl")).header("cookie", &cookie).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("<title>AAPL · Folio</title>"));
}

#[tokio::test]
async fn throttle_burst_at_most_five_parallel_guesses_reach_bcrypt() {
    let app = spawn_app().await;
    new_user(&app, "victim").await;
    let before = app.running.state.throttle.admitted();
    let guesses = (0..50).map(|i| app.login("victim", if i % 2 == 0 { "wrong-password" } else { "also wrong" }));
    let statuses: Vec<u16> = futures::future::join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 50, "{statuses:?}");
    assert_eq!(checked, 5, "exactly the limit reaches the password check");
    assert_eq!(app.running.state.throttle.admitted() - before, 5, "bcrypt ran five times");
    // The right password, sent after the burst, is refused too: the lock holds.
    assert_eq!(app.login("victim", "long enough pw").await.status(), 429);
}

#[tokio::test]
async fn throttle_a_stranger_cannot_lock_a_person_out_of_their_own_address() {
    let app = spawn_app().await;
    new_user(&app, "target").await;
    let stranger = reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).build().unwrap();
    for _ in 0..8 {
        let _ = stranger
            .post(app.url("/api/auth/login"))
            .json(&json!({"username": "target", "password": "guessing"}))
            .send()
            .await
            .unwrap();
    }
    let locked = stranger
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "target", "password": "long enough pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429, "the stranger's address is locked");
    assert_eq!(app.login("target", "long enough pw").await.status(), 200, "the owner signs in from home");
}

#[tokio::test]
async fn throttle_sign_up_and_sign_in_share_one_budget_per_address() {
    let app = spawn_app_with(&[("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "3")]).await;
    new_user(&app, "first").await;
    new_user(&app, "second").await;
    assert_eq!(app.login("first", "wrong password").await.status(), 401);
    let response = app.post_json("/api/auth/signup", &json!({"username": "third", "password": "long enough pw"})).await;
    assert_eq!(error_code(response, 429).await, "rate_limited");
    assert_eq!(app.login("second", "wrong again").await.status(), 429);
}

#[tokio::test]
async fn open_redirect_next_accepts_only_a_plain_local_path() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("/\u{1}x", "/"),
        ("/trades?page=2", "/trades?page=2"),
    ] {
        let theme = app.client.post(app.url("/theme")).form(&[("theme", "dark"), ("next", next)]).send().await.unwrap();
        assert_eq!(theme.status(), 303, "{next:?}");
        assert_eq!(theme.headers()["location"], expected, "theme, {next:?}");
        let login = app
            .client
            .post(app.url("/auth/login"))
            .form(&[("username", "demo"), ("password", "demo123"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303, "{next:?}");
        assert_eq!(login.headers()["location"], expected, "sign-in, {next:?}");
    }
}

#[tokio::test]
async fn cross_origin_writes_with_the_cookie_are_refused() {
    let app = spawn_app().await;
    let token = new_user(&app, "crossed").await;
    post_activity(&app, &token, json!({"kind": "deposit", "date": "2026-01-05", "amount": "100"})).await;
    let cookie = form_sign_in(&app, "crossed", "long enough pw").await;
    let other_port = format!("http://127.0.0.1:{}", app.running.addr.port() + 1);
    let csv = "date,kind,amount\n2026-01-06,withdrawal,100\n";

    // The multipart import a page on another port sent with the victim's cookie.
    let import = app
        .client
        .post(app.url("/api/activities/import?dry_run=false"))
        .header("cookie", &cookie)
        .header("origin", &other_port)
        .multipart(multipart(csv))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(import, 403).await, "cross_origin_request");
    let same_site = app
        .client
        .post(app.url("/activities"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-site")
        .form(&[("kind", "withdrawal"), ("date", "2026-01-06"), ("amount", "100")])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 403);
    let login_csrf = app
        .client
        .post(app.url("/auth/login"))
        .header("origin", "http://evil.example")
        .form(&[("username", "crossed"), ("password", "long enough pw")])
        .send()
        .await
        .unwrap();
    assert_eq!(login_csrf.status(), 403, "login CSRF");
    assert_eq!(activities(&app, &token).await.len(), 1, "nothing was written");

    // The same import from this origin, and with a bearer token from anywhere, works.
    let own_origin = app.base.clone();
    let ok = app
        .client
        .post(app.url("/api/activities/import?dry_run=false"))
        .header("cookie", &cookie)
        .header("origin", &own_origin)
        .multipart(multipart(csv))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bearer = app
        .client
        .post(app.url("/api/activities"))
        .bearer_auth(&token)
        .header("origin", "http://evil.example")
        .json(&json!({"kind": "deposit", "date": "2026-01-07", "amount": "5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 201);
    assert_eq!(activities(&app, &token).await.len(), 3);
}

#[tokio::test]
async fn wrong_numbers_a_decimal_comma_is_refused_and_a_cash_fee_is_paid() {
    let app = spawn_app().await;
    let token = new_user(&app, "numbers").await;
    let comma =
        post_activity(&app, &token, json!({"kind": "deposit", "date": "2026-01-05", "amount": "1.234,56"})).await;
    assert_eq!(error_code(comma, 422).await, "decimal_comma");
    let report = import_csv(&app, &token, "date,kind,amount\n2026-01-05,deposit,\"1.234,56\"\n", true).await;
    let report: Value = report.json().await.unwrap();
    assert_eq!(report["data"]["errors"][0]["code"], "decimal_comma", "{report}");
    assert!(activities(&app, &token).await.is_empty());

    let deposit =
        post_activity(&app, &token, json!({"kind": "deposit", "date": "2026-01-05", "amount": "1000", "fee": "40"}))
            .await;
    assert_eq!(deposit.status(), 201);
    let overview: Value = app.get_with_token("/api/dashboard/overview", &token).await.json().await.unwrap();
    assert_eq!(overview["data"]["cash"], 960.0, "{overview}");
    assert_eq!(overview["data"]["total_value"], 960.0);
}

#[tokio::test]
async fn spreadsheet_formula_injection_export_is_inert_and_imports_back_the_same() {
    let app = spawn_app().await;
    let token = new_user(&app, "formulas").await;
    let notes = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-1", "@SUM(A1)", "'=quoted already"];
    for (i, note) in notes.iter().enumerate() {
        let body = json!({"kind": "deposit", "date": format!("2026-01-{:02}", i + 5), "amount": "10", "note": note});
        assert_eq!(post_activity(&app, &token, body).await.status(), 201);
    }
    let export = app.client.get(app.url("/api/activities/export")).bearer_auth(&token).send().await.unwrap();
    let csv = export.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        let note = record.unwrap().get(7).unwrap().to_string();
        assert!(!note.starts_with(['=', '+', '-', '@']), "{note:?} would run as a formula");
    }
    let other = new_user(&app, "formulas2").await;
    let imported = import_csv(&app, &other, &csv, false).await;
    assert_eq!(imported.status(), 200);
    let mut back: Vec<String> =
        activities(&app, &other).await.iter().map(|a| a["note"].as_str().unwrap().to_string()).collect();
    let mut expected: Vec<String> = notes.iter().map(|n| n.to_string()).collect();
    back.sort();
    expected.sort();
    assert_eq!(back, expected);
}

#[tokio::test]
async fn sessions_sign_out_ends_the_token_and_everywhere_ends_them_all() {
    let app = spawn_app().await;
    new_user(&app, "leaver").await;
    // The browser's sign-out revokes the cookie's token: a copy of it stops working.
    let cookie = form_sign_in(&app, "leaver", "long enough pw").await;
    let token = cookie.trim_start_matches("folio_token=").to_string();
    assert_eq!(app.get_with_token("/api/auth/me", &token).await.status(), 200);
    let out = app.client.post(app.url("/auth/logout")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(error_code(app.get_with_token("/api/auth/me", &token).await, 401).await, "unauthorized");
    let page = app.client.get(app.url("/")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.headers()["location"], "/login", "the old cookie no longer opens the dashboard");

    // The API's sign-out ends only its own token.
    let first = app.token("leaver", "long enough pw").await;
    let second = app.token("leaver", "long enough pw").await;
    let response = app.client.post(app.url("/api/auth/logout")).bearer_auth(&first).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.get_with_token("/api/auth/me", &first).await.status(), 401);
    assert_eq!(app.get_with_token("/api/auth/me", &second).await.status(), 200);

    // Everywhere: every token issued before it stops working, a new sign-in works.
    let third = app.token("leaver", "long enough pw").await;
    let response = app.client.post(app.url("/api/auth/logout-everywhere")).bearer_auth(&second).send().await.unwrap();
    assert_eq!(response.status(), 204);
    for old in [&second, &third] {
        assert_eq!(app.get_with_token("/api/auth/me", old).await.status(), 401);
    }
    let fresh = app.token("leaver", "long enough pw").await;
    assert_eq!(app.get_with_token("/api/auth/me", &fresh).await.status(), 200);
}

#[tokio::test]
async fn headers_nothing_private_is_cached_and_hsts_follows_secure_cookies() {
    let app = spawn_app().await;
    let cookie = form_sign_in(&app, "demo", "demo123").await;
    let token = app.token("demo", "demo123").await;
    for path in ["/", "/trades"] {
        let page = app.client.get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.headers()["cache-control"], "no-store", "{path}");
    }
    for path in ["/api/dashboard/overview", "/api/activities/export", "/api/auth/me"] {
        let response = app.get_with_token(path, &token).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    assert!(app.client.get(app.url("/")).send().await.unwrap().headers().get("strict-transport-security").is_none());

    let secure = spawn_app_with(&[("FOLIO_SECURE_COOKIES", "true")]).await;
    let response = secure.client.get(secure.url("/healthz")).send().await.unwrap();
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
}

#[tokio::test]
async fn sigterm_a_request_under_way_gets_its_answer_and_new_ones_are_refused() {
    use folio_fakes::finnhub::Fault;
    let (mut app, fake) = crate::helpers::spawn_app_with_fake(&[("FINNHUB_TIMEOUT", "5s")]).await;
    let token = app.token("demo", "demo123").await;
    // A quote the upstream takes 1.5 s to answer, so the request is in flight.
    fake.state.set_fault(Fault::Latency { ms: 1500 }, None, None);
    let slow = {
        let request = app.client.get(app.url("/api/dashboard/quote/NVDA")).bearer_auth(&token);
        tokio::spawn(async move { request.send().await })
    };
    // Wait until the fake has the call, then stop the server the way SIGTERM does.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while fake.state.count("quote", "NVDA") == 0 {
        assert!(std::time::Instant::now() < deadline, "the quote never reached the fake");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.running.begin_shutdown();
    let answered = slow.await.unwrap().expect("the request under way is answered, not dropped");
    assert_eq!(answered.status(), 200);
    assert!(app.running.finished(std::time::Duration::from_secs(10)).await, "the server stops once it has answered");
    let after = reqwest::Client::new().get(app.url("/healthz")).send().await;
    assert!(after.is_err(), "no new connection is accepted after shutdown");
}

#[tokio::test]
async fn fairness_one_import_spends_at_most_its_share_of_the_upstream_budget() {
    let (app, fake) = crate::helpers::spawn_app_with_fake(&[]).await;
    let token = new_user(&app, "bulk").await;
    let mut csv = String::from("date,kind,symbol,quantity,price,amount\n2026-01-02,deposit,,,,1000000\n");
    for i in 0..40 {
        csv.push_str(&format!("2026-01-05,buy,ZZ{i:02},1,10,\n"));
    }
    let report = import_csv(&app, &token, &csv, true).await;
    let report: Value = report.json().await.unwrap();
    let errors = report["data"]["errors"].as_array().unwrap();
    let upstream: usize = (0..40).map(|i| fake.state.count("quote", &format!("ZZ{i:02}"))).sum();
    assert_eq!(upstream, 25, "one person's import checks at most 25 new symbols upstream");
    let over_share: Vec<&Value> = errors.iter().filter(|e| e["code"] == "rate_limited").collect();
    assert_eq!(over_share.len(), 15, "{report}");
    assert!(over_share[0]["message"].as_str().unwrap().contains("Import again in"), "{report}");

    // Another person's share is untouched.
    let other = new_user(&app, "neighbour").await;
    let single = post_activity(&app, &other, json!({"kind": "deposit", "date": "2026-01-02", "amount": "100"})).await;
    assert_eq!(single.status(), 201);
    let check = import_csv(&app, &other, "date,kind,symbol,quantity,price\n2026-01-05,buy,AAPL,1,10\n", true).await;
    let check: Value = check.json().await.unwrap();
    assert_eq!(check["data"]["new_count"], 1, "{check}");
}
