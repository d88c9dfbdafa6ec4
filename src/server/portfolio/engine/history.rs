//! The portfolio's daily history, built from the ledger and a price history (pure:
//! the closes are handed in, nothing is read or written here). One snapshot per
//! trading day: total value, cash, invested, market value, the day's external
//! flow, the benchmark's close.
//!
//! A trading day is a day with a benchmark close. Held symbols are valued at their
//! close that day, or the last close before it; a day on which some held symbol has
//! no price at all is skipped rather than valued wrongly. Deposits and withdrawals
//! on non-trading days count as flows of the next trading day.

use super::ledger::{Ledger, Rules};
use crate::model::{Activity, ActivityKind, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// One day of a portfolio's value history.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub date: NaiveDate,
    pub total_value: Decimal,
    pub cash: Decimal,
    pub invested: Decimal,
    pub market_value: Decimal,
    pub net_flow: Decimal,
    pub benchmark_close: Option<Decimal>,
}

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

    /// The last close strictly before `day`, with its date.
    pub fn close_before(&self, symbol: &Symbol, day: NaiveDate) -> Option<(NaiveDate, Decimal)> {
        self.closes.get(symbol)?.range(..day).next_back().map(|(d, c)| (*d, *c))
    }

    pub fn days_of(&self, symbol: &Symbol, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        self.closes.get(symbol).map_or_else(Vec::new, |c| c.range(from..=to).map(|(d, _)| *d).collect())
    }
}

/// Snapshots for every trading day from the first activity to `to` (pure).
pub fn build(activities: &[Activity], history: &PriceHistory, benchmark: &Symbol, to: NaiveDate) -> Vec<Snapshot> {
    let mut ordered: Vec<&Activity> = activities.iter().collect();
    ordered.sort_by_key(|a| a.replay_key());
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
    let trading_days = history.days_of(benchmark, first, to);
    for &day in &trading_days {
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
        if snapshots.is_empty()
            && let Some(base) = zero_base(history, benchmark, first, day, trading_days.first() == Some(&day))
        {
            snapshots.push(base);
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

/// The day before the first snapshot, when the history starts at the first
/// activity: worth zero, with no flow, at the benchmark's close of that day. It is
/// the base of the whole history (METRICS.md), so the first day's move counts
/// (r_1 = V_1 / F_1 − 1) and XIRR starts from the first deposit. Only when nothing
/// happened unseen: the first snapshot is the first trading day after the first
/// activity (`first_trading_day`) and the benchmark closed on the trading day
/// before it, within a week. Otherwise the first snapshot carries flows of days
/// without prices, and a zero base would credit their gains to one day.
fn zero_base(
    history: &PriceHistory,
    benchmark: &Symbol,
    first_activity: NaiveDate,
    first_snapshot: NaiveDate,
    first_trading_day: bool,
) -> Option<Snapshot> {
    let (date, close) = history.close_before(benchmark, first_snapshot)?;
    let continuous = date < first_activity && (first_snapshot - date).num_days() <= 7;
    (first_trading_day && continuous).then_some(Snapshot {
        date,
        total_value: Decimal::ZERO,
        cash: Decimal::ZERO,
        invested: Decimal::ZERO,
        market_value: Decimal::ZERO,
        net_flow: Decimal::ZERO,
        benchmark_close: Some(close),
    })
}

/// Updates the shares and cost held of `a`'s symbol after `a` was applied: a buy
/// adds its lot (quantity, quantity × price + fee, as the ledger costs it); a sell
/// takes away what its closed trade consumed (the ledger conserves lot cost
/// exactly, so the running sums equal the sums over the open lots).
fn track_holding(held: &mut HashMap<Symbol, (Decimal, Decimal)>, ledger: &Ledger, a: &Activity) {
    if let (ActivityKind::Split, Some(symbol)) = (a.kind, &a.symbol) {
        // A split changes the shares of the symbol's few lots, never their cost.
        if let Some(entry) = held.get_mut(symbol) {
            entry.0 = ledger.quantity_of(symbol);
        }
        return;
    }
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
    fn a_split_makes_no_jump_in_the_value_series_on_as_traded_closes() {
        // 10 NVDA at 1000; closes as traded: 1000, 1010, then 101 after a 10:1
        // split on day 3 (a 0 % move), 102 on day 4.
        let (spy, nvda) = (sym("SPY"), sym("NVDA"));
        let mut history = PriceHistory::default();
        for (n, close) in [(1, "1000"), (2, "1010"), (3, "101"), (4, "102")] {
            history.insert(&spy, day(n), d("100"));
            history.insert(&nvda, day(n), d(close));
        }
        let activities = vec![
            Activity { amount: Some(d("10000")), ..activity(1, ActivityKind::Deposit, 1) },
            Activity {
                symbol: Some(nvda.clone()),
                quantity: Some(d("10")),
                price: Some(d("1000")),
                ..activity(2, ActivityKind::Buy, 1)
            },
            Activity {
                symbol: Some(nvda.clone()),
                ratio: Some(crate::model::SplitRatio { numerator: d("10"), denominator: d("1") }),
                ..activity(3, ActivityKind::Split, 3)
            },
        ];
        let snaps = build(&activities, &history, &spy, day(4));
        let values: Vec<Decimal> = snaps.iter().filter(|s| s.date >= day(1)).map(|s| s.market_value).collect();
        assert_eq!(values, [d("10000"), d("10100"), d("10100"), d("10200")]);
        assert!(snaps.iter().all(|s| s.invested == d("10000") || s.total_value.is_zero()), "cost is kept");
    }

    #[test]
    fn a_history_that_starts_at_the_first_activity_has_a_zero_base_the_day_before() {
        let spy = sym("SPY");
        let deposit = |date| vec![Activity { amount: Some(d("1000")), ..activity(1, ActivityKind::Deposit, date) }];
        let mut history = PriceHistory::default();
        for n in [0, 1, 2, 3] {
            history.insert(&spy, day(n), Decimal::from(100 + n));
        }
        let snaps = build(&deposit(2), &history, &spy, day(3));
        let base = &snaps[0];
        assert_eq!((base.date, base.total_value, base.net_flow), (day(1), Decimal::ZERO, Decimal::ZERO));
        assert_eq!(base.benchmark_close, Some(d("101")), "the benchmark's close of the base day");
        assert_eq!((snaps[1].date, snaps[1].net_flow), (day(2), d("1000")));
        assert_eq!(snaps.len(), 3);

        // Closes with a gap of weeks before the first snapshot: flows of unseen
        // days would be credited to one day, so there is no zero base.
        let mut gappy = PriceHistory::default();
        gappy.insert(&spy, day(0), d("100"));
        gappy.insert(&spy, day(20), d("110"));
        let snaps = build(&deposit(5), &gappy, &spy, day(20));
        assert_eq!(snaps.iter().map(|s| s.date).collect::<Vec<_>>(), [day(20)]);

        // A held symbol without a price skips the first trading day: no zero base.
        let abc = sym("ABC");
        history.insert(&abc, day(3), d("10"));
        let mut ledger = deposit(2);
        ledger.push(Activity {
            symbol: Some(abc.clone()),
            quantity: Some(d("1")),
            price: Some(d("10")),
            ..activity(2, ActivityKind::Buy, 2)
        });
        let snaps = build(&ledger, &history, &spy, day(3));
        assert_eq!(snaps.iter().map(|s| s.date).collect::<Vec<_>>(), [day(3)]);
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
