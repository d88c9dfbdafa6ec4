//! CSV import: every row is checked (fields, symbols, duplicates of what is
//! already in the ledger, and the ledger's own rules with the new rows in place),
//! and the report says what would be added, what is a duplicate and what is wrong,
//! line by line. A dry run stops there; a real import writes every new row in one
//! transaction, or nothing when any row is bad.

use super::csv::{self as ledger_csv, FileError};
use super::{UNSAVED_ID, after_change, begin, check_symbols, commit, latest_date};
use crate::model::{Activity, Symbol};
use crate::server::error::AppError;
use crate::server::portfolio::engine::ledger::{Ledger, Rules};
use crate::server::portfolio::repo;
use crate::server::state::AppState;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};

/// Largest file accepted (the API and the page alike).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// A problem with one row (`line` 0: with the existing ledger as a whole).
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    pub line: usize,
    pub field: Option<&'static str>,
    pub code: &'static str,
    pub message: String,
}

/// What an import does (or, for a dry run, would do).
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Rows that would become new activities, with their lines.
    pub new: Vec<(usize, Activity)>,
    /// Rows equal to an activity already stored: (line, row, existing id).
    pub duplicates: Vec<(usize, Activity, i64)>,
    pub errors: Vec<RowError>,
}

/// What makes two activities the same entry: date, kind, symbol, quantity, price,
/// (for cash kinds, which have no quantity or price) amount, and a split's ratio.
type Key = (chrono::NaiveDate, &'static str, Option<Symbol>, [Option<Decimal>; 5]);

fn key(a: &Activity) -> Key {
    let n = |d: Option<Decimal>| d.map(|d| d.normalize());
    let ratio = (n(a.ratio.map(|r| r.numerator)), n(a.ratio.map(|r| r.denominator)));
    (a.date, a.kind.as_str(), a.symbol.clone(), [n(a.quantity), n(a.price), n(a.amount), ratio.0, ratio.1])
}

/// Sorts parsed rows into new, duplicate and failing, against `existing`. Pure.
pub fn plan(existing: &[Activity], rows: Vec<(usize, Activity)>, mut errors: Vec<RowError>) -> Plan {
    // Each stored activity can absorb one identical row: a file with three equal
    // buys against a ledger with two adds one.
    let mut stored: HashMap<Key, Vec<i64>> = HashMap::new();
    for a in existing {
        stored.entry(key(a)).or_default().push(a.id);
    }
    let mut plan = Plan::default();
    let mut candidates = Vec::new();
    for (line, activity) in rows {
        match stored.get_mut(&key(&activity)).and_then(Vec::pop) {
            Some(id) => plan.duplicates.push((line, activity, id)),
            None => candidates.push((line, activity)),
        }
    }
    // Replay the ledger with the new rows after the stored ones of their day (in
    // file order); a row that breaks a rule is reported and left out, so the rows
    // after it are still checked against a ledger that makes sense.
    let base = UNSAVED_ID - candidates.len() as i64;
    let mut merged: Vec<Activity> = existing.to_vec();
    let mut line_of: HashMap<i64, usize> = HashMap::new();
    for (i, (line, activity)) in candidates.iter().enumerate() {
        let mut a = activity.clone();
        a.id = base + i as i64;
        line_of.insert(a.id, *line);
        merged.push(a);
    }
    merged.sort_by_key(|a| a.replay_key());
    let mut ledger = Ledger::default();
    let mut rejected: BTreeSet<i64> = BTreeSet::new();
    for a in &merged {
        if let Err(err) = ledger.apply(a, Rules::default()) {
            match line_of.get(&a.id) {
                Some(line) => {
                    errors.push(RowError { line: *line, field: None, code: err.code, message: err.message });
                    rejected.insert(a.id);
                }
                None => errors.push(RowError {
                    line: 0,
                    field: None,
                    code: err.code,
                    message: format!(
                        "The new rows would break your existing {} of {}: {}",
                        a.kind.as_str(),
                        a.date,
                        err.message
                    ),
                }),
            }
        }
    }
    plan.new = candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !rejected.contains(&(base + *i as i64)))
        .map(|(_, row)| row)
        .collect();
    errors.sort_by_key(|e| e.line);
    plan.errors = errors;
    plan
}

impl From<FileError> for AppError {
    fn from(err: FileError) -> Self {
        AppError::validation(err.code, err.message)
    }
}

/// Reads the file and checks every row's fields and symbols.
async fn parse_rows(
    state: &AppState,
    user_id: i64,
    bytes: &[u8],
) -> Result<(Vec<(usize, Activity)>, Vec<RowError>, usize), AppError> {
    let rows = ledger_csv::read(bytes)?;
    let total = rows.len();
    let latest = latest_date(state);
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        match row {
            Err((line, message)) => errors.push(RowError { line, field: None, code: "invalid_row", message }),
            Ok(row) => match row.draft.parse(latest) {
                Ok(activity) => parsed.push((row.line, activity)),
                Err(e) => {
                    errors.push(RowError { line: row.line, field: Some(e.field), code: e.code, message: e.message })
                }
            },
        }
    }
    // Each new symbol is checked once; its rows fail together if it is unknown.
    let bad_symbols = refused_symbols(state, user_id, parsed.iter().filter_map(|(_, a)| a.symbol.clone())).await?;
    parsed.retain(|(line, a)| match a.symbol.as_ref().and_then(|s| bad_symbols.get(s)) {
        Some(err) => {
            errors.push(RowError { line: *line, field: Some("symbol"), code: err.code, message: err.message.clone() });
            false
        }
        None => true,
    });
    Ok((parsed, errors, total))
}

/// The symbols among `symbols` that the person's ledger does not hold yet and that
/// cannot be used, each with why: unknown to the market data, or past this
/// person's share of checks. Each is checked once.
pub(super) async fn refused_symbols(
    state: &AppState,
    user_id: i64,
    symbols: impl Iterator<Item = Symbol>,
) -> Result<HashMap<Symbol, AppError>, AppError> {
    let held = repo::symbols(&state.db, user_id).await?;
    let mut refused: HashMap<Symbol, AppError> = HashMap::new();
    let new_symbols: BTreeSet<Symbol> = symbols.filter(|s| !held.contains(s)).collect();
    for symbol in new_symbols {
        // A symbol the market data has cached costs nothing upstream; any other
        // comes out of this person's share of the budget.
        if state.market.cached_fetched_at(&symbol).await.is_none()
            && let Err(wait) = state.symbol_checks.take(user_id, std::time::Instant::now())
        {
            refused.insert(symbol, over_share(state, wait));
            continue;
        }
        if let Err((symbol, err)) = check_symbols(state, [symbol], &held).await {
            refused.insert(symbol, err);
        }
    }
    Ok(refused)
}

fn over_share(state: &AppState, wait: u64) -> AppError {
    let budget = &state.symbol_checks;
    let message = format!(
        "Not checked yet: one person may check {} symbols new to Folio every {} minutes, so market data stays \
         available for everyone. Import again in {} minutes to check the rest.",
        budget.max(),
        budget.window().as_secs() / 60,
        wait.div_ceil(60)
    );
    AppError::too_many_requests(message, wait)
}

/// The outcome of an import request.
pub struct Outcome {
    pub rows: usize,
    pub plan: Plan,
    pub written: bool,
}

/// What a report of an outcome shows, for every front door alike: complete
/// counts, and the first `listed` rows of each list.
pub struct Listing<'a> {
    pub rows: usize,
    pub new_count: usize,
    pub duplicate_count: usize,
    pub error_count: usize,
    pub new: &'a [(usize, Activity)],
    pub duplicates: &'a [(usize, Activity, i64)],
    pub errors: &'a [RowError],
}

impl Outcome {
    pub fn listing(&self, listed: usize) -> Listing<'_> {
        let plan = &self.plan;
        Listing {
            rows: self.rows,
            new_count: plan.new.len(),
            duplicate_count: plan.duplicates.len(),
            error_count: plan.errors.len(),
            new: &plan.new[..plan.new.len().min(listed)],
            duplicates: &plan.duplicates[..plan.duplicates.len().min(listed)],
            errors: &plan.errors[..plan.errors.len().min(listed)],
        }
    }
}

/// Checks `bytes` and, unless `dry_run`, writes the new rows all at once. A real
/// import with any bad row writes nothing and answers with the report (422).
pub async fn run(
    state: &AppState,
    user_id: i64,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Outcome, (AppError, Option<Outcome>)> {
    let (parsed, errors, rows) = parse_rows(state, user_id, bytes).await.map_err(|e| (e, None))?;
    if dry_run {
        let existing = repo::activities(&state.db, user_id).await.map_err(|e| (e, None))?;
        return Ok(Outcome { rows, plan: plan(&existing, parsed, errors), written: false });
    }
    let (mut tx, existing) = begin(state, user_id).await.map_err(|e| (e, None))?;
    let plan = plan(&existing, parsed, errors);
    if !plan.errors.is_empty() {
        let count = plan.errors.len();
        let err = AppError::validation(
            "import_rejected",
            format!("Nothing was imported: {count} row{} cannot be used.", if count == 1 { "" } else { "s" }),
        );
        return Err((err, Some(Outcome { rows, plan, written: false })));
    }
    let Some(earliest) = plan.new.iter().map(|(_, a)| a.date).min() else {
        return Ok(Outcome { rows, plan, written: false });
    };
    let new: Vec<Activity> = plan.new.iter().map(|(_, a)| a.clone()).collect();
    repo::insert_activities(&mut tx, user_id, &new).await.map_err(|e| (e, None))?;
    commit(tx, user_id, earliest).await.map_err(|e| (e, None))?;
    after_change(state, user_id).await;
    Ok(Outcome { rows, plan, written: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ActivityKind;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(n: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 3, n).unwrap()
    }

    fn deposit(id: i64, n: u32, amount: &str) -> Activity {
        Activity { amount: Some(d(amount)), ..Activity::new(id, ActivityKind::Deposit, day(n)) }
    }

    fn trade(id: i64, kind: ActivityKind, n: u32, quantity: &str, price: &str) -> Activity {
        Activity {
            symbol: Some(Symbol::parse("AAPL").unwrap()),
            quantity: Some(d(quantity)),
            price: Some(d(price)),
            ..Activity::new(id, kind, day(n))
        }
    }

    #[test]
    fn duplicates_new_rows_and_broken_rows_are_told_apart() {
        let existing = vec![deposit(1, 2, "1000"), trade(2, ActivityKind::Buy, 3, "5", "100")];
        let rows = vec![
            (2, deposit(0, 2, "1000.00")),                   // same as #1
            (3, trade(0, ActivityKind::Buy, 4, "2", "100")), // new
            (4, trade(0, ActivityKind::Sell, 5, "50", "1")), // oversell
            (5, trade(0, ActivityKind::Sell, 6, "7", "1")),  // fine: 5 + 2 held
        ];
        let plan = plan(&existing, rows, vec![]);
        assert_eq!(plan.duplicates.iter().map(|(l, _, id)| (*l, *id)).collect::<Vec<_>>(), vec![(2, 1)]);
        assert_eq!(plan.new.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(plan.errors.len(), 1);
        assert_eq!((plan.errors[0].line, plan.errors[0].code), (4, "oversell"));
    }

    #[test]
    fn each_stored_activity_absorbs_one_identical_row() {
        let existing = vec![deposit(1, 2, "10"), deposit(2, 2, "10")];
        let rows = (2..5).map(|line| (line, deposit(0, 2, "10"))).collect();
        let plan = plan(&existing, rows, vec![]);
        assert_eq!(plan.duplicates.len(), 2);
        assert_eq!(plan.new.len(), 1);
    }

    #[test]
    fn new_rows_that_break_a_stored_activity_are_reported_on_line_zero() {
        let existing = vec![deposit(1, 2, "1000"), trade(2, ActivityKind::Buy, 5, "5", "100")];
        let withdrawal = Activity { amount: Some(d("900")), ..Activity::new(0, ActivityKind::Withdrawal, day(3)) };
        let plan = plan(&existing, vec![(2, withdrawal)], vec![]);
        assert_eq!(plan.errors.len(), 1);
        assert_eq!((plan.errors[0].line, plan.errors[0].code), (0, "overdraw"));
        assert!(plan.errors[0].message.contains("existing buy of 2026-03-05"), "{}", plan.errors[0].message);
    }
}
