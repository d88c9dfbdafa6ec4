//! The performance series of one range (the chart and `/api/dashboard/performance`):
//! cumulative time-weighted return from the same daily returns the risk figures
//! use, the benchmark's return over the same days, and the drawdown.

use super::history::Snapshot;
use super::risk::RiskFigures;
use crate::model::PerformancePoint;
use std::collections::BTreeMap;

/// One point per snapshot of the range (the base day first, at 0 %). `history` is
/// the whole history, oldest first: the days before the range count towards each
/// point's net contributions.
pub fn series(history: &[Snapshot], risk: &RiskFigures) -> Vec<PerformancePoint> {
    let returns: BTreeMap<_, _> = risk.returns.iter().copied().collect();
    let benchmarks: BTreeMap<_, _> = risk.days.iter().map(|d| (d.date, d.benchmark)).collect();
    let base_benchmark = risk.days.first().and_then(|d| d.benchmark);
    let (mut wealth, mut peak) = (1.0f64, 1.0f64);
    let mut contributed = rust_decimal::Decimal::ZERO;
    history
        .iter()
        .map(|s| {
            contributed += s.net_flow;
            (s, contributed)
        })
        .filter_map(|(s, contributed)| benchmarks.get(&s.date).map(|benchmark| (s, *benchmark, contributed)))
        .map(|(s, benchmark, contributed)| {
            let daily = returns.get(&s.date).copied();
            if let Some(r) = daily {
                wealth *= 1.0 + r;
            }
            peak = peak.max(wealth);
            PerformancePoint {
                date: s.date,
                total_value: s.total_value,
                cash: s.cash,
                invested: s.invested,
                net_contributions: contributed,
                daily_return: daily.map(|r| r * 100.0),
                cumulative_twr: (wealth - 1.0) * 100.0,
                benchmark_cumulative: match (base_benchmark, benchmark) {
                    (Some(base), Some(b)) if base > 0.0 => Some((b / base - 1.0) * 100.0),
                    _ => None,
                },
                drawdown: (wealth / peak - 1.0) * 100.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Range;
    use crate::server::portfolio::engine::risk::risk_figures;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn snap(day: u32, value: i64, flow: i64, bench: i64) -> Snapshot {
        Snapshot {
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            total_value: Decimal::from(value),
            cash: Decimal::ZERO,
            invested: Decimal::from(value),
            market_value: Decimal::from(value),
            net_flow: Decimal::from(flow),
            benchmark_close: Some(Decimal::from(bench)),
        }
    }

    #[test]
    fn a_deposit_moves_the_value_but_not_the_return_and_drawdown_follows_the_peak() {
        // +10 %, then a 1,100 deposit (value doubles, return 0), then −10 %.
        let history = [snap(2, 1000, 1000, 100), snap(3, 1100, 0, 110), snap(4, 2200, 1100, 121), snap(5, 1980, 0, 99)];
        let today = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let risk = risk_figures(&history, Range::All, today, 0.0);
        let points = series(&history, &risk);
        let twr: Vec<_> = points.iter().map(|p| (p.cumulative_twr * 1e6).round() / 1e6).collect();
        assert_eq!(twr, [0.0, 10.0, 10.0, -1.0]);
        let bench: Vec<_> = points.iter().map(|p| (p.benchmark_cumulative.unwrap() * 1e6).round() / 1e6).collect();
        assert_eq!(bench, [0.0, 10.0, 21.0, -1.0]);
        assert!((points[3].drawdown + 10.0).abs() < 1e-9);
        assert_eq!(points[0].daily_return, None);
        let contributed: Vec<_> = points.iter().map(|p| p.net_contributions).collect();
        assert_eq!(contributed, [1000, 1000, 2100, 2100].map(Decimal::from));
        // A range that starts later still counts the money put in before it.
        let month = risk_figures(&history[1..], Range::All, today, 0.0);
        assert_eq!(series(&history, &month)[0].net_contributions, Decimal::from(1000));
        assert!((points[1].daily_return.unwrap() - 10.0).abs() < 1e-9);
    }
}
