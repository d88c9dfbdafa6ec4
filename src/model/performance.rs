//! The performance series of one range: what the dashboard's chart draws and
//! `/api/dashboard/performance` serialises. Returns are percentages since the
//! range's base day (METRICS.md, "Cumulative return" and "Drawdown").

use super::Range;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformancePoint {
    #[serde(deserialize_with = "super::wire_date::date")]
    pub date: NaiveDate,
    pub total_value: Decimal,
    pub cash: Decimal,
    pub invested: Decimal,
    /// Deposits − withdrawals up to and including this day (the money put in).
    pub net_contributions: Decimal,
    /// In percent; `None` on the range's base day.
    pub daily_return: Option<f64>,
    /// Cumulative time-weighted return since the base day, in percent.
    pub cumulative_twr: f64,
    /// The benchmark's cumulative return since the base day, in percent; `None`
    /// where the benchmark has no close.
    pub benchmark_cumulative: Option<f64>,
    /// Fall from the running peak of the cumulative return, in percent (≤ 0).
    pub drawdown: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    pub range: Range,
    pub benchmark: String,
    pub points: Vec<PerformancePoint>,
}

/// The chart's figures in words: what the no-JavaScript page and screen readers get.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceSummary {
    #[serde(deserialize_with = "super::wire_date::date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "super::wire_date::date")]
    pub to: NaiveDate,
    pub days: usize,
    pub portfolio: f64,
    pub benchmark: Option<f64>,
    pub deepest_drawdown: f64,
    #[serde(deserialize_with = "super::wire_date::date")]
    pub deepest_on: NaiveDate,
    /// The last point's total value and net contributions (the Value view's last
    /// point is today's live value where there is one).
    pub total_value: Decimal,
    pub net_contributions: Decimal,
}

impl Performance {
    /// `None` when the range has fewer than two days (nothing to draw).
    pub fn summary(&self) -> Option<PerformanceSummary> {
        let (first, last) = (self.points.first()?, self.points.last()?);
        if self.points.len() < 2 {
            return None;
        }
        let deepest = self.points.iter().min_by(|a, b| a.drawdown.total_cmp(&b.drawdown))?;
        Some(PerformanceSummary {
            from: first.date,
            to: last.date,
            days: self.points.len(),
            portfolio: last.cumulative_twr,
            benchmark: self.points.iter().rev().find_map(|p| p.benchmark_cumulative),
            deepest_drawdown: deepest.drawdown,
            deepest_on: deepest.date,
            total_value: last.total_value,
            net_contributions: last.net_contributions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_percent_points;

    fn point(day: u32, twr: f64, bench: Option<f64>, drawdown: f64) -> PerformancePoint {
        PerformancePoint {
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            total_value: Decimal::ONE_THOUSAND,
            cash: Decimal::ZERO,
            invested: Decimal::ONE_THOUSAND,
            net_contributions: Decimal::ONE_THOUSAND,
            daily_return: None,
            cumulative_twr: twr,
            benchmark_cumulative: bench,
            drawdown,
        }
    }

    #[test]
    fn the_summary_reports_the_last_returns_and_the_deepest_drawdown() {
        let perf = Performance {
            range: Range::OneMonth,
            benchmark: "SPY".into(),
            points: vec![
                point(2, 0.0, Some(0.0), 0.0),
                point(3, 5.0, Some(1.0), 0.0),
                point(4, -2.0, Some(2.5), -6.666),
                point(5, 3.0, None, -1.9),
            ],
        };
        let s = perf.summary().unwrap();
        assert_eq!((s.days, s.portfolio, s.benchmark), (4, 3.0, Some(2.5)));
        assert_eq!((s.deepest_drawdown, s.deepest_on.to_string()), (-6.666, "2026-03-04".to_string()));
        assert_eq!(format_percent_points(s.deepest_drawdown), "−6.67 %");
    }

    #[test]
    fn one_day_has_nothing_to_summarise() {
        let perf = Performance { range: Range::All, benchmark: "SPY".into(), points: vec![point(2, 0.0, None, 0.0)] };
        assert_eq!(perf.summary(), None);
    }
}
