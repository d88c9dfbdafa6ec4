//! `/api/dashboard/*` against the demo ledger: shapes, numbers, validation.

use crate::helpers::{error_code, form_cookie, signup_token, spawn_app, spawn_app_with_fake};
use serde_json::Value;

#[tokio::test]
async fn the_overview_has_every_card_and_explains_its_nulls() {
    let app = spawn_app().await;
    let body: Value = app.get_as_demo("/api/dashboard/overview").await.json().await.unwrap();
    assert_eq!(body["status"], "success");
    let o = &body["data"];
    assert_eq!(o["cash"], 64110.0);
    assert_eq!(o["invested"], 36090.0);
    assert_eq!(o["realized_pnl"], 200.0);
    assert_eq!(o["win_rate"], 100.0);
    assert_eq!(
        (o["total_trades"].as_u64(), o["winning_trades"].as_u64(), o["losing_trades"].as_u64()),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(o["price_source"], "demo");
    assert_eq!(o["range"], "ALL");
    for field in [
        "total_value",
        "market_value",
        "unrealized_pnl",
        "total_return",
        "total_return_percent",
        "sharpe_ratio",
        "max_drawdown",
        "volatility",
        "beta",
        "alpha",
        "net_contributions",
        "time_weighted_return",
        "money_weighted_return",
        "sortino_ratio",
        "max_drawdown_peak",
        "max_drawdown_trough",
        "as_of",
    ] {
        assert!(o.get(field).is_some(), "{field} missing");
        if o[field].is_null() {
            assert!(o["notes"][field].as_str().is_some_and(|n| !n.is_empty()), "{field} is null without a reason");
        }
    }
    let total = o["total_value"].as_f64().unwrap();
    let parts = o["cash"].as_f64().unwrap() + o["market_value"].as_f64().unwrap();
    assert!((total - parts).abs() < 0.011, "{total} vs {parts}");
    assert!(o["beta"].is_number(), "demo history is long enough for beta: {}", o["notes"]);
}

#[tokio::test]
async fn a_new_user_sees_nulls_with_reasons_not_placeholders() {
    let app = spawn_app().await;
    let r =
        app.post_json("/api/auth/signup", &serde_json::json!({"username": "newbie", "password": "long enough"})).await;
    let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    let body: Value = app.get_with_token("/api/dashboard/overview", &token).await.json().await.unwrap();
    let o = &body["data"];
    assert_eq!(o["cash"], 0.0);
    for field in ["beta", "alpha", "sharpe_ratio", "volatility", "win_rate", "max_drawdown"] {
        assert!(o[field].is_null(), "{field} should be null for an empty ledger, is {}", o[field]);
        assert!(o["notes"][field].is_string(), "{field}");
    }
}

#[tokio::test]
async fn positions_list_every_holding_with_prices_and_profiles() {
    let app = spawn_app().await;
    let body: Value = app.get_as_demo("/api/dashboard/positions").await.json().await.unwrap();
    let rows = body["data"].as_array().unwrap();
    let symbols: Vec<&str> = rows.iter().map(|r| r["symbol"].as_str().unwrap()).collect();
    assert_eq!(symbols, ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"]);
    let aapl = &rows[0];
    assert_eq!(aapl["quantity"], 50.0);
    assert_eq!(aapl["average_cost"], 175.5);
    assert_eq!(aapl["cost_basis"], 8775.0);
    assert_eq!(aapl["company_name"], "Apple Inc");
    assert_eq!(aapl["logo"], "/logos/AAPL", "logos are served from this origin");
    assert_eq!(aapl["price_source"], "demo");
    let weights: f64 = rows.iter().map(|r| r["weight"].as_f64().unwrap()).sum();
    assert!((weights - 100.0).abs() < 0.05, "{weights}");
}

#[tokio::test]
async fn trades_come_newest_first_in_pages() {
    let app = spawn_app().await;
    let body: Value = app.get_as_demo("/api/dashboard/trades?limit=3").await.json().await.unwrap();
    let rows = body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0]["symbol"].as_str(), rows[0]["trade_type"].as_str()), (Some("AMZN"), Some("sell")));
    assert_eq!(rows[0]["realized_pnl"], 200.0);
    assert_eq!(rows[0]["realized_pnl_pct"], 13.79);
    assert_eq!(rows[0]["total_amount"], 1650.0);
    let cursor = body["next_cursor"].as_str().unwrap();
    let next: Value =
        app.get_as_demo(&format!("/api/dashboard/trades?limit=10&cursor={cursor}")).await.json().await.unwrap();
    let more = next["data"].as_array().unwrap();
    assert_eq!(more.len(), 4, "7 trades in all");
    assert!(next["next_cursor"].is_null());
    assert_eq!(more.last().unwrap()["symbol"], "AMZN");
    assert_eq!(more.last().unwrap()["trade_type"], "buy");
}

#[tokio::test]
async fn bad_parameters_are_4xx_in_the_envelope() {
    let app = spawn_app().await;
    for query in [
        "limit=0",
        "limit=501",
        "limit=-1",
        "limit=abc",
        "cursor=nonsense",
        "cursor=2026-3-2_17",
        "cursor=2026-03-02_%2B17",
        "cursor=2026-03-02_",
        "cursor=%C3%A9026-03-02_1",
    ] {
        let response = app.get_as_demo(&format!("/api/dashboard/trades?{query}")).await;
        assert_eq!(error_code(response, 422).await, "invalid_parameter", "{query}");
    }
    for path in
        ["/api/dashboard/overview?range=2Y", "/api/dashboard/performance?range=week", "/api/dashboard/income?range=2W"]
    {
        assert_eq!(error_code(app.get_as_demo(path).await, 422).await, "invalid_parameter", "{path}");
    }
    for path in
        ["/api/dashboard/overview", "/api/dashboard/positions", "/api/dashboard/trades", "/api/dashboard/performance"]
    {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(error_code(response, 401).await, "unauthorized", "{path}");
    }
}

#[tokio::test]
async fn the_performance_series_matches_the_overview_figures() {
    let app = spawn_app().await;
    for range in ["1M", "ALL"] {
        let perf: Value =
            app.get_as_demo(&format!("/api/dashboard/performance?range={range}")).await.json().await.unwrap();
        let points = perf["data"]["points"].as_array().unwrap();
        assert!(points.len() > 15, "{range}: {}", points.len());
        assert_eq!(points[0]["cumulative_twr"], 0.0);
        assert!(points[0]["daily_return"].is_null(), "the base day has no return");
        let overview: Value =
            app.get_as_demo(&format!("/api/dashboard/overview?range={range}")).await.json().await.unwrap();
        let twr = overview["data"]["time_weighted_return"].as_f64().unwrap();
        let last = points.last().unwrap()["cumulative_twr"].as_f64().unwrap();
        assert!((twr - last).abs() < 0.01, "{range}: overview {twr} vs series {last}");
        let worst = points.iter().map(|p| p["drawdown"].as_f64().unwrap()).fold(0.0, f64::min);
        let max_dd = overview["data"]["max_drawdown"].as_f64().unwrap();
        assert!((max_dd + worst).abs() < 0.01, "{range}: {max_dd} vs {worst}");
        // The statistics rest on the series' daily returns, and say when those are
        // fewer than the minimum for annualised figures (60 by default).
        let returns = points.iter().filter(|p| !p["daily_return"].is_null()).count();
        assert_eq!(overview["data"]["history_days"].as_u64(), Some(returns as u64), "{range}");
        assert_eq!(overview["data"]["short_history"].as_bool(), Some(returns < 60), "{range}");
        // Closed trades beside every trade of the ledger.
        let activities: Value = app.get_as_demo("/api/activities").await.json().await.unwrap();
        let activities = activities["data"].as_array().unwrap();
        let trades = activities.iter().filter(|a| matches!(a["kind"].as_str(), Some("buy" | "sell"))).count();
        let sells = activities.iter().filter(|a| a["kind"] == "sell").count();
        assert_eq!(overview["data"]["all_trades"].as_u64(), Some(trades as u64));
        assert_eq!(overview["data"]["total_trades"].as_u64(), Some(sells as u64));
        assert!(trades > sells, "the demo holds buys and sells");
    }
}

#[tokio::test]
async fn with_finnhub_down_and_nothing_cached_prices_are_missing_not_invented() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    fake.state.set_fault(folio_fakes::finnhub::Fault::ServerError, None, None);
    let body: Value = app.get_as_demo("/api/dashboard/overview").await.json().await.unwrap();
    let o = &body["data"];
    assert!(o["total_value"].is_null() && o["market_value"].is_null());
    assert!(o["notes"]["total_value"].as_str().unwrap().contains("no price for"));
    assert_eq!(o["cash"], 64110.0);
    assert_eq!(o["price_source"], "finnhub");
}

#[tokio::test]
async fn recent_trades_are_the_newest_trades_even_behind_sixty_newer_deposits() {
    let app = spawn_app().await;
    let token = signup_token(&app, "saver").await;
    let post = |body: Value| {
        let request = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&body);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(post(serde_json::json!({"kind": "deposit", "date": "2025-01-02", "amount": "5000"})).await, 201);
    let buy = serde_json::json!({"kind": "buy", "date": "2025-01-03", "symbol": "KO", "quantity": "7", "price": "61"});
    assert_eq!(post(buy).await, 201);
    let first_day = chrono::NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
    for i in 0..60 {
        let day = first_day + chrono::Duration::days(i);
        assert_eq!(post(serde_json::json!({"kind": "deposit", "date": day.to_string(), "amount": "10"})).await, 201);
    }
    let cookie = form_cookie(&app, "saver").await;
    let html = app.client.get(app.url("/")).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
    let recent = &html[html.find("id=\"recent-heading\"").expect("the recent trades section")..];
    assert!(!recent.contains("No trades yet."), "the buy is hidden behind newer deposits");
    assert!(recent.contains("KO"), "the buy of KO is listed");
}

#[tokio::test]
async fn the_trades_page_and_the_api_read_cursors_the_same_strict_way() {
    let app = spawn_app().await;
    let token = signup_token(&app, "pager").await;
    let first_day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    for i in 0..55 {
        let day = first_day + chrono::Duration::days(i);
        let body =
            serde_json::json!({"kind": "deposit", "date": day.to_string(), "amount": "10", "note": format!("n{i:02}")});
        let response = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&body).send().await;
        assert_eq!(response.unwrap().status(), 201);
    }
    let cookie = form_cookie(&app, "pager").await;
    let page = |query: String| {
        let request = app.client.get(app.url(&format!("/trades{query}"))).header("cookie", cookie.clone());
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let html = response.text().await.unwrap();
            assert_eq!(status, 200, "/trades{query}: {html}");
            html
        }
    };
    let newest = page(String::new()).await;
    let next = newest
        .split("/trades?before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("an Older link in {newest}"));
    assert!(folio::model::Cursor::parse(next).is_some(), "the page writes a strict cursor: {next}");
    let older = page(format!("?before={next}")).await;
    assert!(older.contains("n04") && !older.contains("n54"), "the second page holds the oldest five");
    // The same cursor written loosely is not one this site gave out: the newest page.
    // (The old page parser read `2025-4-5_+42`; the API never did.)
    let cursor = folio::model::Cursor::parse(next).unwrap();
    use chrono::Datelike;
    let loose = format!("{}-{}-{}_%2B{}", cursor.date.year(), cursor.date.month(), cursor.date.day(), cursor.id);
    let shown = page(format!("?before={loose}")).await;
    assert!(shown.contains("n54"), "a loose cursor shows the newest page");
    let api = app.get_with_token(&format!("/api/dashboard/trades?cursor={loose}"), &token).await;
    assert_eq!(error_code(api, 422).await, "invalid_parameter", "and the API refuses it");
}

#[tokio::test]
async fn the_headline_income_and_value_series_agree_with_the_ledger() {
    let app = spawn_app().await;
    let token = signup_token(&app, "earner").await;
    let today = app.today();
    let ago = |days: i64| (today - chrono::Duration::days(days)).to_string();
    let entries = [
        serde_json::json!({"kind": "deposit", "date": ago(200), "amount": "10000"}),
        serde_json::json!({"kind": "buy", "date": ago(199), "symbol": "AAPL", "quantity": "10", "price": "150"}),
        serde_json::json!({"kind": "buy", "date": ago(150), "symbol": "KO", "quantity": "20", "price": "60"}),
        serde_json::json!({"kind": "dividend", "date": ago(70), "symbol": "KO", "amount": "9.70"}),
        serde_json::json!({"kind": "dividend", "date": ago(3), "symbol": "AAPL", "amount": "2.40", "fee": "0.10"}),
        serde_json::json!({"kind": "withdrawal", "date": ago(2), "amount": "500"}),
    ];
    for entry in entries {
        let response = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&entry).send().await;
        assert_eq!(response.unwrap().status(), 201, "{entry}");
    }
    let get = |path: &str| {
        let request = app.client.get(app.url(path)).bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["data"].clone() }
    };
    let (month, all) = (get("/api/dashboard/overview?range=1M").await, get("/api/dashboard/overview?range=ALL").await);
    // Income: the range's dividends and all of them (gross; the fee is a fee).
    assert_eq!((month["range_dividends"].as_f64(), all["range_dividends"].as_f64()), (Some(2.4), Some(12.1)));
    let income = get("/api/dashboard/income?range=1M").await;
    assert_eq!((income["range_dividends"].as_f64(), income["all_time"].as_f64()), (Some(2.4), Some(12.1)));
    let months = income["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[11]["month"].as_str(), Some(&today.to_string()[..7]), "the last month is this one");
    let by_month: f64 = months.iter().map(|m| m["dividends"].as_f64().unwrap()).sum();
    assert!((by_month - 12.1).abs() < 0.001, "both dividends are within twelve months: {by_month}");
    assert_eq!((month["dividends"].as_f64(), month["fees"].as_f64()), (Some(12.1), Some(0.1)));
    // Today's change is the positions' day changes summed, against the value at
    // the previous close.
    let positions = get("/api/dashboard/positions").await;
    let summed: f64 = positions.as_array().unwrap().iter().map(|p| p["day_change"].as_f64().unwrap()).sum();
    let change = month["day_change"].as_f64().unwrap();
    assert!((change - summed).abs() < 0.011, "{change} vs {summed}");
    let total = month["total_value"].as_f64().unwrap();
    let percent = month["day_change_percent"].as_f64().unwrap();
    assert!((percent - change / (total - change) * 100.0).abs() < 0.011, "{percent}");
    // The money put in, day by day, ends at the net contributions.
    let series = get("/api/dashboard/performance?range=ALL").await;
    let points = series["points"].as_array().unwrap();
    let last = points.last().unwrap();
    assert_eq!(last["net_contributions"].as_f64(), Some(9500.0));
    assert_eq!(all["net_contributions"].as_f64(), Some(9500.0));
    let before_withdrawal = points.iter().rev().find(|p| p["date"].as_str() < Some(ago(2).as_str())).unwrap();
    assert_eq!(before_withdrawal["net_contributions"].as_f64(), Some(10000.0));
    // The page: the headline and the Value view end at the same total value.
    let cookie = form_cookie(&app, "earner").await;
    let html =
        app.client.get(app.url("/?chart=value")).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
    let money = folio::model::format_money(rust_decimal::Decimal::try_from(total).unwrap());
    let summary = format!("Total value {money} on {today}");
    assert!(html.contains(&summary), "the Value view's summary ends at the headline's {money}");
    assert!(html.contains("Dividends by month") && html.contains("$2.40"), "the income bars");
}
