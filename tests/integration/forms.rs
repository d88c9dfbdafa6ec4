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

#[tokio::test]
async fn ledger_forms_add_refuse_with_the_values_and_need_a_session() {
    let app = spawn_app().await;
    let signed_in = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123")]).await;
    let cookie = session_cookie(&signed_in);
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        app.client.post(app.url(path)).header("cookie", cookie.clone()).form(&fields).send()
    };
    let today = app.today().to_string();

    let added =
        post("/activities", vec![("kind", "deposit".into()), ("date", today.clone()), ("amount", "1,500".into())]);
    let added = added.await.unwrap();
    assert_eq!(added.status(), 303);
    assert!(location(&added).starts_with("/trades?notice=added&id="), "{}", location(&added));

    // Demo holds no KO: the sell comes back to the form with the rule and what was typed.
    let fields = vec![
        ("kind", "sell".to_string()),
        ("date", today.clone()),
        ("symbol", "KO".into()),
        ("quantity", "3".into()),
        ("price", "61".into()),
        ("note", "<b>x</b>".into()),
    ];
    let refused = post("/activities", fields).await.unwrap();
    let back = location(&refused);
    assert!(back.starts_with("/activities/new?error=oversell"), "{back}");
    for kept in ["symbol=KO", "quantity=3", "price=61", "note=%3Cb%3Ex%3C%2Fb%3E"] {
        assert!(back.contains(kept), "{kept} missing from {back}");
    }
    let page = app.client.get(app.url(back)).header("cookie", &cookie).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("sells more shares than you held"), "the page explains the rule");
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x</b>"), "typed text comes back as text");

    let bad_id = post("/activities/not-a-number/delete", vec![]).await.unwrap();
    assert_eq!((bad_id.status().as_u16(), location(&bad_id)), (303, "/trades"));

    let anonymous = post_form(&app, "/activities", &[("kind", "deposit"), ("date", &today), ("amount", "5")]).await;
    assert_eq!(location(&anonymous), "/login");
}

#[tokio::test]
async fn each_page_renders_its_data_once() {
    // A page that made its resources inside the layout's Suspense could render twice
    // or three times on the server: every server function ran again and every
    // result was serialised into the HTML again.
    let app = spawn_app().await;
    let response = post_form(&app, "/auth/login", &[("username", "demo"), ("password", "demo123")]).await;
    let cookie = session_cookie(&response);
    // The signed-in user + the page's own resource (the dashboard makes one call).
    for (path, resources) in
        [("/", 2), ("/?range=1M&chart=drawdown&sort=weight&dir=asc", 2), ("/trades", 2), ("/symbol/AAPL", 2)]
    {
        for _ in 0..3 {
            let page = app.client.get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
            let status = page.status();
            let html = page.text().await.unwrap();
            assert_eq!(status, 200, "{path}: {}", &html[..html.len().min(300)]);
            assert_eq!(html.matches("__RESOLVED_RESOURCES[").count(), resources, "{path}");
        }
    }
}
