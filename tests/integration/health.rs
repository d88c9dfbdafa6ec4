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
