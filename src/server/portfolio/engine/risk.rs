//! The risk and performance figures of one range, computed over exactly the
//! snapshots of that range (the same daily returns the performance chart shows).

use super::history::Snapshot;
use super::metrics::{self, DayValue, Drawdown, Figure};
use crate::model::{PerStat, Range};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::prelude::ToPrimitive;

#[derive(Clone, Debug, PartialEq)]
pub struct RiskFigures {
    pub range: Range,
    /// The snapshots the figures are computed over (first is the base day).
    pub days: Vec<DayValue>,
    pub returns: Vec<(NaiveDate, f64)>,
    /// Every statistic of the overview (`model::Stat`), or why it has none.
    pub stats: PerStat<Figure>,
    pub max_drawdown: Result<Drawdown, String>,
}

fn float(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// The first day of the range ending `today`; `None` for ALL (from the start).
pub fn range_start(range: Range, today: NaiveDate) -> Option<NaiveDate> {
    let months_back = |n| today.checked_sub_months(Months::new(n));
    match range {
        Range::OneMonth => months_back(1),
        Range::ThreeMonths => months_back(3),
        Range::SixMonths => months_back(6),
        Range::YearToDate => NaiveDate::from_ymd_opt(today.year(), 1, 1),
        Range::OneYear => months_back(12),
        Range::All => None,
    }
}

/// Days of `range` ending `today`: the snapshots from the range's start, plus the
/// last one before it as the base of the first return.
pub fn days_in_range(snapshots: &[Snapshot], range: Range, today: NaiveDate) -> Vec<DayValue> {
    let start = range_start(range, today);
    let first = match start {
        Some(start) => snapshots.iter().rposition(|s| s.date < start).unwrap_or(0),
        None => 0,
    };
    snapshots[first.min(snapshots.len())..]
        .iter()
        .filter(|s| s.date <= today)
        .map(|s| DayValue {
            date: s.date,
            value: float(s.total_value),
            flow: float(s.net_flow),
            benchmark: s.benchmark_close.map(float),
        })
        .collect()
}

/// Every figure for `range`, from snapshots sorted by date.
pub fn risk_figures(snapshots: &[Snapshot], range: Range, today: NaiveDate, risk_free_annual: f64) -> RiskFigures {
    let days = days_in_range(snapshots, range, today);
    let dated = metrics::daily_returns(&days);
    let r: Vec<f64> = dated.iter().map(|(_, x)| *x).collect();
    let (beta, alpha) = metrics::beta_alpha(&dated, &metrics::benchmark_returns(&days), risk_free_annual);
    // A literal, so a statistic added to `model::figures` must be computed here.
    let stats = PerStat {
        time_weighted_return: metrics::time_weighted_return(&r),
        money_weighted_return: money_weighted(&days),
        annual_return: metrics::annual_return(&r),
        volatility: metrics::volatility(&r),
        sharpe_ratio: metrics::sharpe(&r, risk_free_annual),
        sortino_ratio: metrics::sortino(&r, risk_free_annual),
        beta,
        alpha,
    };
    RiskFigures {
        range,
        stats,
        max_drawdown: match days.first() {
            Some(first) => metrics::max_drawdown(first.date, &dated),
            None => Err("no history yet".into()),
        },
        returns: dated,
        days,
    }
}

/// XIRR of the range: the base day's value goes in, each later day's external flow
/// goes in (deposits) or out (withdrawals), and the last value comes out.
fn money_weighted(days: &[DayValue]) -> Figure {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Err("no history yet".into());
    };
    if days.len() < 2 {
        return Err("needs at least 2 days of history".into());
    }
    let mut flows = vec![(first.date, -first.value)];
    flows.extend(days[1..].iter().filter(|d| d.flow != 0.0).map(|d| (d.date, -d.flow)));
    flows.push((last.date, last.value));
    metrics::xirr(&flows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    fn snap(n: i64, value: i64, flow: i64, bench: i64) -> Snapshot {
        Snapshot {
            date: day(n),
            total_value: Decimal::from(value),
            cash: Decimal::from(value),
            invested: Decimal::ZERO,
            market_value: Decimal::ZERO,
            net_flow: Decimal::from(flow),
            benchmark_close: Some(Decimal::from(bench)),
        }
    }

    #[test]
    fn ranges_start_where_expected() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(range_start(Range::OneMonth, today), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(range_start(Range::YearToDate, today), NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(range_start(Range::OneYear, today), NaiveDate::from_ymd_opt(2025, 3, 31));
        assert_eq!(range_start(Range::All, today), None);
    }

    #[test]
    fn a_range_starts_from_the_day_before_it() {
        let snaps: Vec<Snapshot> =
            (0..100).map(|n| snap(n, 1000 + n, if n == 0 { 1000 } else { 0 }, 100 + n)).collect();
        let today = day(99);
        let days = days_in_range(&snaps, Range::OneMonth, today);
        let start = range_start(Range::OneMonth, today).unwrap();
        assert_eq!(days[0].date, start - chrono::Duration::days(1), "the base day");
        assert_eq!(days.last().unwrap().date, today);
        assert_eq!(days_in_range(&snaps, Range::All, today).len(), 100);
    }

    #[test]
    fn figures_without_enough_history_say_why() {
        let f = risk_figures(&[snap(0, 1000, 1000, 100)], Range::All, day(0), 0.0);
        assert!(f.stats.time_weighted_return.is_err() && f.stats.volatility.is_err() && f.stats.beta.is_err());
        assert!(f.stats.money_weighted_return.is_err());
        let f = risk_figures(&[], Range::All, day(0), 0.0);
        assert_eq!(f.max_drawdown.unwrap_err(), "no history yet");
    }

    #[test]
    fn one_deposit_and_no_other_flow_over_all_gives_the_total_return() {
        // The zero base the history build puts before the first deposit (history.rs),
        // then 1,000 deposited and worth 1,010 that evening (the first day's move
        // counts), 1,100 at the end.
        let snaps = [snap(0, 0, 0, 100), snap(1, 1010, 1000, 101), snap(200, 1050, 0, 102), snap(365, 1100, 0, 103)];
        let f = risk_figures(&snaps, Range::All, day(365), 0.0);
        let total_return_percent = (1100.0 / 1000.0 - 1.0) * 100.0;
        let twr = f.stats.time_weighted_return.clone().unwrap() * 100.0;
        assert!((twr - total_return_percent).abs() < 0.005, "TWR {twr} % vs total return {total_return_percent} %");
        // XIRR from the deposit itself: 10 % over 364 days.
        let xirr = f.stats.money_weighted_return.clone().unwrap();
        assert!((xirr - (1.1f64.powf(365.0 / 364.0) - 1.0)).abs() < 1e-9, "{xirr}");
        assert!((f.returns[0].1 - 0.01).abs() < 1e-12, "the first day's 1 %");
    }

    #[test]
    fn money_weighted_return_counts_flows_when_they_happen() {
        // 1,000 grows to 1,100 over a year, with no other flows: 10 % a year.
        let snaps = [snap(0, 1000, 1000, 100), snap(365, 1100, 0, 100)];
        let f = risk_figures(&snaps, Range::All, day(365), 0.0);
        assert!((f.stats.money_weighted_return.clone().unwrap() - 0.10).abs() < 1e-9);
        assert!((f.stats.time_weighted_return.clone().unwrap() - 0.10).abs() < 1e-12);
    }
}
