//! Hand-worked ledgers and properties that must hold for every valid ledger.

use super::*;
use proptest::prelude::*;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn sym(s: &str) -> Symbol {
    Symbol::parse(s).unwrap()
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i64::from(n))
}

fn cash(id: i64, kind: ActivityKind, date: u32, amount: &str) -> Activity {
    Activity {
        id,
        kind,
        date: day(date),
        symbol: None,
        quantity: None,
        price: None,
        amount: Some(d(amount)),
        ratio: None,
        fee: Decimal::ZERO,
        note: String::new(),
    }
}

fn trade(id: i64, kind: ActivityKind, date: u32, symbol: &str, quantity: &str, price: &str, fee: &str) -> Activity {
    Activity {
        id,
        kind,
        date: day(date),
        symbol: Some(sym(symbol)),
        quantity: Some(d(quantity)),
        price: Some(d(price)),
        amount: None,
        ratio: None,
        fee: d(fee),
        note: String::new(),
    }
}

fn split(id: i64, date: u32, symbol: &str, numerator: &str, denominator: &str) -> Activity {
    Activity {
        symbol: Some(sym(symbol)),
        ratio: Some(crate::model::SplitRatio { numerator: d(numerator), denominator: d(denominator) }),
        ..Activity::new(id, ActivityKind::Split, day(date))
    }
}

use ActivityKind::{Buy, Deposit, Dividend, Fee, Sell, Withdrawal};

#[test]
fn a_ten_for_one_split_across_two_lots_with_sells_before_and_after() {
    // 10 NVDA at 400 + 1 fee, then 5 at 500; sell 3 at 600 (from the first lot);
    // split 10:1; sell 80 at 65 (the first lot's 70 and 10 of the second's 50).
    let activities = vec![
        cash(1, Deposit, 0, "10000"),
        trade(2, Buy, 1, "NVDA", "10", "400", "1"),
        trade(3, Buy, 2, "NVDA", "5", "500", "0"),
        trade(4, Sell, 3, "NVDA", "3", "600", "0"),
        split(5, 4, "NVDA", "10", "1"),
        trade(6, Sell, 5, "NVDA", "80", "65", "0"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    // Before the split: the first lot's 3 of 10 shares cost 3/10 × 4001 = 1200.3.
    assert_eq!(ledger.closed[0].cost, d("1200.3"));
    assert_eq!(ledger.closed[0].realized, d("599.7"));
    // The split realizes nothing and moves no cash; the lots keep their cost.
    assert_eq!(ledger.closed.len(), 2);
    // After it: 70 shares costing 2800.7, then 10 of the second lot's 50 (cost 2500).
    assert_eq!(ledger.closed[1].quantity, d("80"));
    assert_eq!(ledger.closed[1].cost, d("3300.7"));
    assert_eq!(ledger.closed[1].realized, d("5200") - d("3300.7"));
    let lots = &ledger.lots[&sym("NVDA")];
    assert_eq!((lots.len(), lots[0].quantity, lots[0].cost), (1, d("40"), d("2000")));
    assert_eq!(ledger.cash, d("10000") - d("4001") - d("2500") + d("1800") + d("5200"));
    assert_eq!(ledger.invested(), d("2000"));
}

#[test]
fn a_one_for_ten_reverse_split_keeps_fractional_shares_exact() {
    let activities = vec![
        cash(1, Deposit, 0, "1000"),
        trade(2, Buy, 1, "XYZ", "15", "2", "0"),
        trade(3, Buy, 2, "XYZ", "7", "3", "0"),
        split(4, 3, "XYZ", "1", "10"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    let lots = &ledger.lots[&sym("XYZ")];
    assert_eq!((lots[0].quantity, lots[0].cost), (d("1.5"), d("30")));
    assert_eq!((lots[1].quantity, lots[1].cost), (d("0.7"), d("21")));
    assert_eq!(ledger.quantity_of(&sym("XYZ")), d("2.2"));
    // The leftover fraction can be sold to the last share's hundred-millionth.
    let mut sold = activities.clone();
    sold.push(trade(5, Sell, 4, "XYZ", "2.2", "25", "0"));
    let ledger = Ledger::replay(&sold, Rules::default()).unwrap();
    assert!(ledger.lots.is_empty());
    assert_eq!(ledger.realized(), d("55") - d("51"));
    sold.push(trade(6, Sell, 5, "XYZ", "0.00000001", "25", "0"));
    assert_eq!(Ledger::replay(&sold, Rules::default()).unwrap_err().code, "oversell");
}

#[test]
fn a_split_comes_before_a_trade_on_its_day_whatever_the_order_of_entry() {
    // The sell of 20 was entered before the 2:1 split of the same day (lower id):
    // it is at the new price, in the new shares, so it must see 20 shares.
    let activities = vec![
        cash(1, Deposit, 0, "1000"),
        trade(2, Buy, 1, "ABC", "10", "50", "0"),
        trade(3, Sell, 2, "ABC", "20", "26", "0"),
        split(4, 2, "ABC", "2", "1"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert!(ledger.lots.is_empty());
    assert_eq!(ledger.realized(), d("20"));
}

#[test]
fn a_split_of_nothing_held_or_with_a_bad_ratio_is_refused_and_changes_nothing() {
    let base = vec![cash(1, Deposit, 0, "1000"), trade(2, Buy, 1, "ABC", "10", "50", "0")];
    let refused = |a: Activity| {
        let mut ledger = Ledger::replay(&base, Rules::default()).unwrap();
        let before = ledger.clone();
        let err = ledger.apply(&a, Rules::default()).unwrap_err();
        assert_eq!(ledger, before, "{}", err.code);
        err.code
    };
    assert_eq!(refused(split(3, 2, "XYZ", "2", "1")), "split_not_held");
    assert_eq!(refused(split(3, 2, "ABC", "0", "1")), "invalid_ratio");
    assert_eq!(refused(Activity { ratio: None, ..split(3, 2, "ABC", "2", "1") }), "invalid_ratio");
    assert_eq!(refused(Activity { symbol: None, ..split(3, 2, "ABC", "2", "1") }), "missing_symbol");
    assert_eq!(refused(Activity { fee: d("1"), ..split(3, 2, "ABC", "2", "1") }), "invalid_fee");
    assert_eq!(refused(split(3, 2, "ABC", "1", "10000000000")), "split_too_small");
    // Splits cannot stack shares past what every later product can hold.
    let stacked =
        [base.clone(), vec![split(3, 10, "ABC", "1000000", "1"), split(4, 20, "ABC", "1000000", "1")]].concat();
    assert_eq!(Ledger::replay(&stacked, Rules::default()).unwrap_err().code, "split_too_large");
    // The same split entered twice (a day apart, as a broker and a source may date it).
    let twice = [base.clone(), vec![split(3, 10, "ABC", "2", "1"), split(4, 11, "ABC", "2", "1")]].concat();
    let err = Ledger::replay(&twice, Rules::default()).unwrap_err();
    assert_eq!((err.code, err.activity_id), ("duplicate_split", 4));
    let apart = [base.clone(), vec![split(3, 10, "ABC", "2", "1"), split(4, 40, "ABC", "2", "1")]].concat();
    assert!(Ledger::replay(&apart, Rules::default()).is_ok(), "two real splits a month apart");
    // A split dated before the shares were bought splits nothing: refused too.
    let early = [base.clone(), vec![split(3, 0, "ABC", "2", "1")]].concat();
    assert_eq!(Ledger::replay(&early, Rules::default()).unwrap_err().code, "split_not_held");
}

#[test]
fn the_demo_ledger_matches_the_original_system() {
    let activities = vec![
        cash(1, Deposit, 0, "100000.00"),
        trade(2, Buy, 0, "AMZN", "10", "145.00", "0"),
        trade(3, Buy, 15, "AAPL", "50", "175.50", "0"),
        trade(4, Buy, 17, "MSFT", "30", "380.25", "0"),
        trade(5, Buy, 20, "GOOGL", "25", "142.30", "0"),
        trade(6, Buy, 25, "TSLA", "20", "245.80", "0"),
        trade(7, Buy, 30, "NVDA", "15", "495.60", "0"),
        trade(8, Sell, 35, "AMZN", "10", "165.00", "0"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert_eq!(ledger.cash, d("64110.00"));
    assert_eq!(ledger.invested(), d("36090.00"));
    assert_eq!(ledger.realized(), d("200.00"));
    assert_eq!(ledger.closed[0].realized_percent().unwrap().round_dp(2), d("13.79"));
    assert_eq!(ledger.win_rate(), Some(d("100")));
    assert_eq!(ledger.trade_outcomes(), (1, 0, 0));
    assert_eq!(ledger.quantity_of(&sym("AMZN")), Decimal::ZERO);
    assert!(!ledger.lots.contains_key(&sym("AMZN")));
    assert_eq!(ledger.lots.len(), 5);
}

#[test]
fn a_sell_consumes_the_oldest_lots_first_with_their_fees() {
    let activities = vec![
        cash(1, Deposit, 0, "5000"),
        trade(2, Buy, 1, "X", "10", "100", "5"),
        trade(3, Buy, 2, "X", "10", "110", "5"),
        trade(4, Sell, 3, "X", "15", "120", "6"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    let t = &ledger.closed[0];
    assert_eq!(t.proceeds, d("1800"));
    assert_eq!(t.cost, d("1557.5"), "all of lot 1 (1005) and half of lot 2 (1105 / 2)");
    assert_eq!(t.realized, d("236.5"));
    assert_eq!(t.realized_percent().unwrap().round_dp(4), d("15.1846"));
    let remaining = &ledger.lots[&sym("X")];
    assert_eq!(remaining.len(), 1);
    assert_eq!((remaining[0].activity_id, remaining[0].quantity, remaining[0].cost), (3, d("5"), d("552.5")));
    assert_eq!(ledger.cash, d("5000") - d("1005") - d("1105") + d("1794"));
}

#[test]
fn a_fee_on_a_cash_activity_is_paid_from_cash_and_counted() {
    let activities = vec![
        Activity { fee: d("40"), ..cash(1, Deposit, 0, "1000") },
        Activity { fee: d("1.5"), symbol: Some(sym("KO")), ..cash(2, Dividend, 1, "10") },
        Activity { fee: d("2"), ..cash(3, Withdrawal, 2, "100") },
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert_eq!(ledger.cash, d("1000") - d("40") + d("10") - d("1.5") - d("100") - d("2"));
    assert_eq!(ledger.fees, d("43.5"));
    assert_eq!((ledger.deposits, ledger.dividends, ledger.net_contributions()), (d("1000"), d("10"), d("900")));
    // A withdrawal whose fee would overdraw is refused like any other.
    let overdrawn = vec![cash(1, Deposit, 0, "100"), Activity { fee: d("1"), ..cash(2, Withdrawal, 1, "100") }];
    assert_eq!(Ledger::replay(&overdrawn, Rules::default()).unwrap_err().code, "overdraw");
}

#[test]
fn dividends_fees_and_withdrawals_move_cash_only() {
    let activities = vec![
        cash(1, Deposit, 0, "1000"),
        trade(2, Buy, 1, "KO", "10", "60", "1"),
        Activity { symbol: Some(sym("KO")), ..cash(3, Dividend, 2, "4.60") },
        cash(4, Fee, 3, "2.50"),
        cash(5, Withdrawal, 4, "100"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert_eq!(ledger.cash, d("1000") - d("601") + d("4.60") - d("2.50") - d("100"));
    assert_eq!((ledger.dividends, ledger.fees), (d("4.60"), d("2.50")));
    assert_eq!(ledger.net_contributions(), d("900"));
    assert_eq!(ledger.flows[&day(0)], d("1000"));
    assert_eq!(ledger.flows[&day(4)], d("-100"));
    assert_eq!(ledger.win_rate(), None, "no closed trades: no win rate");
}

#[test]
fn losing_and_breakeven_trades_count_against_the_win_rate() {
    let activities = vec![
        cash(1, Deposit, 0, "10000"),
        trade(2, Buy, 1, "A", "30", "100", "0"),
        trade(3, Sell, 2, "A", "10", "110", "0"),
        trade(4, Sell, 3, "A", "10", "90", "0"),
        trade(5, Sell, 4, "A", "10", "100", "0"),
    ];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert_eq!(ledger.trade_outcomes(), (1, 1, 1));
    assert_eq!(ledger.win_rate().unwrap().round_dp(2), d("33.33"));
}

#[test]
fn activities_are_replayed_in_date_then_id_order() {
    let activities = vec![trade(2, Buy, 1, "A", "1", "10", "0"), cash(1, Deposit, 1, "10"), cash(3, Deposit, 0, "1")];
    let ledger = Ledger::replay(&activities, Rules::default()).unwrap();
    assert_eq!(ledger.cash, d("1"));
}

#[test]
fn every_rule_is_enforced_and_says_which() {
    let base = vec![cash(1, Deposit, 0, "1000"), trade(2, Buy, 1, "A", "5", "100", "0")];
    let cases = [
        (trade(9, Sell, 2, "A", "6", "100", "0"), "oversell"),
        (trade(9, Sell, 2, "B", "1", "100", "0"), "oversell"),
        (trade(9, Buy, 2, "A", "6", "100", "0"), "overdraw"),
        (cash(9, Withdrawal, 2, "500.01"), "overdraw"),
        (cash(9, Fee, 2, "600"), "overdraw"),
        (trade(9, Buy, 2, "A", "0", "100", "0"), "invalid_quantity"),
        (trade(9, Buy, 2, "A", "-1", "100", "0"), "invalid_quantity"),
        (trade(9, Sell, 2, "A", "1", "0", "0"), "invalid_price"),
        (trade(9, Buy, 2, "A", "1", "10", "-1"), "invalid_fee"),
        (cash(9, Deposit, 2, "0"), "invalid_amount"),
        (cash(9, Dividend, 2, "5"), "missing_symbol"),
        (Activity { symbol: None, ..trade(9, Buy, 2, "A", "1", "1", "0") }, "missing_symbol"),
    ];
    for (bad, code) in cases {
        let mut all = base.clone();
        all.push(bad.clone());
        let err = Ledger::replay(&all, Rules::default()).unwrap_err();
        assert_eq!((err.code, err.activity_id), (code, 9), "{bad:?}");
        assert!(!err.message.is_empty());
    }
}

#[test]
fn margin_allows_negative_cash() {
    let activities = vec![cash(1, Deposit, 0, "100"), trade(2, Buy, 1, "A", "2", "100", "0")];
    assert_eq!(Ledger::replay(&activities, Rules::default()).unwrap_err().code, "overdraw");
    let ledger = Ledger::replay(&activities, Rules { allow_margin: true }).unwrap();
    assert_eq!(ledger.cash, d("-100"));
}

// ---- Properties over random ledgers ----

#[derive(Clone, Debug)]
enum Op {
    Deposit(i64),
    Withdraw(i64),
    Buy(usize, i64, i64, i64),
    Sell(usize, i64, i64, i64),
    Dividend(usize, i64),
    Fee(i64),
}

const SYMBOLS: [&str; 3] = ["AAA", "BBB", "CCC"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..1_000_000).prop_map(Op::Deposit),
        (1i64..200_000).prop_map(Op::Withdraw),
        (0usize..3, 1i64..5_000, 1i64..50_000, 0i64..1_000).prop_map(|(s, q, p, f)| Op::Buy(s, q, p, f)),
        (0usize..3, 1i64..5_000, 1i64..50_000, 0i64..1_000).prop_map(|(s, q, p, f)| Op::Sell(s, q, p, f)),
        (0usize..3, 1i64..10_000).prop_map(|(s, a)| Op::Dividend(s, a)),
        (1i64..5_000).prop_map(Op::Fee),
    ]
}

/// Quantities with 2 decimals (fractional shares), money with 2 decimals.
fn to_activity(id: i64, op: &Op) -> Activity {
    let money = |cents: i64| Decimal::new(cents, 2);
    let date = day((id / 3) as u32);
    let base = |kind| Activity::new(id, kind, date);
    match *op {
        Op::Deposit(a) => Activity { amount: Some(money(a)), ..base(Deposit) },
        Op::Withdraw(a) => Activity { amount: Some(money(a)), ..base(Withdrawal) },
        Op::Fee(a) => Activity { amount: Some(money(a)), ..base(Fee) },
        Op::Dividend(s, a) => Activity { amount: Some(money(a)), symbol: Some(sym(SYMBOLS[s])), ..base(Dividend) },
        Op::Buy(s, q, p, f) | Op::Sell(s, q, p, f) => Activity {
            symbol: Some(sym(SYMBOLS[s])),
            quantity: Some(Decimal::new(q, 2)),
            price: Some(money(p)),
            fee: money(f),
            ..base(if matches!(op, Op::Buy(..)) { Buy } else { Sell })
        },
    }
}

/// Applies what is valid; checks that what is not changes nothing.
fn build(ops: &[Op]) -> (Ledger, Vec<Activity>) {
    let mut ledger = Ledger::default();
    let mut accepted = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let activity = to_activity(i as i64 + 1, op);
        let before = ledger.clone();
        match ledger.apply(&activity, Rules::default()) {
            Ok(()) => accepted.push(activity),
            Err(_) => assert_eq!(ledger, before, "a rejected activity changed the ledger"),
        }
    }
    (ledger, accepted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn total_return_decomposes_exactly(ops in prop::collection::vec(op(), 1..80), prices in prop::collection::vec(1i64..100_000, 3)) {
        let (ledger, _) = build(&ops);
        let price_of = |s: &Symbol| Decimal::new(prices[SYMBOLS.iter().position(|x| *x == s.as_str()).unwrap()], 2);
        let market_value: Decimal = ledger.lots.keys().map(|s| ledger.quantity_of(s) * price_of(s)).sum();
        let unrealized = market_value - ledger.invested();
        let total_value = ledger.cash + market_value;
        prop_assert_eq!(total_value - ledger.net_contributions(), ledger.realized() + unrealized + ledger.dividends - ledger.fees);
        prop_assert!(ledger.cash >= Decimal::ZERO);
    }

    #[test]
    fn quantities_are_conserved_through_fifo(ops in prop::collection::vec(op(), 1..80)) {
        let (ledger, accepted) = build(&ops);
        for s in SYMBOLS {
            let symbol = sym(s);
            let signed: Decimal = accepted.iter().filter(|a| a.symbol.as_ref() == Some(&symbol)).map(|a| match a.kind {
                Buy => a.quantity.unwrap(),
                Sell => -a.quantity.unwrap(),
                _ => Decimal::ZERO,
            }).sum();
            prop_assert_eq!(ledger.quantity_of(&symbol), signed);
            prop_assert!(ledger.lots.get(&symbol).is_none_or(|lots| lots.iter().all(|l| l.quantity > Decimal::ZERO && l.cost >= Decimal::ZERO)));
        }
    }

    #[test]
    fn replaying_in_chunks_equals_replaying_at_once(ops in prop::collection::vec(op(), 1..60), split in 0usize..60) {
        let (_, accepted) = build(&ops);
        let whole = Ledger::replay(&accepted, Rules::default()).unwrap();
        let split = split.min(accepted.len());
        let mut chunked = Ledger::replay(&accepted[..split], Rules::default()).unwrap();
        for activity in &accepted[split..] {
            chunked.apply(activity, Rules::default()).unwrap();
        }
        prop_assert_eq!(chunked, whole);
    }
}

/// A pre-split trade written in post-split units: quantity × ratio, price ÷ ratio.
fn in_post_split_units(a: &Activity, num: Decimal, den: Decimal) -> Activity {
    Activity { quantity: a.quantity.map(|q| q * num / den), price: a.price.map(|p| p * den / num), ..a.clone() }
}

proptest! {
    /// Replaying a ledger with a split gives the same holdings, cash, cost and
    /// realized P&L as the same ledger written in post-split units without one.
    #[test]
    fn a_split_equals_the_ledger_written_in_post_split_units(
        before in proptest::collection::vec((1u32..400, 1u32..2000, any::<bool>()), 1..8),
        after in proptest::collection::vec((1u32..400, 1u32..2000, any::<bool>()), 0..8),
        ratio in proptest::sample::select(vec![(2, 1), (4, 1), (5, 1), (10, 1), (1, 2), (1, 5), (1, 10)]),
    ) {
        let (num, den) = (Decimal::from(ratio.0), Decimal::from(ratio.1));
        // Quantities in tenths and prices in cents, so both sides stay exact.
        let trades = |list: &[(u32, u32, bool)], first_id: i64, first_day: u32| -> Vec<Activity> {
            list.iter().enumerate().map(|(i, (q, p, sell))| {
                let kind = if *sell { Sell } else { Buy };
                let q = (Decimal::from(*q) / Decimal::TEN).to_string();
                let p = (Decimal::from(*p) * Decimal::TEN).to_string();
                trade(first_id + i as i64, kind, first_day + i as u32, "ABC", &q, &p, "0")
            }).collect()
        };
        let mut with_split = vec![cash(1, Deposit, 0, "100000000"), trade(2, Buy, 1, "ABC", "50", "100", "1")];
        with_split.extend(trades(&before, 10, 2));
        let split_day = 20;
        with_split.push(split(100, split_day, "ABC", &num.to_string(), &den.to_string()));
        with_split.extend(trades(&after, 200, split_day + 1));
        // Keep only the sells that the ledger accepts, in both versions alike.
        let mut kept: Vec<Activity> = Vec::new();
        let mut probe = Ledger::default();
        let mut ordered = with_split.clone();
        ordered.sort_by_key(|a| a.replay_key());
        for a in ordered {
            if probe.apply(&a, Rules::default()).is_ok() {
                kept.push(a);
            }
        }
        let rewritten: Vec<Activity> = kept.iter().filter(|a| a.kind != ActivityKind::Split).map(|a| {
            if a.date < day(split_day) && a.kind.is_trade() { in_post_split_units(a, num, den) } else { a.clone() }
        }).collect();
        let split = Ledger::replay(&kept, Rules::default()).unwrap();
        let plain = Ledger::replay(&rewritten, Rules::default()).unwrap();
        prop_assert_eq!(split.cash, plain.cash);
        prop_assert_eq!(split.quantity_of(&sym("ABC")), plain.quantity_of(&sym("ABC")));
        prop_assert_eq!(split.invested(), plain.invested());
        prop_assert_eq!(split.realized(), plain.realized());
        prop_assert_eq!(split.closed.len(), plain.closed.len());
    }
}
