//! Splits a history source reported that the ledger lacks. A person who bought
//! 15 NVDA before its 10:1 split in 2024 and never entered the split has 15 shares
//! valued at the post-split price: Folio offers the split (it never applies one
//! silently), when the person held the symbol the day before it and the ledger has
//! no split of that symbol within a few days of it (brokers date them differently).

use super::ledger::{Ledger, Rules, SAME_SPLIT_DAYS};
use crate::model::{Activity, ActivityKind, SplitSuggestion};

/// The `reported` splits of held symbols that `activities` lack, oldest first.
/// One replay of the ledger: each split is checked against the shares held just
/// before its day.
pub fn missing(activities: &[Activity], reported: &[SplitSuggestion]) -> Vec<SplitSuggestion> {
    let mut candidates: Vec<&SplitSuggestion> = reported
        .iter()
        .filter(|split| {
            let mut of_symbol = activities.iter().filter(|a| a.symbol.as_ref() == Some(&split.symbol)).peekable();
            of_symbol.peek().is_some()
                && !of_symbol
                    .any(|a| a.kind == ActivityKind::Split && (a.date - split.date).num_days().abs() <= SAME_SPLIT_DAYS)
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    candidates.sort_by(|a, b| (a.date, &a.symbol).cmp(&(b.date, &b.symbol)));
    let mut ordered: Vec<&Activity> = activities.iter().collect();
    ordered.sort_by_key(|a| a.replay_key());
    let mut ledger = Ledger::default();
    let mut next = ordered.iter().peekable();
    let mut suggestions = Vec::new();
    for split in candidates {
        while let Some(a) = next.next_if(|a| a.date < split.date) {
            // Stored ledgers were validated when written; one that no longer
            // applies is skipped, as the history build does.
            let _ = ledger.apply(a, Rules { allow_margin: true });
        }
        if !ledger.quantity_of(&split.symbol).is_zero() {
            suggestions.push(split.clone());
        }
    }
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SplitRatio, Symbol};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn trade(id: i64, kind: ActivityKind, date: &str, symbol: &str, quantity: i64) -> Activity {
        Activity {
            symbol: Some(Symbol::parse(symbol).unwrap()),
            quantity: Some(Decimal::from(quantity)),
            price: Some(Decimal::from(100)),
            ..Activity::new(id, kind, day(date))
        }
    }

    #[test]
    fn a_split_of_a_held_symbol_missing_from_the_ledger_is_offered_once_entered_it_is_not() {
        let nvda = Symbol::parse("NVDA").unwrap();
        let ten_for_one = SplitRatio { numerator: Decimal::from(10), denominator: Decimal::ONE };
        let four_for_one = SplitRatio { numerator: Decimal::from(4), denominator: Decimal::ONE };
        let reported = [
            SplitSuggestion { symbol: nvda.clone(), date: day("2021-07-20"), ratio: four_for_one },
            SplitSuggestion { symbol: nvda.clone(), date: day("2024-06-10"), ratio: ten_for_one },
        ];
        let deposit = Activity {
            amount: Some(Decimal::from(100_000)),
            ..Activity::new(1, ActivityKind::Deposit, day("2020-01-02"))
        };
        let mut ledger = vec![deposit, trade(2, ActivityKind::Buy, "2023-03-01", "NVDA", 15)];
        // Bought after the 2021 split: only the 2024 one is offered.
        let offered = missing(&ledger, &reported);
        assert_eq!(offered.len(), 1);
        assert_eq!(offered[0].message(), "NVDA split 10:1 on 2024-06-10");
        // Sold out before it: nothing to offer.
        let sold = [ledger.clone(), vec![trade(3, ActivityKind::Sell, "2024-01-02", "NVDA", 15)]].concat();
        assert!(missing(&sold, &reported).is_empty());
        // Entered (dated a day later by the broker): not offered again.
        ledger.push(Activity {
            symbol: Some(nvda),
            ratio: Some(ten_for_one),
            ..Activity::new(4, ActivityKind::Split, day("2024-06-11"))
        });
        assert!(missing(&ledger, &reported).is_empty());
        // A symbol never held: nothing.
        assert!(missing(&[], &reported).is_empty());
    }
}
