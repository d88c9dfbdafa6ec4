//! Fetched history in the database: closes in `daily_closes` under their source,
//! how far back each symbol is covered (`history_coverage`), and the splits the
//! sources reported (`reported_splits`).
//!
//! Which close counts for a day, when several sources have one: an imported prices
//! file first (the person's own word), then a history source's official close,
//! then the last price Folio itself saw that day (which is the close only if it was
//! seen after the market closed).

use super::SplitEvent;
use crate::model::{SplitRatio, Symbol};
use crate::server::db::{Db, WriteTx, decimal_column as decimal, now_unix};
use crate::server::error::AppError;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::Row;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The `source` of closes imported from a prices file, followed by `:<user id>`
/// (`prices_file::source_of`): they count only in that person's history.
pub const FILE_SOURCE: &str = "file";

/// Lower wins: a file's close over a fetched one over a recorded one.
fn rank(source: &str) -> u8 {
    match source {
        s if s.starts_with(FILE_SOURCE) => 0,
        super::yahoo::SOURCE | super::candles::SOURCE => 1,
        _ => 2,
    }
}

/// The closes of `symbol` over `[from, to]` from every non-demo source, one per
/// day by rank, oldest first; with `viewer`, that person's imported closes too.
pub async fn merged_closes(
    db: &Db,
    symbol: &Symbol,
    from: NaiveDate,
    to: NaiveDate,
    viewer: Option<i64>,
) -> Result<Vec<(NaiveDate, Decimal)>, AppError> {
    let rows = sqlx::query(
        "SELECT day, source, close FROM daily_closes
         WHERE symbol = $1 AND source <> 'demo' AND day >= $2 AND day <= $3
           AND (source NOT LIKE 'file:%' OR source = $4)",
    )
    .bind(symbol.as_str())
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(viewer.map(super::prices_file::source_of).unwrap_or_default())
    .fetch_all(&db.pool)
    .await?;
    let mut best: BTreeMap<NaiveDate, (u8, Decimal)> = BTreeMap::new();
    for row in &rows {
        let (Some(day), Ok(source), Some(close)) = (
            row.try_get::<String, _>("day").ok().and_then(|d| NaiveDate::from_str(&d).ok()),
            row.try_get::<String, _>("source"),
            decimal(row, "close"),
        ) else {
            continue;
        };
        let candidate = (rank(&source), close);
        if best.get(&day).is_none_or(|held| candidate.0 < held.0) {
            best.insert(day, candidate);
        }
    }
    Ok(best.into_iter().map(|(day, (_, close))| (day, close)).collect())
}

/// Stores closes of one source (replacing that source's closes of those days).
/// A day given twice keeps its last close: one statement may not touch a row twice
/// on PostgreSQL, and Yahoo can send the day's live bar beside its close.
pub async fn save_closes(
    tx: &mut WriteTx,
    symbol: &Symbol,
    source: &str,
    closes: &[(NaiveDate, Decimal)],
) -> Result<(), AppError> {
    const BATCH: usize = 200;
    let by_day: BTreeMap<NaiveDate, Decimal> = closes.iter().copied().collect();
    let closes: Vec<(NaiveDate, Decimal)> = by_day.into_iter().collect();
    for chunk in closes.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
            .collect();
        let sql = format!(
            "INSERT INTO daily_closes (symbol, source, day, close) VALUES {}
             ON CONFLICT (symbol, source, day) DO UPDATE SET close = excluded.close",
            values.join(",")
        );
        let mut query = sqlx::query(&sql);
        for (day, close) in chunk {
            query = query.bind(symbol.as_str()).bind(source).bind(day.to_string()).bind(close.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Stores the splits a source reported (one per symbol and day).
pub async fn save_splits(
    tx: &mut WriteTx,
    symbol: &Symbol,
    source: &str,
    splits: &[SplitEvent],
) -> Result<(), AppError> {
    for split in splits {
        sqlx::query(
            "INSERT INTO reported_splits (symbol, day, numerator, denominator, source) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (symbol, day) DO UPDATE SET numerator = excluded.numerator,
               denominator = excluded.denominator, source = excluded.source",
        )
        .bind(symbol.as_str())
        .bind(split.date.to_string())
        .bind(split.ratio.numerator.to_string())
        .bind(split.ratio.denominator.to_string())
        .bind(source)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Splits reported for `symbol`, oldest first.
pub async fn reported_splits(db: &Db, symbol: &Symbol) -> Result<Vec<crate::model::SplitSuggestion>, AppError> {
    Ok(all_reported_splits(db).await?.into_iter().filter(|s| s.symbol == *symbol).collect())
}

/// One person's imported closes (all symbols), oldest first.
pub async fn user_closes(db: &Db, user_id: i64) -> Result<Vec<(Symbol, NaiveDate, Decimal)>, AppError> {
    let rows = sqlx::query("SELECT symbol, day, close FROM daily_closes WHERE source = $1 ORDER BY day, symbol")
        .bind(super::prices_file::source_of(user_id))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some((
                Symbol::parse(&row.try_get::<String, _>("symbol").ok()?).ok()?,
                NaiveDate::from_str(&row.try_get::<String, _>("day").ok()?).ok()?,
                decimal(row, "close")?,
            ))
        })
        .collect())
}

/// Every reported split, oldest first.
pub async fn all_reported_splits(db: &Db) -> Result<Vec<crate::model::SplitSuggestion>, AppError> {
    let rows = sqlx::query("SELECT symbol, day, numerator, denominator FROM reported_splits ORDER BY day, symbol")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some(crate::model::SplitSuggestion {
                symbol: Symbol::parse(&row.try_get::<String, _>("symbol").ok()?).ok()?,
                date: NaiveDate::from_str(&row.try_get::<String, _>("day").ok()?).ok()?,
                ratio: SplitRatio { numerator: decimal(row, "numerator")?, denominator: decimal(row, "denominator")? },
            })
        })
        .collect())
}

/// How far a symbol's history has been fetched, and the last failure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    pub covered_from: Option<NaiveDate>,
    pub covered_to: Option<NaiveDate>,
    pub source: Option<String>,
    /// Why the last fetch failed (cleared by a success).
    pub problem: Option<String>,
    pub failures: i64,
    /// Not before this time (Unix seconds) is a failed fetch tried again.
    pub retry_at: i64,
}

impl Coverage {
    /// Whether the closes reach back to `from`.
    pub fn reaches(&self, from: NaiveDate) -> bool {
        self.covered_from.is_some_and(|covered| covered <= from)
    }
}

/// Every symbol's coverage.
pub async fn coverage(db: &Db) -> Result<BTreeMap<Symbol, Coverage>, AppError> {
    let rows = sqlx::query("SELECT * FROM history_coverage").fetch_all(&db.pool).await?;
    let day = |row: &sqlx::any::AnyRow, name: &str| {
        row.try_get::<Option<String>, _>(name).ok().flatten().and_then(|d| NaiveDate::from_str(&d).ok())
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            let symbol = Symbol::parse(&row.try_get::<String, _>("symbol").ok()?).ok()?;
            Some((
                symbol,
                Coverage {
                    covered_from: day(row, "covered_from"),
                    covered_to: day(row, "covered_to"),
                    source: row.try_get("source").ok(),
                    problem: row.try_get("problem").ok(),
                    failures: row.try_get("failures").unwrap_or_default(),
                    retry_at: row.try_get("retry_at").unwrap_or_default(),
                },
            ))
        })
        .collect())
}

/// Records a successful fetch of `[from, to]` (widening what was covered).
pub async fn covered(
    tx: &mut WriteTx,
    symbol: &Symbol,
    source: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO history_coverage (symbol, covered_from, covered_to, source, fetched_at, problem, failures, retry_at)
         VALUES ($1, $2, $3, $4, $5, NULL, 0, 0)
         ON CONFLICT (symbol) DO UPDATE SET
           covered_from = CASE WHEN history_coverage.covered_from IS NULL OR excluded.covered_from < history_coverage.covered_from
                               THEN excluded.covered_from ELSE history_coverage.covered_from END,
           covered_to = CASE WHEN history_coverage.covered_to IS NULL OR excluded.covered_to > history_coverage.covered_to
                             THEN excluded.covered_to ELSE history_coverage.covered_to END,
           source = excluded.source, fetched_at = excluded.fetched_at, problem = NULL, failures = 0, retry_at = 0",
    )
    .bind(symbol.as_str())
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(source)
    .bind(now_unix())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a failed fetch, to be tried again at `retry_at` (Unix seconds).
pub async fn failed(db: &Db, symbol: &Symbol, problem: &str, retry_at: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO history_coverage (symbol, fetched_at, problem, failures, retry_at) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (symbol) DO UPDATE SET fetched_at = excluded.fetched_at, problem = excluded.problem,
           failures = history_coverage.failures + 1, retry_at = excluded.retry_at",
    )
    .bind(symbol.as_str())
    .bind(now_unix())
    .bind(problem)
    .bind(retry_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}
