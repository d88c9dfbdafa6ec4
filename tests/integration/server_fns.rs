//! Server functions answer errors the way the REST API does: the envelope's code
//! and message, and the matching HTTP status, set in one place.

use crate::helpers::{form_cookie, signup_token, spawn_app};
use folio::server_fns::{GetDashboard, GetSymbolView};
use leptos::server_fn::ServerFn;
use serde_json::Value;

#[tokio::test]
async fn a_server_function_error_has_the_rest_code_message_and_status() {
    let app = spawn_app().await;
    signup_token(&app, "fnuser").await;
    let cookie = form_cookie(&app, "fnuser").await;
    let call = |path: &'static str, body: &'static str, cookie: Option<String>| {
        let mut request = app
            .client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &app.base)
            .body(body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move { request.send().await.unwrap() }
    };

    let unknown = call(GetSymbolView::PATH, "symbol=NOPE1", Some(cookie.clone())).await;
    assert_eq!(unknown.status(), 404);
    let body: Value = serde_json::from_str(&unknown.text().await.unwrap()).expect("a JSON error");
    assert_eq!(body["code"], "not_found", "{body}");
    assert_eq!(body["message"], "No market data knows the symbol NOPE1.");

    let invalid = call(GetSymbolView::PATH, "symbol=%24%24", Some(cookie.clone())).await;
    assert_eq!(invalid.status(), 404);
    let body: Value = serde_json::from_str(&invalid.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "not_found", "{body}");

    let signed_out = call(GetDashboard::PATH, "range=ALL&view=Return", None).await;
    assert_eq!(signed_out.status(), 401);
    let body: Value = serde_json::from_str(&signed_out.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "unauthorized", "{body}");
    assert_eq!(body["message"], "Sign in first.");

    // A page rendered with an error keeps its own status, except a page about
    // something that does not exist.
    let page = |path: &'static str| app.client.get(app.url(path)).header("cookie", cookie.clone()).send();
    assert_eq!(page("/symbol/NOPE1").await.unwrap().status(), 404);
    let expired = page("/import?review=not-a-kept-upload").await.unwrap();
    assert_eq!(expired.status(), 200);
    assert!(expired.text().await.unwrap().contains("That upload has expired."));

    let fine = call(GetDashboard::PATH, "range=ALL&view=Return", Some(cookie)).await;
    assert_eq!(fine.status(), 200);
    let body: Value = serde_json::from_str(&fine.text().await.unwrap()).unwrap();
    assert_eq!(body["overview"]["cash"], "0", "{body}");
}
