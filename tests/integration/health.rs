use crate::helpers::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness_answer_json() {
    let app = spawn_app().await;
    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(live.json::<Value>().await.unwrap()["status"], "ok");

    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["database"], "ok");

    app.running.state.db.pool.close().await;
    let down = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(down.status(), 503);
}

#[tokio::test]
async fn unknown_api_paths_answer_in_the_envelope() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/no/such/thing")).send().await.unwrap();
    assert_eq!(crate::helpers::error_code(response, 404).await, "not_found");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/healthz", "/api/auth/me", "/pkg/missing.js"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(h.get("access-control-allow-origin").is_none(), "no CORS unless configured: {path}");
    }
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = crate::helpers::spawn_app_with(&[("FOLIO_CORS_ORIGINS", "https://sheets.example")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/dashboard/overview"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://sheets.example").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://sheets.example");
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(denied.headers().get("access-control-allow-origin").is_none());
}
