//! The browser's side: form posts, the session cookie, and pages behind sign-in.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url(path)).form(fields).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()["location"].to_str().unwrap()
}

fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn signing_in_with_the_form_sets_an_http_only_cookie_and_opens_the_dashboard() {
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=86400"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"));

    let cookie = session_cookie(&response);
    let page = app.client.get(app.url("/")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Welcome back"), "{html}");
    assert!(html.contains("demo"));
}

#[tokio::test]
async fn secure_cookies_can_be_required() {
    let app = spawn_app_with(&[("FOLIO_SECURE_COOKIES", "true")]).await;
    let response = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123")]).await;
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
}

#[tokio::test]
async fn a_failed_form_sign_in_returns_to_the_form_with_an_error_code() {
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "nope-nope")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?error=invalid_credentials&username=demo");
    assert!(response.headers().get("set-cookie").is_none());

    let page = app.client.get(app.url(location(&response))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Wrong username or password."));
    // The form keeps the username in the HTML itself (it must work without JavaScript).
    assert!(html.contains(r#"value="demo""#), "{html}");
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_back() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    let response = app.client.get(app.url("/symbol/BRK.B")).send().await.unwrap();
    assert_eq!(location(&response), "/login?next=%2Fsymbol%2FBRK.B");

    let response =
        post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123"), ("next", "/symbol/BRK.B")])
            .await;
    assert_eq!(location(&response), "/symbol/BRK.B");
    let response =
        post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123"), ("next", "//evil.example")])
            .await;
    assert_eq!(location(&response), "/");

    // A signed-in browser is sent from the sign-in page to the dashboard.
    let cookie = session_cookie(&response);
    let response = app.client.get(app.url("/login")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn signing_out_clears_the_cookie() {
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/logout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(set_cookie.starts_with("folio_token=;") && set_cookie.contains("Max-Age=0"), "{set_cookie}");
}

#[tokio::test]
async fn signing_up_with_the_form_signs_in() {
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/signup", &[("username", "frank"), ("password", "long enough")]).await;
    assert_eq!(location(&response), "/");
    let cookie = session_cookie(&response);
    let html = app.client.get(app.url("/")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("frank"));

    let response = post_form(&app, "/auth/signup", &[("username", "FRANK"), ("password", "long enough")]).await;
    assert_eq!(location(&response), "/signup?error=username_taken&username=FRANK");
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123")]).await;
    let cookie = session_cookie(&response);
    let page = app.client.get(app.url("/no-such-page")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("This page does not exist"));
}
