//! The portfolio engine over the real database: the demo user's ledger.

use crate::helpers::spawn_app;
use folio::server::portfolio::service::portfolio;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[tokio::test]
async fn the_demo_user_starts_with_the_original_systems_numbers() {
    let app = spawn_app().await;
    let demo = folio::server::auth::users::find_by_name(&app.running.state.db, "demo").await.unwrap().unwrap();
    let p = portfolio(&app.running.state, demo.user.id).await.unwrap();
    let v = &p.valuation;
    assert_eq!(v.cash, d("64110.00"));
    assert_eq!(v.invested, d("36090.00"));
    assert_eq!(v.realized, d("200.00"));
    assert_eq!(v.net_contributions, d("100000.00"));
    assert_eq!(p.ledger.win_rate(), Some(d("100")));
    assert_eq!(p.ledger.closed.len(), 1);
    assert_eq!(p.ledger.trade_outcomes(), (1, 0, 0));
    let symbols: Vec<&str> = v.positions.iter().map(|p| p.symbol.as_str()).collect();
    assert_eq!(symbols, ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"]);
    // Demo prices for every position, so every total exists and adds up.
    assert!(v.missing_prices.is_empty());
    let market_value = v.market_value.unwrap();
    assert_eq!(v.total_value.unwrap(), v.cash + market_value);
    assert_eq!(v.total_return.unwrap(), v.realized + v.unrealized.unwrap());
}
