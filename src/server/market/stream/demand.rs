//! Which symbols get the stream: Finnhub streams a limited number per key
//! (`FINNHUB_WS_SYMBOLS`, 50 on the free plan), so the symbols with the most money
//! in them come first, then the benchmark, then symbols pages follow without
//! holding them (the symbol page's), then symbols people looked at lately. The rest
//! stay on REST polling. Pure.

use crate::model::Symbol;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};

/// What is wanted, best first, at most `limit`: held symbols by value held (largest
/// first; a symbol without a price yet counts as nothing held), then the benchmark,
/// then the symbols open pages follow, then the tracked symbols, each list in name
/// order where values tie.
pub fn choose(
    benchmark: &Symbol,
    held: &HashMap<Symbol, Decimal>,
    followed: &[Symbol],
    tracked: &[Symbol],
    limit: usize,
) -> Vec<Symbol> {
    let mut by_value: Vec<(&Symbol, Decimal)> = held.iter().map(|(s, v)| (s, *v)).collect();
    by_value.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut seen = BTreeSet::new();
    by_value
        .into_iter()
        .map(|(s, _)| s)
        .chain(std::iter::once(benchmark))
        .chain(sorted(followed))
        .chain(sorted(tracked))
        .filter(|s| seen.insert((*s).clone()))
        .take(limit)
        .cloned()
        .collect()
}

fn sorted(list: &[Symbol]) -> Vec<&Symbol> {
    let mut list: Vec<&Symbol> = list.iter().collect();
    list.sort();
    list
}

/// The messages that turn `current` into `wanted`.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub subscribe: Vec<Symbol>,
    pub unsubscribe: Vec<Symbol>,
}

pub fn changes(current: &BTreeSet<Symbol>, wanted: &[Symbol]) -> Changes {
    let wanted: BTreeSet<&Symbol> = wanted.iter().collect();
    Changes {
        // Unsubscribing first keeps the count under Finnhub's limit at every step.
        unsubscribe: current.iter().filter(|s| !wanted.contains(s)).cloned().collect(),
        subscribe: wanted.into_iter().filter(|s| !current.contains(*s)).cloned().collect(),
    }
}

/// The pause before reconnection attempt `attempt` (0 for the first): 1 s doubling
/// up to 60 s, times `jitter` in [0.5, 1] so many servers cut at once do not come
/// back in step.
pub fn backoff(attempt: u32, jitter: f64) -> std::time::Duration {
    let base = 2f64.powi(attempt.min(6) as i32).min(60.0);
    std::time::Duration::from_secs_f64(base * jitter.clamp(0.5, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    fn held(pairs: &[(&str, i64)]) -> HashMap<Symbol, Decimal> {
        pairs.iter().map(|(s, v)| (sym(s), Decimal::from(*v))).collect()
    }

    #[test]
    fn the_largest_holdings_come_first_then_the_benchmark_then_the_followed_then_the_tracked() {
        let held = held(&[("AAPL", 100), ("MSFT", 900), ("TSLA", 500), ("META", 0)]);
        let tracked = [sym("ZM"), sym("AMD"), sym("AAPL"), sym("XOM")];
        let followed = [sym("XOM"), sym("NFLX")];
        let all = choose(&sym("SPY"), &held, &followed, &tracked, 50);
        let names: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["MSFT", "TSLA", "AAPL", "META", "SPY", "NFLX", "XOM", "AMD", "ZM"]);
        let seven: Vec<String> =
            choose(&sym("SPY"), &held, &followed, &tracked, 7).iter().map(|s| s.to_string()).collect();
        assert_eq!(seven, ["MSFT", "TSLA", "AAPL", "META", "SPY", "NFLX", "XOM"], "a followed symbol before AMD");
        let two: Vec<String> = choose(&sym("SPY"), &held, &[], &tracked, 2).iter().map(|s| s.to_string()).collect();
        assert_eq!(two, ["MSFT", "TSLA"]);
    }

    #[test]
    fn a_held_benchmark_is_listed_once() {
        let held = held(&[("SPY", 5), ("AAPL", 10)]);
        let names: Vec<String> =
            choose(&sym("SPY"), &held, &[sym("SPY")], &[sym("SPY")], 50).iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["AAPL", "SPY"]);
        assert!(choose(&sym("SPY"), &held, &[], &[], 0).is_empty());
    }

    #[test]
    fn changes_unsubscribe_what_nobody_wants_and_subscribe_the_new() {
        let current: BTreeSet<Symbol> = [sym("AAPL"), sym("MSFT")].into();
        let c = changes(&current, &[sym("MSFT"), sym("TSLA")]);
        assert_eq!(c, Changes { subscribe: vec![sym("TSLA")], unsubscribe: vec![sym("AAPL")] });
        assert_eq!(changes(&current, &[sym("AAPL"), sym("MSFT")]), Changes::default());
    }

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter() {
        let secs = |a, j| backoff(a, j).as_secs_f64();
        assert_eq!([secs(0, 1.0), secs(1, 1.0), secs(2, 1.0), secs(5, 1.0)], [1.0, 2.0, 4.0, 32.0]);
        assert_eq!(secs(6, 1.0), 60.0);
        assert_eq!(secs(40, 1.0), 60.0);
        assert_eq!(secs(3, 0.5), 4.0);
        assert_eq!(secs(3, 0.1), 4.0, "jitter never shortens below half");
    }
}
