//! Backfill: a ledger that starts before Folio's own records (an import of three
//! years of trades) gets its price history fetched, so its chart and risk figures
//! are there on day one instead of weeks later.
//!
//! One background job for the whole server. It wakes after every ledger write and
//! hourly, works out what each symbol needs (back to the earliest activity that
//! names it; the benchmark back to the earliest activity of anyone), and fetches
//! each missing span in one call per symbol through the configured source (its own
//! polite rate limit and the Finnhub budget apply). The closes are stored with
//! their source, then the histories of the users who hold those symbols are rebuilt
//! from the start. A failure is kept per symbol with its reason and tried again
//! later, backing off; the closes already stored are never touched by a failure.
//!
//! While a person's symbols are being fetched, their dashboard says so ("Loading
//! price history: 5 of 12 symbols") rather than "not enough history".

use super::repo;
use crate::model::{Activity, HistoryProgress, SplitSuggestion, Symbol};
use crate::server::db::Db;
use crate::server::error::AppError;
use crate::server::market::MarketError;
use crate::server::market::history::{HistorySources, store};
use crate::server::state::AppState;
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// The first retry after a failure; doubled for each failure after it.
const FIRST_RETRY: i64 = 5 * 60;
const LONGEST_RETRY: i64 = 6 * 3600;

/// The job's handle: its sources, what wakes it, and what it is doing.
pub struct Backfill {
    pub sources: HistorySources,
    wake: Notify,
    /// The symbols the running pass still has to fetch (empty when idle).
    pending: Mutex<BTreeSet<Symbol>>,
    /// The coverage table as the last pass left it, so a page asks no query.
    known: Mutex<BTreeMap<Symbol, store::Coverage>>,
    /// The splits the sources reported, as the last pass left them.
    reported: Mutex<Vec<SplitSuggestion>>,
}

/// What one pass did.
#[derive(Debug, Default, PartialEq)]
pub struct Pass {
    pub fetched: Vec<Symbol>,
    pub failed: Vec<(Symbol, String)>,
    pub rebuilt_users: usize,
}

impl Backfill {
    pub fn new(sources: HistorySources) -> Self {
        Self {
            sources,
            wake: Notify::new(),
            pending: Mutex::default(),
            known: Mutex::default(),
            reported: Mutex::default(),
        }
    }

    /// Asks the job to look again soon (after a ledger write or an import).
    pub fn wake(&self) {
        if self.sources.is_enabled() {
            self.wake.notify_one();
        }
    }

    fn pending(&self) -> BTreeSet<Symbol> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_pending(&self, symbols: BTreeSet<Symbol>) {
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = symbols;
    }

    fn done_with(&self, symbol: &Symbol, coverage: store::Coverage) {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(symbol);
        self.known.lock().unwrap_or_else(|p| p.into_inner()).insert(symbol.clone(), coverage);
    }

    fn known(&self) -> BTreeMap<Symbol, store::Coverage> {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The cluster lock key of a backfill pass (`cluster::one_at_a_time`).
const BACKFILL_TURN: i32 = 3;

/// Starts the job (nothing to start without a history source).
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.backfill.sources.is_enabled() {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            // Several instances on one database take turns: a pass works out what
            // is missing when its turn comes, so no span is fetched twice.
            match crate::server::cluster::one_at_a_time(&state.db, BACKFILL_TURN).await {
                Ok(turn) => {
                    if let Err(err) = run_once(&state).await {
                        tracing::warn!(error = %err, "history backfill pass failed");
                    }
                    drop(turn);
                }
                Err(err) => tracing::warn!(error = %err, "history backfill could not take its turn"),
            }
            let _ = tokio::time::timeout(Duration::from_secs(3600), state.backfill.wake.notified()).await;
        }
    }))
}

/// How far back each symbol named in any ledger needs closes, and the benchmark
/// back to the earliest activity of all.
async fn needs(db: &Db, benchmark: &Symbol) -> Result<BTreeMap<Symbol, NaiveDate>, AppError> {
    let rows = sqlx::query("SELECT symbol, MIN(day) AS first FROM activities WHERE symbol IS NOT NULL GROUP BY symbol")
        .fetch_all(&db.pool)
        .await?;
    let mut needs: BTreeMap<Symbol, NaiveDate> = rows
        .iter()
        .filter_map(|row| {
            let symbol = Symbol::parse(&row.try_get::<String, _>("symbol").ok()?).ok()?;
            let first = NaiveDate::from_str(&row.try_get::<String, _>("first").ok()?).ok()?;
            Some((symbol, first))
        })
        .collect();
    let earliest: Option<String> =
        sqlx::query_scalar("SELECT MIN(day) FROM activities").fetch_one(&db.pool).await.ok().flatten();
    if let Some(first) = earliest.and_then(|d| NaiveDate::from_str(&d).ok()) {
        let entry = needs.entry(benchmark.clone()).or_insert(first);
        *entry = (*entry).min(first);
    }
    // A few days before the first activity, so a trade on a holiday finds a close.
    Ok(needs.into_iter().map(|(symbol, first)| (symbol, first - chrono::Duration::days(10))).collect())
}

/// One pass: fetches every missing span that is due, then rebuilds the histories
/// of the users who hold a fetched symbol (everyone's, if it was the benchmark).
pub async fn run_once(state: &AppState) -> Result<Pass, AppError> {
    let backfill = &state.backfill;
    if !backfill.sources.is_enabled() {
        return Ok(Pass::default());
    }
    let today = state.clock.today();
    let now = state.clock.now().timestamp();
    let benchmark = state.market.settings.benchmark.clone();
    let coverage = store::coverage(&state.db).await?;
    *backfill.known.lock().unwrap_or_else(|p| p.into_inner()) = coverage.clone();
    let due: Vec<(Symbol, NaiveDate)> = needs(&state.db, &benchmark)
        .await?
        .into_iter()
        .filter(|(symbol, from)| {
            let known = coverage.get(symbol).cloned().unwrap_or_default();
            !known.reaches(*from) && known.retry_at <= now
        })
        .collect();
    backfill.set_pending(due.iter().map(|(symbol, _)| symbol.clone()).collect());
    let mut pass = Pass::default();
    // Closes of finished days only: during the session a source's bar for today is
    // the live price, and a stored close is never fetched again.
    let until = today.pred_opt().unwrap_or(today);
    for (symbol, from) in due {
        // The whole span in one call: the days already recorded are overwritten by
        // the source's official closes, which rank above them anyway.
        let fetched = match backfill.sources.fetch(&symbol, from, until).await {
            Ok((history, source)) => {
                keep(state, &symbol, source, &history, from, until).await.map(|()| Some((history, source)))
            }
            // No source has the symbol (delisted, or only in the person's prices
            // file): asked and answered, so it counts as covered, with no closes.
            Err(MarketError::NotFound(_)) => {
                tracing::info!(%symbol, "no history source knows the symbol");
                keep(state, &symbol, "none", &Default::default(), from, until).await.map(|()| None)
            }
            Err(err) => Err(err.to_string()),
        };
        match fetched {
            Ok(history) => {
                if let Some((history, source)) = &history {
                    tracing::info!(%symbol, source, closes = history.closes.len(), "price history fetched");
                    pass.fetched.push(symbol.clone());
                }
                let before = coverage.get(&symbol).and_then(|c| c.covered_from).unwrap_or(from);
                let covered = store::Coverage {
                    covered_from: Some(before.min(from)),
                    covered_to: Some(until),
                    source: history.map(|(_, source)| source.to_string()),
                    ..Default::default()
                };
                backfill.done_with(&symbol, covered);
            }
            Err(problem) => {
                let failures = coverage.get(&symbol).map_or(0, |c| c.failures);
                let wait = (FIRST_RETRY << failures.clamp(0, 12)).min(LONGEST_RETRY);
                if let Err(err) = store::failed(&state.db, &symbol, &problem, now + wait).await {
                    tracing::warn!(%symbol, error = %err, "a history failure could not be recorded");
                }
                tracing::warn!(%symbol, error = %problem, retry_in_s = wait, "price history could not be fetched");
                pass.failed.push((symbol.clone(), problem.clone()));
                let mut known = coverage.get(&symbol).cloned().unwrap_or_default();
                (known.problem, known.failures, known.retry_at) = (Some(problem), failures + 1, now + wait);
                backfill.done_with(&symbol, known);
            }
        }
    }
    backfill.set_pending(BTreeSet::new());
    *backfill.reported.lock().unwrap_or_else(|p| p.into_inner()) = store::all_reported_splits(&state.db).await?;
    if !pass.fetched.is_empty() {
        pass.rebuilt_users = rebuild_holders(state, &pass.fetched, pass.fetched.contains(&benchmark), today).await?;
    }
    Ok(pass)
}

/// Stores one fetch (closes, reported splits, coverage) in one transaction; a
/// database failure is a failure of that symbol's fetch, tried again later.
async fn keep(
    state: &AppState,
    symbol: &Symbol,
    source: &str,
    history: &crate::server::market::history::DailyHistory,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<(), String> {
    let stored = async {
        let mut tx = crate::server::db::WriteTx::begin(&state.db).await?;
        store::save_closes(&mut tx, symbol, source, &history.closes).await?;
        store::save_splits(&mut tx, symbol, source, &history.splits).await?;
        store::covered(&mut tx, symbol, source, from, until).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    stored.await.map_err(|err| format!("the fetched history could not be stored ({})", err.message))
}

/// Rebuilds from the start the histories of users whose ledgers name `symbols`.
async fn rebuild_holders(
    state: &AppState,
    symbols: &[Symbol],
    everyone: bool,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let users = repo::users_with_activities(&state.db).await?;
    let mut rebuilt = 0;
    for user_id in users {
        if !everyone {
            let held = repo::symbols(&state.db, user_id).await?;
            if !symbols.iter().any(|s| held.contains(s)) {
                continue;
            }
        }
        match state.portfolios.rebuild_all(state, user_id, today).await {
            Ok(()) => rebuilt += 1,
            Err(err) => tracing::warn!(user_id, error = %err, "history not rebuilt after a backfill"),
        }
    }
    Ok(rebuilt)
}

/// The splits of symbols the person held that their ledger lacks (from the
/// sources' reports as the last pass left them; no database read).
pub fn split_suggestions(state: &AppState, activities: &[Activity]) -> Vec<SplitSuggestion> {
    let reported = state.backfill.reported.lock().unwrap_or_else(|p| p.into_inner()).clone();
    super::engine::splits::missing(activities, &reported)
}

/// Where a person's price history stands, when it is not simply complete: how
/// many of their symbols (and the benchmark) have closes back to their first
/// activity, and why any could not be fetched. `None` when there is nothing to say.
/// Reads no database: the coverage comes from the job's last pass.
pub fn progress(state: &AppState, activities: &[Activity]) -> Option<HistoryProgress> {
    if !state.backfill.sources.is_enabled() {
        return None;
    }
    let first = activities.iter().map(|a| a.date).min()?;
    let mut wanted: BTreeMap<Symbol, NaiveDate> = BTreeMap::new();
    for a in activities {
        if let Some(symbol) = &a.symbol {
            let entry = wanted.entry(symbol.clone()).or_insert(a.date);
            *entry = (*entry).min(a.date);
        }
    }
    wanted.insert(state.market.settings.benchmark.clone(), first);
    let coverage = state.backfill.known();
    let pending = state.backfill.pending();
    let mut done = 0;
    let mut failures = Vec::new();
    for (symbol, from) in &wanted {
        let known = coverage.get(symbol).cloned().unwrap_or_default();
        if known.reaches(*from - chrono::Duration::days(10)) {
            done += 1;
        } else if let (Some(problem), false) = (&known.problem, pending.contains(symbol)) {
            failures.push((symbol.to_string(), problem.clone()));
        }
    }
    let total = wanted.len();
    (done < total).then_some(HistoryProgress { done, total, failures })
}
