//! The market-data tables: the last quote and profile per symbol (so a restart
//! starts warm) and the daily closes that make up our price history.

use crate::model::{CompanyProfile, PriceSource, Quote, Symbol};
use crate::server::db::{Db, WriteTx};
use crate::server::error::AppError;
use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use sqlx::Row;
use std::str::FromStr;

use crate::server::db::decimal_column as decimal;

pub async fn load_quote(db: &Db, symbol: &Symbol, source: PriceSource) -> Result<Option<Quote>, AppError> {
    let row = sqlx::query("SELECT * FROM stock_quotes WHERE symbol = $1 AND source = $2")
        .bind(symbol.as_str())
        .bind(source.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.and_then(|row| {
        Some(Quote {
            symbol: symbol.clone(),
            price: decimal(&row, "price")?,
            change: decimal(&row, "change"),
            change_percent: decimal(&row, "change_percent"),
            high: decimal(&row, "high")?,
            low: decimal(&row, "low")?,
            open: decimal(&row, "open")?,
            previous_close: decimal(&row, "previous_close")?,
            as_of: row.try_get("as_of").ok()?,
            fetched_at: row.try_get("fetched_at").ok()?,
            source,
            stale: false,
            traded_at: None,
        })
    }))
}

/// Saves the quote and records it as its trading day's close, unless the one
/// stored is newer: fetched later, or fetched at the same time and priced later
/// (a streamed trade moves `as_of`, not `fetched_at`). A late write of an older
/// quote (from another instance, or the announcer behind a fetch) changes neither
/// the quote nor the day's close, so the close never goes back to an older price.
/// Both are written in one transaction: on PostgreSQL the quote's row stays
/// locked until the close is written too, so two writers of one symbol cannot
/// cross (the older passing the check first and writing its close last).
/// Returns whether it was written.
pub async fn save_quote(db: &Db, quote: &Quote) -> Result<bool, AppError> {
    let mut tx = WriteTx::begin(db).await?;
    let written = sqlx::query(
        "INSERT INTO stock_quotes (symbol, source, price, change, change_percent, high, low, open, previous_close, as_of, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (symbol, source) DO UPDATE SET
           price = excluded.price, change = excluded.change, change_percent = excluded.change_percent,
           high = excluded.high, low = excluded.low, open = excluded.open, previous_close = excluded.previous_close,
           as_of = excluded.as_of, fetched_at = excluded.fetched_at
         WHERE excluded.fetched_at > stock_quotes.fetched_at
            OR (excluded.fetched_at = stock_quotes.fetched_at AND excluded.as_of >= stock_quotes.as_of)",
    )
    .bind(quote.symbol.as_str())
    .bind(quote.source.as_str())
    .bind(quote.price.to_string())
    .bind(quote.change.map(|d| d.to_string()))
    .bind(quote.change_percent.map(|d| d.to_string()))
    .bind(quote.high.to_string())
    .bind(quote.low.to_string())
    .bind(quote.open.to_string())
    .bind(quote.previous_close.to_string())
    .bind(quote.as_of)
    .bind(quote.fetched_at)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    if let Some(day) = DateTime::from_timestamp(quote.as_of, 0).map(|t| t.date_naive()) {
        upsert_close(&mut tx, &quote.symbol, quote.source, day, quote.price).await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn save_close(
    db: &Db,
    symbol: &Symbol,
    source: PriceSource,
    day: NaiveDate,
    close: Decimal,
) -> Result<(), AppError> {
    let mut tx = WriteTx::begin(db).await?;
    upsert_close(&mut tx, symbol, source, day, close).await?;
    tx.commit().await?;
    Ok(())
}

async fn upsert_close(
    tx: &mut WriteTx,
    symbol: &Symbol,
    source: PriceSource,
    day: NaiveDate,
    close: Decimal,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO daily_closes (symbol, source, day, close) VALUES ($1, $2, $3, $4)
         ON CONFLICT (symbol, source, day) DO UPDATE SET close = excluded.close",
    )
    .bind(symbol.as_str())
    .bind(source.as_str())
    .bind(day.to_string())
    .bind(close.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Daily closes of `symbol` from `from` on, oldest first.
pub async fn closes_since(
    db: &Db,
    symbol: &Symbol,
    source: PriceSource,
    from: NaiveDate,
) -> Result<Vec<(NaiveDate, Decimal)>, AppError> {
    let rows =
        sqlx::query("SELECT day, close FROM daily_closes WHERE symbol = $1 AND source = $2 AND day >= $3 ORDER BY day")
            .bind(symbol.as_str())
            .bind(source.as_str())
            .bind(from.to_string())
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let day = NaiveDate::from_str(&row.try_get::<String, _>("day").ok()?).ok()?;
            Some((day, decimal(row, "close")?))
        })
        .collect())
}

pub async fn load_profile(
    db: &Db,
    symbol: &Symbol,
    source: PriceSource,
) -> Result<Option<(CompanyProfile, i64)>, AppError> {
    let row = sqlx::query("SELECT profile, fetched_at FROM company_profiles WHERE symbol = $1 AND source = $2")
        .bind(symbol.as_str())
        .bind(source.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.and_then(|row| {
        let profile = serde_json::from_str(&row.try_get::<String, _>("profile").ok()?).ok()?;
        Some((profile, row.try_get("fetched_at").ok()?))
    }))
}

pub async fn save_profile(
    db: &Db,
    symbol: &Symbol,
    source: PriceSource,
    profile: &CompanyProfile,
    fetched_at: i64,
) -> Result<(), AppError> {
    let json = serde_json::to_string(profile).map_err(|e| AppError::internal("profile encoding", e))?;
    sqlx::query(
        "INSERT INTO company_profiles (symbol, source, profile, fetched_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (symbol, source) DO UPDATE SET profile = excluded.profile, fetched_at = excluded.fetched_at",
    )
    .bind(symbol.as_str())
    .bind(source.as_str())
    .bind(json)
    .bind(fetched_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}
