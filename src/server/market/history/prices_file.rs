//! A prices file: daily closes a person imports themselves (`date,symbol,close`),
//! for an install without internet access or a symbol no source knows. The closes
//! are the person's own: they rank above every fetched or recorded close in *their*
//! history (and only theirs: on a shared server one person's file never changes
//! another's numbers), stored as `daily_closes` rows whose source is `file:<user>`.
//! Prices are as traded, like every close Folio keeps. An import is all or
//! nothing: one bad row refuses the file, with every bad row's line and reason.

use crate::model::Symbol;
use crate::server::db::WriteTx;
use crate::server::error::AppError;
use crate::server::portfolio::activities::draft::{latest_allowed_date, parse_decimal};
use crate::server::state::AppState;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;

/// Rows a file may hold (40 years of closes for 20 symbols).
pub const MAX_ROWS: usize = 200_000;

/// The `source` of one person's imported closes.
pub fn source_of(user_id: i64) -> String {
    format!("{}:{user_id}", super::store::FILE_SOURCE)
}

/// A row that cannot be used.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PriceRowError {
    /// The file's line (the header is line 1).
    pub line: usize,
    pub message: String,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PricesImported {
    /// Closes written (a close already imported for that day is replaced).
    pub closes: usize,
    pub symbols: Vec<String>,
}

/// Reads the file: every row, or every bad row's line and reason.
pub fn parse(bytes: &[u8], latest: NaiveDate) -> Result<Vec<(Symbol, NaiveDate, Decimal)>, Vec<PriceRowError>> {
    let refuse = |message: &str| vec![PriceRowError { line: 1, message: message.to_string() }];
    let text = std::str::from_utf8(bytes).map_err(|_| refuse("The file is not UTF-8 text."))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| refuse("The header row cannot be read."))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(date_at), Some(symbol_at), Some(close_at)) = (column("date"), column("symbol"), column("close")) else {
        return Err(refuse("The first row must name the columns date, symbol and close."));
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<(Symbol, NaiveDate), usize> = std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(i + 2, |p| p.line() as usize);
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(vec![PriceRowError { line, message: format!("A prices file holds at most {MAX_ROWS} rows.") }]);
        }
        let Ok(record) = record else {
            errors.push(PriceRowError { line, message: "This row cannot be read as CSV.".into() });
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |at: usize| record.get(at).unwrap_or_default().trim();
        let row = (|| {
            let date = NaiveDate::parse_from_str(cell(date_at), "%Y-%m-%d")
                .map_err(|_| format!("“{}” is not a date as YYYY-MM-DD.", cell(date_at)))?;
            if date > latest {
                return Err(format!("{date} is in the future."));
            }
            if date < NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(date) {
                return Err("“date” must be in 1970 or later.".to_string());
            }
            let symbol = Symbol::parse(cell(symbol_at))?;
            let close = parse_decimal("close", cell(close_at)).map_err(|e| e.message)?;
            if close <= Decimal::ZERO || close > Decimal::from(100_000_000) {
                return Err("“close” must be a price greater than zero.".to_string());
            }
            Ok((symbol, date, close))
        })();
        match row {
            Ok(row) => match seen.insert((row.0.clone(), row.1), line) {
                Some(first) => errors.push(PriceRowError {
                    line,
                    message: format!("{} on {} is already on line {first}.", row.0, row.1),
                }),
                None => rows.push(row),
            },
            Err(message) => errors.push(PriceRowError { line, message }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(vec![PriceRowError { line: 2, message: "The file has no rows.".into() }]);
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// Rows grouped by symbol, each symbol's closes in file order.
pub fn by_symbol(
    rows: Vec<(Symbol, NaiveDate, Decimal)>,
) -> std::collections::BTreeMap<Symbol, Vec<(NaiveDate, Decimal)>> {
    let mut grouped: std::collections::BTreeMap<Symbol, Vec<(NaiveDate, Decimal)>> = Default::default();
    for (symbol, day, close) in rows {
        grouped.entry(symbol).or_default().push((day, close));
    }
    grouped
}

/// Imports a prices file for `user_id`, all or nothing, then rebuilds their history.
pub async fn import(state: &AppState, user_id: i64, bytes: &[u8]) -> Result<PricesImported, PricesRefused> {
    let latest = latest_allowed_date(state.clock.now());
    let rows = parse(bytes, latest).map_err(PricesRefused::Rows)?;
    let source = source_of(user_id);
    let count = rows.len();
    let by_symbol = by_symbol(rows);
    let mut tx = WriteTx::begin(&state.db).await.map_err(AppError::from)?;
    for (symbol, closes) in &by_symbol {
        super::store::save_closes(&mut tx, symbol, &source, closes).await?;
    }
    tx.commit().await.map_err(AppError::from)?;
    // The closes are in: a failed rebuild is logged, and the next page load or the
    // daily job brings the history up to date.
    if let Err(err) = state.portfolios.rebuild_all(state, user_id, state.clock.today()).await {
        tracing::warn!(user_id, error = %err, "the history was not rebuilt after a prices import");
    }
    let symbols: BTreeSet<String> = by_symbol.keys().map(|s| s.to_string()).collect();
    Ok(PricesImported { closes: count, symbols: symbols.into_iter().collect() })
}

/// Why a prices file was not imported.
#[derive(Debug)]
pub enum PricesRefused {
    Rows(Vec<PriceRowError>),
    Failed(AppError),
}

impl From<AppError> for PricesRefused {
    fn from(err: AppError) -> Self {
        PricesRefused::Failed(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const TODAY: &str = "2026-11-27";

    fn parsed(text: &str) -> Result<Vec<(Symbol, NaiveDate, Decimal)>, Vec<PriceRowError>> {
        parse(text.as_bytes(), NaiveDate::from_str(TODAY).unwrap())
    }

    #[test]
    fn rows_in_any_column_order_and_every_bad_row_by_line() {
        let rows = parsed("Symbol,Close,Date\nnvda,\"1,208.88\",2024-06-07\nSPY,521.3,2024-06-07\n").unwrap();
        assert_eq!(
            rows[0],
            (
                Symbol::parse("NVDA").unwrap(),
                NaiveDate::from_str("2024-06-07").unwrap(),
                Decimal::from_str("1208.88").unwrap()
            )
        );
        assert_eq!(rows.len(), 2);
        let errors = parsed("date,symbol,close\n2024-06-07,NVDA,0\n2024-13-01,NVDA,5\n2024-06-07,not a symbol,5\n2026-11-28,NVDA,5\n2024-06-07,NVDA,12,5\n1969-12-31,NVDA,5\n2024-06-07,nvda,13\n").unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7, 8], "{errors:?}");
        assert!(errors[5].message.contains("already on line 6"), "{errors:?}");
        assert!(errors[3].message.contains("future"), "{errors:?}");
        assert_eq!(parsed("when,what\n1,2\n").unwrap_err()[0].line, 1);
        assert!(parsed("date,symbol,close\n").is_err(), "an empty file is refused");
    }
}
