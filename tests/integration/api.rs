//! The API as its OpenAPI document describes it: the document itself, the docs
//! pages, and token checks on every protected operation the document lists.

use crate::helpers::{TEST_SECRET, b64, error_code, spawn_app};
use folio::model::CurrentUser;
use serde_json::Value;

/// Every operation in the document, with a concrete URL.
fn operations(doc: &Value) -> Vec<(String, String, bool)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // `security: []` opts out of the document's global bearer requirement.
            let protected = operation.get("security") != Some(&Value::Array(vec![]));
            // Demo's first activity is id 1 (the seed's deposit).
            found.push((method.to_uppercase(), path.replace("{symbol}", "AAPL").replace("{id}", "1"), protected));
        }
    }
    found
}

#[tokio::test]
async fn the_openapi_document_is_public_and_lists_every_endpoint() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["type"], "http");
    let paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    for expected in [
        "/api/auth/login",
        "/api/auth/signup",
        "/api/auth/me",
        "/api/dashboard/overview",
        "/api/dashboard/positions",
        "/api/dashboard/trades",
        "/api/dashboard/performance",
        "/api/dashboard/income",
        "/api/dashboard/quote/{symbol}",
        "/api/dashboard/profile/{symbol}",
        "/api/market/search",
        "/api/market/status",
    ] {
        assert!(paths.contains(&expected), "{expected} is not documented");
    }
    // Each error answer is the one envelope.
    let error = &doc["components"]["schemas"]["ErrorEnvelope"];
    assert_eq!(error["required"], serde_json::json!(["status", "error"]));
}

#[tokio::test]
async fn every_protected_operation_refuses_missing_expired_and_tampered_tokens() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let good = app.token("demo", "demo123").await;
    let demo = CurrentUser { id: 1, username: "demo".into() };
    let expired = app.running.state.tokens.issue_at(&demo, 0, folio::server::db::now_unix() - 3 * 86_400).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let forged = b64(br#"{"sub":"2","name":"admin","iat":0,"exp":4102444800}"#);
    let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
    let other_secret = folio::server::auth::token::TokenKeys::new(
        format!("{TEST_SECRET}-but-another").as_bytes(),
        std::time::Duration::from_secs(60),
    )
    .issue(&demo, 0)
    .unwrap();

    let protected: Vec<_> = operations(&doc).into_iter().filter(|(_, _, protected)| *protected).collect();
    assert!(protected.len() >= 9, "{protected:?}");
    for (method, path, _) in protected {
        let method: reqwest::Method = method.parse().unwrap();
        let query = if path.ends_with("/search") { "?q=apple" } else { "" };
        let url = app.url(&format!("{path}{query}"));
        let none = app.client.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(error_code(none, 401).await, "unauthorized", "{method} {path} without a token");
        for (what, token) in [("expired", &expired), ("tampered", &tampered), ("foreign", &other_secret)] {
            let response = app.client.request(method.clone(), &url).bearer_auth(token).send().await.unwrap();
            assert_eq!(error_code(response, 401).await, "unauthorized", "{method} {path} with an {what} token");
        }
        // A good token gets past the check: reads succeed; writes without a body are
        // refused for the body, in the error envelope, never for the token and never
        // with a server error. (A fresh one each time: the sign-out operations end the
        // token they are given.)
        let good = app.token("demo", "demo123").await;
        let ok = app.client.request(method.clone(), &url).bearer_auth(&good).send().await.unwrap();
        let status = ok.status();
        if method == reqwest::Method::GET {
            assert!(status.is_success(), "{method} {path} with a good token: {status}");
            // The browser's session cookie opens the same reads.
            let cookie = format!("{}={}", folio::server::auth::SESSION_COOKIE, app.token("demo", "demo123").await);
            let by_cookie = app.client.get(&url).header("cookie", cookie).send().await.unwrap();
            assert!(by_cookie.status().is_success(), "{path} with the session cookie: {}", by_cookie.status());
        } else if !status.is_success() {
            assert!(status.is_client_error(), "{method} {path} with a good token: {status}");
            let code = error_code(ok, status.as_u16()).await;
            assert_ne!(code, "unauthorized", "{method} {path} with a good token");
        }
    }
}

#[tokio::test]
async fn the_docs_page_is_served_by_the_app_without_sign_in() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(response.headers().contains_key("content-security-policy"));
    let html = response.text().await.unwrap();
    for local in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/start.js", "/api/openapi.json"] {
        assert!(html.contains(&format!("\"{local}\"")), "{local} is not referenced");
    }
    assert!(!html.contains("https://"), "the docs page must not load anything from another origin");
}

#[tokio::test]
async fn the_redoc_page_and_its_bundle_are_served_from_this_origin_without_sign_in() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/redoc")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("default-src 'self'") && !policy.contains("https:"), "{policy}");
    let html = response.text().await.unwrap();
    for local in ["/redoc/redoc.standalone.js", "/redoc/start.js", "/api/openapi.json"] {
        assert!(html.contains(&format!("\"{local}\"")), "{local} is not referenced");
    }
    // Every src and href of the page is a path on this origin.
    for attribute in ["src=\"", "href=\""] {
        for reference in html.split(attribute).skip(1) {
            assert!(reference.starts_with('/') && !reference.starts_with("//"), "{attribute}{reference}");
        }
    }
    // The bundle (copied from the pinned npm package by scripts/bootstrap.sh) and the
    // start-up script are static files, open to anyone; the copy no longer loads
    // Redocly's logo from its CDN.
    for (file, marker) in [("/redoc/redoc.standalone.js", "Redoc"), ("/redoc/start.js", "/api/openapi.json")] {
        let response = app.client.get(app.url(file)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{file}");
        assert!(response.headers()["content-type"].to_str().unwrap().contains("javascript"), "{file}");
        let script = response.text().await.unwrap();
        assert!(script.contains(marker), "{file}");
        assert!(!script.contains("cdn.redoc.ly"), "{file} loads from another origin");
    }
}

#[tokio::test]
async fn a_repeated_or_badly_encoded_parameter_is_a_400_in_the_envelope() {
    let app = spawn_app().await;
    for path in ["/api/dashboard/trades?limit=5&limit=6", "/api/dashboard/overview?range=1M&range=ALL"] {
        assert_eq!(error_code(app.get_as_demo(path).await, 400).await, "invalid_query_string", "{path}");
    }
    let bad_utf8 = app.get_as_demo("/api/dashboard/quote/%FF%FE").await;
    assert_eq!(error_code(bad_utf8, 400).await, "invalid_path");
}
