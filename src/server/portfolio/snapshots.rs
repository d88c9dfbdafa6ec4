//! The portfolio's daily history: one snapshot per user per trading day (total
//! value, cash, invested, market value, the day's external flow, the benchmark's
//! close), rebuilt from the ledger and our price history.
//!
//! A trading day is a day with a benchmark close. Held symbols are valued at their
//! close that day, or the last close before it; a day on which some held symbol has
//! no price at all is skipped rather than valued wrongly. Deposits and withdrawals
//! on non-trading days count as flows of the next trading day. Writing is an upsert,
//! so running it again changes nothing.

use super::ledger::{Ledger, Rules};
use super::repo::{self, Snapshot};
use crate::model::{Activity, ActivityKind, PriceSource, Symbol};
use crate::server::db::WriteTx;
use crate::server::error::AppError;
use crate::server::market::{demo, store};
use crate::server::state::AppState;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Closes per symbol per day.
#[derive(Default)]
pub struct PriceHistory {
    closes: HashMap<Symbol, BTreeMap<NaiveDate, Decimal>>,
}

impl PriceHistory {
    pub fn insert(&mut self, symbol: &Symbol, day: NaiveDate, close: Decimal) {
        self.closes.entry(symbol.clone()).or_default().insert(day, close);
    }

    /// The close on `day`, or the last one before it.
    pub fn close_on_or_before(&self, symbol: &Symbol, day: NaiveDate) -> Option<Decimal> {
        self.closes.get(symbol)?.range(..=day).next_back().map(|(_, c)| *c)
    }

    pub fn days_of(&self, symbol: &Symbol, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        self.closes.get(symbol).map_or_else(Vec::new, |c| c.range(from..=to).map(|(d, _)| *d).collect())
    }
}

/// Snapshots for every trading day from the first activity to `to` (pure).
pub fn build(activities: &[Activity], history: &PriceHistory, benchmark: &Symbol, to: NaiveDate) -> Vec<Snapshot> {
    let mut ordered: Vec<&Activity> = activities.iter().collect();
    ordered.sort_by_key(|a| (a.date, a.id));
    let Some(first) = ordered.first().map(|a| a.date) else {
        return Vec::new();
    };
    let mut ledger = Ledger::default();
    // Shares and cost held per symbol, kept up to date activity by activity: the
    // ledger's own sums walk every open lot, which made a long ledger's history
    // quadratic (a 50,000-activity account spent a second in them).
    let mut held: HashMap<Symbol, (Decimal, Decimal)> = HashMap::new();
    let mut next = 0;
    let mut snapshots = Vec::new();
    let mut pending_flow = Decimal::ZERO;
    for day in history.days_of(benchmark, first, to) {
        while next < ordered.len() && ordered[next].date <= day {
            let a = ordered[next];
            let before = ledger.net_contributions();
            // Stored ledgers were validated when written; an entry that does not
            // apply any more is skipped here rather than stopping the history.
            if ledger.apply(a, Rules { allow_margin: true }).is_ok() {
                track_holding(&mut held, &ledger, a);
            }
            pending_flow += ledger.net_contributions() - before;
            next += 1;
        }
        let mut market_value = Decimal::ZERO;
        let mut priced = true;
        for symbol in ledger.lots.keys() {
            match history.close_on_or_before(symbol, day) {
                Some(close) => market_value += held.get(symbol).map_or(Decimal::ZERO, |h| h.0) * close,
                None => priced = false,
            }
        }
        if !priced {
            continue;
        }
        snapshots.push(Snapshot {
            date: day,
            total_value: ledger.cash + market_value,
            cash: ledger.cash,
            invested: held.values().map(|h| h.1).sum(),
            market_value,
            net_flow: pending_flow,
            benchmark_close: history.close_on_or_before(benchmark, day),
        });
        pending_flow = Decimal::ZERO;
    }
    snapshots
}

/// Updates the shares and cost held of `a`'s symbol after `a` was applied: a buy
/// adds its lot (quantity, quantity × price + fee, as the ledger costs it); a sell
/// takes away what its closed trade consumed (the ledger conserves lot cost
/// exactly, so the running sums equal the sums over the open lots).
fn track_holding(held: &mut HashMap<Symbol, (Decimal, Decimal)>, ledger: &Ledger, a: &Activity) {
    let (Some(symbol), Some(quantity)) = (&a.symbol, a.quantity) else { return };
    match a.kind {
        ActivityKind::Buy => {
            let entry = held.entry(symbol.clone()).or_default();
            entry.0 += quantity;
            entry.1 += quantity * a.price.unwrap_or_default() + a.fee;
        }
        ActivityKind::Sell => {
            if let Some(trade) = ledger.closed.last() {
                let entry = held.entry(symbol.clone()).or_default();
                entry.0 -= trade.quantity;
                entry.1 -= trade.cost;
                if !ledger.lots.contains_key(symbol) {
                    held.remove(symbol);
                }
            }
        }
        _ => {}
    }
}

/// The price history the configured provider has: simulated for demo prices, the
/// recorded daily closes for Finnhub.
async fn history_for(
    state: &AppState,
    symbols: &[Symbol],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PriceHistory, AppError> {
    let mut history = PriceHistory::default();
    for symbol in symbols {
        match state.market.source() {
            PriceSource::Demo => {
                for (day, close) in demo::DemoMarket::history(symbol, from, to).unwrap_or_default() {
                    history.insert(symbol, day, close);
                }
            }
            PriceSource::Finnhub => {
                for (day, close) in store::closes_since(&state.db, symbol, PriceSource::Finnhub, from).await? {
                    history.insert(symbol, day, close);
                }
            }
        }
    }
    Ok(history)
}

/// Writes every snapshot from the first activity to `to`; returns how many.
pub async fn rebuild(state: &AppState, user_id: i64, to: NaiveDate) -> Result<usize, AppError> {
    rebuild_from(state, user_id, None, to).await
}

/// Brings the history up to `today` if it stops short: rewrites from the newest
/// stored snapshot on (that day may have been written before its close).
pub async fn ensure_current(state: &AppState, user_id: i64, today: NaiveDate) -> Result<(), AppError> {
    match repo::last_snapshot_date(&state.db, user_id).await? {
        Some(last) if last >= today => Ok(()),
        last => rebuild_from(state, user_id, last, today).await.map(|_| ()),
    }
}

/// The daily job: keeps every user's history current. Hourly, so the first run
/// after the close records the day; idempotent, so the other runs change nothing.
pub fn spawn_daily(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            ticker.tick().await;
            keep_every_history_current(&state).await;
        }
    })
}

/// One run of the daily job: brings every history up to the clock's today; a
/// failure for one user is logged and the others go on.
pub async fn keep_every_history_current(state: &AppState) {
    let today = state.clock.today();
    let users = match repo::users_with_activities(&state.db).await {
        Ok(users) => users,
        Err(err) => {
            tracing::warn!(error = %err, "snapshot job: cannot list users");
            return;
        }
    };
    for user_id in users {
        if let Err(err) = state.portfolios.ensure_current(state, user_id, today).await {
            tracing::warn!(user_id, error = %err, "snapshot job failed for a user");
        }
    }
}

/// Builds the whole history in memory (replay is cheap) and writes the days from
/// `from` on (all of them when `None`); returns how many it wrote.
///
/// The history is built outside any transaction (reading prices, replaying), then
/// written in one that first takes the user's row, as ledger writes do: a rebuild
/// and a write for one user take their locks in the same order, so they queue
/// instead of deadlocking, and no database lock is held while prices are read.
/// Under that lock the ledger version is checked: if a write came in since the
/// ledger was read, nothing is written (that write rebuilds after it commits).
/// Days that come out as they are stored are not written again, and then the
/// history version is not bumped either, so the hourly job on a day without a new
/// close does not make every process read every history again. Readers see the
/// old history or the new one, never half of each.
pub async fn rebuild_from(
    state: &AppState,
    user_id: i64,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<usize, AppError> {
    let read_version = super::state::read_key(&state.db, user_id).await?.ledger_version;
    let activities = repo::activities(&state.db, user_id).await?;
    let Some(first) = activities.iter().map(|a| a.date).min() else {
        return Ok(0);
    };
    let mut symbols: Vec<Symbol> = activities.iter().filter_map(|a| a.symbol.clone()).collect();
    let benchmark = state.market.settings.benchmark.clone();
    symbols.push(benchmark.clone());
    symbols.sort();
    symbols.dedup();
    // Closes from a few days before the first activity let a position opened on a
    // holiday be valued at the last close.
    let history = history_for(state, &symbols, first - chrono::Duration::days(10), to).await?;
    state.metrics.history_rebuilds.inc();
    let built: Vec<Snapshot> =
        build(&activities, &history, &benchmark, to).into_iter().filter(|s| from.is_none_or(|f| s.date >= f)).collect();
    if repo::snapshots(&state.db, user_id, from.unwrap_or(NaiveDate::MIN)).await? == built {
        return Ok(0);
    }
    let mut tx = WriteTx::begin(&state.db).await?;
    let version: i64 = sqlx::query_scalar(
        "UPDATE users SET history_version = history_version + 1 WHERE id = $1 RETURNING ledger_version",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if version != read_version {
        tx.rollback().await?;
        return Ok(0);
    }
    for snapshot in &built {
        repo::upsert_snapshot(&mut *tx, user_id, snapshot).await?;
    }
    tx.commit().await?;
    Ok(built.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ActivityKind;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + chrono::Duration::days(n)
    }

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    fn activity(id: i64, kind: ActivityKind, date: i64) -> Activity {
        Activity::new(id, kind, day(date))
    }

    #[test]
    fn snapshots_follow_trading_days_and_carry_flows_forward() {
        let (spy, abc) = (sym("SPY"), sym("ABC"));
        let mut history = PriceHistory::default();
        for (n, close) in [(1, "100"), (2, "101"), (3, "102"), (5, "103")] {
            history.insert(&spy, day(n), d(close));
        }
        history.insert(&abc, day(2), d("10"));
        history.insert(&abc, day(5), d("12"));
        let activities = vec![
            Activity { amount: Some(d("1000")), ..activity(1, ActivityKind::Deposit, 0) },
            Activity {
                symbol: Some(abc.clone()),
                quantity: Some(d("10")),
                price: Some(d("10")),
                ..activity(2, ActivityKind::Buy, 2)
            },
            Activity { amount: Some(d("50")), ..activity(3, ActivityKind::Withdrawal, 4) },
        ];
        let snaps = build(&activities, &history, &spy, day(5));
        let days: Vec<NaiveDate> = snaps.iter().map(|s| s.date).collect();
        assert_eq!(days, [day(1), day(2), day(3), day(5)], "day 0 and day 4 have no benchmark close");
        assert_eq!(snaps[0].net_flow, d("1000"), "the weekend deposit counts on the next trading day");
        assert_eq!(snaps[0].total_value, d("1000"));
        assert_eq!((snaps[1].market_value, snaps[1].cash, snaps[1].invested), (d("100"), d("900"), d("100")));
        assert_eq!(snaps[2].market_value, d("100"), "no close on day 3: the last one (day 2) is used");
        assert_eq!(snaps[3].net_flow, d("-50"));
        assert_eq!(snaps[3].total_value, d("850") + d("120"));
        assert_eq!(snaps[3].benchmark_close, Some(d("103")));
    }

    #[test]
    fn running_holdings_equal_the_sums_over_open_lots_through_partial_sells() {
        let (spy, abc, xyz) = (sym("SPY"), sym("ABC"), sym("XYZ"));
        let mut history = PriceHistory::default();
        for n in 0..40 {
            history.insert(&spy, day(n), d("100"));
            history.insert(&abc, day(n), Decimal::from(10 + n % 3));
            history.insert(&xyz, day(n), Decimal::from(7 + n % 5));
        }
        let mut activities = vec![Activity { amount: Some(d("100000")), ..activity(1, ActivityKind::Deposit, 0) }];
        for n in 1..36i64 {
            let (kind, symbol, quantity) = match n % 4 {
                0 => (ActivityKind::Sell, &abc, "1.5"),
                1 => (ActivityKind::Buy, &abc, "3"),
                2 => (ActivityKind::Buy, &xyz, "2.25"),
                _ => (ActivityKind::Sell, &xyz, "0.75"),
            };
            activities.push(Activity {
                symbol: Some(symbol.clone()),
                quantity: Some(d(quantity)),
                price: Some(Decimal::from(9 + n % 7) / d("3")),
                fee: d("0.35"),
                ..activity(n + 1, kind, n)
            });
        }
        let snaps = build(&activities, &history, &spy, day(39));
        assert_eq!(snaps.len(), 40);
        for snap in &snaps {
            let upto: Vec<Activity> = activities.iter().filter(|a| a.date <= snap.date).cloned().collect();
            let ledger = Ledger::replay(&upto, Rules { allow_margin: true }).unwrap();
            let market: Decimal = ledger
                .lots
                .keys()
                .map(|s| ledger.quantity_of(s) * history.close_on_or_before(s, snap.date).unwrap())
                .sum();
            assert_eq!((snap.invested, snap.market_value), (ledger.invested(), market), "{}", snap.date);
        }
    }

    #[test]
    fn a_day_with_an_unpriced_holding_is_skipped() {
        let (spy, xyz) = (sym("SPY"), sym("XYZ"));
        let mut history = PriceHistory::default();
        history.insert(&spy, day(1), d("100"));
        history.insert(&spy, day(2), d("100"));
        history.insert(&xyz, day(2), d("5"));
        let activities = vec![
            Activity { amount: Some(d("100")), ..activity(1, ActivityKind::Deposit, 1) },
            Activity {
                symbol: Some(xyz),
                quantity: Some(d("1")),
                price: Some(d("5")),
                ..activity(2, ActivityKind::Buy, 1)
            },
        ];
        let snaps = build(&activities, &history, &spy, day(2));
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].date, day(2));
        assert_eq!(snaps[0].net_flow, d("100"), "the skipped day's flow is not lost");
    }
}
