//! The demo account and its ledger, so a fresh install has something to look at.
//! Created only when the database has no users at all and `FOLIO_SEED_DEMO` is on.
//! The ledger is the history the original system seeded, dated relative to today.

use super::engine::ledger::{Ledger, Rules};
use super::repo;
use crate::model::{Activity, ActivityKind, Symbol};
use crate::server::auth::{password::hash_password, users};
use crate::server::error::AppError;
use crate::server::state::AppState;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use std::str::FromStr;

pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo123";

/// Creates `demo` / `demo123` on an empty database; returns whether it did.
pub async fn seed_demo(state: &AppState) -> Result<bool, AppError> {
    if !state.config.portfolio.seed_demo || users::count(&state.db).await? > 0 {
        return Ok(false);
    }
    let hash = hash_password(DEMO_PASSWORD.to_string(), state.config.auth.bcrypt_cost).await?;
    match users::create(&state.db, DEMO_USERNAME, &hash).await {
        Ok(stored) => {
            let user = stored.user;
            let today = state.clock.today();
            for activity in demo_ledger(today) {
                repo::insert_activity(&state.db.pool, user.id, &activity).await?;
            }
            // History for the performance chart and risk figures from the first run.
            super::snapshots::rebuild(state, user.id, today).await?;
            tracing::info!("created the demo user `demo` and its ledger (its password is on the sign-in page)");
            Ok(true)
        }
        // Another instance seeded it first.
        Err(err) if err.code == "username_taken" => Ok(false),
        Err(err) => Err(err),
    }
}

/// Deposit 100,000.00 forty-five days ago; buy AMZN 10 @ 145.00 (45 days ago) and
/// sell it @ 165.00 (10 days ago); buy AAPL 50 @ 175.50 (30), MSFT 30 @ 380.25 (28),
/// GOOGL 25 @ 142.30 (25), TSLA 20 @ 245.80 (20), NVDA 15 @ 495.60 (15). No fees.
pub fn demo_ledger(today: NaiveDate) -> Vec<Activity> {
    let d = |s: &str| Decimal::from_str(s).expect("literal decimal");
    let entry = |id: i64, kind, days_ago: i64| Activity::new(id, kind, today - Duration::days(days_ago));
    let trade = |id, kind, days_ago, symbol: &str, quantity: &str, price: &str| Activity {
        symbol: Symbol::parse(symbol).ok(),
        quantity: Some(d(quantity)),
        price: Some(d(price)),
        ..entry(id, kind, days_ago)
    };
    let ledger = vec![
        Activity {
            amount: Some(d("100000.00")),
            note: "Initial deposit".into(),
            ..entry(1, ActivityKind::Deposit, 45)
        },
        trade(2, ActivityKind::Buy, 45, "AMZN", "10", "145.00"),
        trade(3, ActivityKind::Buy, 30, "AAPL", "50", "175.50"),
        trade(4, ActivityKind::Buy, 28, "MSFT", "30", "380.25"),
        trade(5, ActivityKind::Buy, 25, "GOOGL", "25", "142.30"),
        trade(6, ActivityKind::Buy, 20, "TSLA", "20", "245.80"),
        trade(7, ActivityKind::Buy, 15, "NVDA", "15", "495.60"),
        trade(8, ActivityKind::Sell, 10, "AMZN", "10", "165.00"),
    ];
    debug_assert!(Ledger::replay(&ledger, Rules::default()).is_ok());
    ledger
}
