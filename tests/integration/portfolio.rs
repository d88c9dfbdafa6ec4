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
    assert_eq!(p.ledger().win_rate(), Some(d("100")));
    assert_eq!(p.ledger().closed.len(), 1);
    assert_eq!(p.ledger().trade_outcomes(), (1, 0, 0));
    let symbols: Vec<&str> = v.positions.iter().map(|p| p.symbol.as_str()).collect();
    assert_eq!(symbols, ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"]);
    // Demo prices for every position, so every total exists and adds up.
    assert!(v.missing_prices.is_empty());
    let market_value = v.market_value.unwrap();
    assert_eq!(v.total_value.unwrap(), v.cash + market_value);
    assert_eq!(v.total_return.unwrap(), v.realized + v.unrealized.unwrap());
}

#[tokio::test]
async fn the_demo_user_has_daily_history_from_the_first_run() {
    use folio::server::portfolio::engine::metrics;
    use folio::server::portfolio::{repo, snapshots};
    let app = spawn_app().await;
    let state = &app.running.state;
    let demo = folio::server::auth::users::find_by_name(&state.db, "demo").await.unwrap().unwrap();
    let today = app.today();
    let history = repo::snapshots(&state.db, demo.user.id, today - chrono::Duration::days(60)).await.unwrap();
    let weekdays = (0..=45)
        .map(|n| today - chrono::Duration::days(n))
        .filter(|d| folio::server::market::demo::is_trading_day(*d))
        .count();
    // And the zero base the trading day before the first deposit (METRICS.md).
    assert_eq!(history.len(), weekdays + 1, "one snapshot per trading day since the first deposit, and the base");
    assert_eq!((history[0].total_value, history[0].net_flow), (Decimal::ZERO, Decimal::ZERO));
    assert_eq!(history.iter().map(|s| s.net_flow).sum::<Decimal>(), d("100000.00"));
    let last = history.last().unwrap();
    assert_eq!(last.invested, d("36090.00"));
    assert_eq!(last.cash, d("64110.00"));
    for s in &history {
        assert_eq!(s.total_value, s.cash + s.market_value, "{}", s.date);
        assert!(s.benchmark_close.is_some());
    }

    // Enough history for every risk figure.
    let days: Vec<metrics::DayValue> = history
        .iter()
        .map(|s| metrics::DayValue {
            date: s.date,
            value: s.total_value.to_string().parse().unwrap(),
            flow: s.net_flow.to_string().parse().unwrap(),
            benchmark: s.benchmark_close.map(|b| b.to_string().parse().unwrap()),
        })
        .collect();
    let returns = metrics::daily_returns(&days);
    assert_eq!(returns.len(), history.len() - 1);
    let (beta, alpha) = metrics::beta_alpha(&returns, &metrics::benchmark_returns(&days), 0.0);
    assert!(beta.is_ok() && alpha.is_ok(), "{beta:?}");

    // Rebuilding is idempotent: the days come out as they are stored, so none is
    // written again (and kept states elsewhere stay valid).
    let version = folio::server::portfolio::state::read_key(&state.db, demo.user.id).await.unwrap();
    let written = snapshots::rebuild(state, demo.user.id, today).await.unwrap();
    assert_eq!(written, 0);
    assert_eq!(folio::server::portfolio::state::read_key(&state.db, demo.user.id).await.unwrap(), version);
    let again = repo::snapshots(&state.db, demo.user.id, today - chrono::Duration::days(60)).await.unwrap();
    assert_eq!(again, history);
}

#[tokio::test]
async fn risk_figures_come_from_the_snapshots_and_today_is_written_on_demand() {
    use folio::model::Range;
    use folio::server::portfolio::{repo, service};
    let app = spawn_app().await;
    let state = &app.running.state;
    let demo = folio::server::auth::users::find_by_name(&state.db, "demo").await.unwrap().unwrap();
    let all = service::risk(state, demo.user.id, Range::All).await.unwrap();
    assert_eq!(all.returns.len(), all.days.len() - 1);
    for (name, figure) in [
        ("twr", &all.stats.time_weighted_return),
        ("mwr", &all.stats.money_weighted_return),
        ("volatility", &all.stats.volatility),
        ("sharpe", &all.stats.sharpe_ratio),
        ("beta", &all.stats.beta),
        ("alpha", &all.stats.alpha),
    ] {
        assert!(figure.as_ref().is_ok_and(|v| v.is_finite()), "{name}: {figure:?}");
    }
    let drawdown = all.max_drawdown.as_ref().unwrap();
    assert!(drawdown.max >= 0.0 && drawdown.peak <= drawdown.trough);

    // The month view uses fewer days than ALL and no more than a month's worth: from
    // the same date last month to today is at most 32 days, so at most 24 weekdays,
    // plus the base day before them (it was `<= 24`, which failed on 26 November).
    let month = service::risk(state, demo.user.id, Range::OneMonth).await.unwrap();
    assert!(month.days.len() < all.days.len() && month.days.len() <= 25, "{}", month.days.len());

    // Take away the newest snapshot: loading figures writes it again.
    let last = repo::last_snapshot_date(&state.db, demo.user.id).await.unwrap().unwrap();
    sqlx::query("DELETE FROM portfolio_snapshots WHERE user_id = $1 AND day = $2")
        .bind(demo.user.id)
        .bind(last.to_string())
        .execute(&state.db.pool)
        .await
        .unwrap();
    let again = service::risk(state, demo.user.id, Range::All).await.unwrap();
    assert_eq!(repo::last_snapshot_date(&state.db, demo.user.id).await.unwrap(), Some(last));
    assert_eq!(again.days.len(), all.days.len());
}
