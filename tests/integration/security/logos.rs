//! Company logos come from Folio's own origin (`/logos/{symbol}`): fetched by the
//! server from the profile's URL, https (or the configured upstream) only, images
//! only, bounded in size; so pages can say `img-src 'self' data:`.

use crate::helpers::spawn_app_with_fake;
use folio_fakes::finnhub::LOGO_PNG;
use serde_json::{Value, json};

fn profile(symbol: &str, logo: &str) -> Value {
    json!({"ticker": symbol, "name": format!("{symbol} Corp"), "finnhubIndustry": "Technology", "logo": logo,
           "exchange": "NASDAQ", "country": "US", "currency": "USD", "ipo": "2000-01-01", "weburl": ""})
}

#[tokio::test]
async fn logos_are_fetched_by_the_server_checked_and_served_from_this_origin() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    let token = app.token("demo", "demo123").await;
    fake.state.set_profile("AAPL", profile("AAPL", &fake.logo_url("AAPL.png")));
    for (symbol, logo) in [
        ("MSFT", fake.logo_url("page.png")),
        ("NVDA", fake.logo_url("script.svg")),
        ("GOOGL", fake.logo_url("big.png")),
        ("AMZN", "http://example.invalid/logo.png".to_string()),
        ("KO", fake.logo_url("missing.jpg")),
    ] {
        fake.state.set_profile(symbol, profile(symbol, &logo));
    }

    let logo = app.get_with_token("/logos/AAPL", &token).await;
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert!(logo.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(logo.bytes().await.unwrap().as_ref(), LOGO_PNG);

    // HTML that calls itself a PNG, an SVG with a script, 2 MB, plain http to
    // another host, a 404: none is served.
    for symbol in ["MSFT", "NVDA", "GOOGL", "AMZN", "KO"] {
        let refused = app.get_with_token(&format!("/logos/{symbol}"), &token).await;
        assert_eq!(refused.status(), 404, "{symbol}");
    }
    let anonymous = app.client.get(app.url("/logos/AAPL.svg")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "logos are for signed-in users");

    // Pages and rows point at the local address; the page's CSP allows nothing else.
    let positions: Value = app.get_with_token("/api/dashboard/positions", &token).await.json().await.unwrap();
    let aapl = positions["data"].as_array().unwrap().iter().find(|p| p["symbol"] == "AAPL").unwrap();
    assert_eq!(aapl["logo"], "/logos/AAPL");
    let page = app.client.get(app.url("/")).bearer_auth(&token).send().await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("img-src 'self' data:;"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains("src=\"/logos/AAPL\""), "the dashboard shows the local logo");
    assert!(!html.contains(&fake.logo_url("")), "no upstream address reaches the page");
}
