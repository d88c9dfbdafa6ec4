//! Hand-worked cases, and agreement with empyrical on committed reference series
//! (tests/fixtures/metrics_reference.json, made by scripts/metrics_fixtures.py).

use super::*;
use serde::Deserialize;

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n)
}

fn dated(r: &[f64]) -> Vec<(NaiveDate, f64)> {
    r.iter().enumerate().map(|(i, x)| (day(i as i64 + 1), *x)).collect()
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * b.abs().max(1e-12)
}

#[test]
fn a_deposit_is_not_performance() {
    // 1,000 → 1,100 (+10 %), then 1,000 more deposited and the total ends at 2,100:
    // the second day returned nothing, so TWR is exactly 10 %.
    let days = [
        DayValue { date: day(0), value: 1000.0, flow: 1000.0, benchmark: None },
        DayValue { date: day(1), value: 1100.0, flow: 0.0, benchmark: None },
        DayValue { date: day(2), value: 2100.0, flow: 1000.0, benchmark: None },
    ];
    let r: Vec<f64> = daily_returns(&days).iter().map(|(_, x)| *x).collect();
    assert_eq!(r.len(), 2);
    assert!(close(r[0], 0.10, 1e-12) && r[1].abs() < 1e-12, "{r:?}");
    assert!(close(time_weighted_return(&r).unwrap(), 0.10, 1e-12));
    // A withdrawal likewise.
    let days = [
        DayValue { date: day(0), value: 1000.0, flow: 1000.0, benchmark: None },
        DayValue { date: day(1), value: 495.0, flow: -500.0, benchmark: None },
    ];
    assert!(close(daily_returns(&days)[0].1, -0.01, 1e-12));
}

#[test]
fn benchmark_returns_skip_days_without_a_close() {
    let days = [
        DayValue { date: day(0), value: 1.0, flow: 0.0, benchmark: Some(100.0) },
        DayValue { date: day(1), value: 1.0, flow: 0.0, benchmark: Some(102.0) },
        DayValue { date: day(2), value: 1.0, flow: 0.0, benchmark: None },
        DayValue { date: day(3), value: 1.0, flow: 0.0, benchmark: Some(99.0) },
        DayValue { date: day(4), value: 1.0, flow: 0.0, benchmark: Some(99.99) },
    ];
    let b = benchmark_returns(&days);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].0, day(1));
    assert!(close(b[0].1, 0.02, 1e-12));
    assert_eq!(b[1].0, day(4));
    assert!(close(b[1].1, 0.01, 1e-12));
}

#[test]
fn hand_worked_statistics() {
    let r = [0.01, -0.02, 0.03];
    // mean 0.006667, sample stdev 0.025166
    assert!(close(volatility(&r).unwrap(), 0.025166114784235836 * 252f64.sqrt(), 1e-12));
    assert!(close(sharpe(&r, 0.0).unwrap(), 0.006666666666666667 / 0.025166114784235836 * 252f64.sqrt(), 1e-12));
    // downside: sqrt(mean([0, 0.0004, 0])) = 0.011547
    let downside = (0.0004f64 / 3.0).sqrt() * 252f64.sqrt();
    assert!(close(sortino(&r, 0.0).unwrap(), 0.006666666666666667 * 252.0 / downside, 1e-12));
    let growth: f64 = 1.01 * 0.98 * 1.03;
    assert!(close(time_weighted_return(&r).unwrap(), growth - 1.0, 1e-12));
    assert!(close(annual_return(&r).unwrap(), growth.powf(84.0) - 1.0, 1e-12));
}

#[test]
fn numbers_that_cannot_be_computed_say_why() {
    assert!(volatility(&[0.01]).is_err());
    assert!(sharpe(&[0.01], 0.0).is_err());
    assert!(sharpe(&[0.01, 0.01, 0.01], 0.0).unwrap_err().contains("do not vary"));
    assert!(sortino(&[0.01, 0.02], 0.0).unwrap_err().contains("downside"));
    assert!(time_weighted_return(&[]).is_err());
    let r = dated(&[0.01; 19]);
    let (beta, alpha) = beta_alpha(&r, &r, 0.0);
    assert!(beta.unwrap_err().contains("20 days") && alpha.is_err());
    let flat = dated(&[0.0; 30]);
    assert!(beta_alpha(&dated(&[0.01; 30]), &flat, 0.0).0.unwrap_err().contains("did not move"));
}

#[test]
fn beta_uses_only_days_present_in_both_series() {
    let b: Vec<f64> = (0..40).map(|i| if i % 2 == 0 { 0.01 } else { -0.008 }).collect();
    let r: Vec<f64> = b.iter().map(|x| 2.0 * x).collect();
    let mut r_dated = dated(&r);
    r_dated.push((day(100), 0.5)); // no benchmark that day: ignored
    let (beta, alpha) = beta_alpha(&r_dated, &dated(&b), 0.0);
    assert!(close(beta.unwrap(), 2.0, 1e-12));
    assert!(alpha.unwrap().abs() < 1e-9);
}

#[test]
fn a_recovered_drawdown_has_peak_trough_and_recovery() {
    // wealth: 1.1, 0.88, 0.968, 1.1616
    let r = dated(&[0.10, -0.20, 0.10, 0.20]);
    let dd = max_drawdown(day(0), &r).unwrap();
    assert!(close(dd.max, 0.20, 1e-12));
    assert_eq!((dd.peak, dd.trough, dd.recovery), (day(1), day(2), Some(day(4))));
}

#[test]
fn an_unrecovered_drawdown_from_the_start_counts_the_first_day() {
    let r = dated(&[-0.10, 0.05, -0.10]);
    let dd = max_drawdown(day(0), &r).unwrap();
    // wealth 0.9, 0.945, 0.8505: the peak is the start (W_0 = 1).
    assert!(close(dd.max, 1.0 - 0.8505, 1e-12));
    assert_eq!((dd.peak, dd.trough, dd.recovery), (day(0), day(3), None));
}

#[test]
fn xirr_solves_hand_worked_flows() {
    // 1,000 in, 1,100 back a year (365 days) later: 10 %.
    let flows = [(day(0), -1000.0), (day(365), 1100.0)];
    assert!(close(xirr(&flows).unwrap(), 0.10, 1e-9));
    // Two deposits; the rate solves -1000 - 1000/(1+x)^0.5 + 2200/(1+x) = 0.
    let flows = [(day(0), -1000.0), (day(182), -1000.0), (day(365), 2200.0)];
    let x = xirr(&flows).unwrap();
    let npv = -1000.0 - 1000.0 / (1.0 + x).powf(182.0 / 365.0) + 2200.0 / (1.0 + x);
    assert!(npv.abs() < 1e-6, "{x} {npv}");
    assert!(x > 0.10 && x < 0.15, "{x}");
    assert!(xirr(&[(day(0), -1000.0)]).is_err());
    assert!(xirr(&[(day(0), -1000.0), (day(0), 1000.0)]).is_err());
}

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    risk_free_annual: f64,
    returns: Vec<f64>,
    benchmark: Vec<f64>,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    volatility: f64,
    sharpe: f64,
    sortino: f64,
    max_drawdown: f64,
    beta: f64,
    alpha: f64,
    cagr: f64,
    cumulative: f64,
}

#[test]
fn agrees_with_empyrical_to_1e_9() {
    let reference: Reference =
        serde_json::from_str(include_str!("../../../../../tests/fixtures/metrics_reference.json")).unwrap();
    assert!(reference.cases.len() >= 6);
    for case in reference.cases {
        let (r, e, rf) = (&case.returns, &case.expected, case.risk_free_annual);
        let check = |what: &str, ours: f64, theirs: f64| {
            assert!(close(ours, theirs, 1e-9), "{}: {what} is {ours}, empyrical says {theirs}", case.name);
        };
        check("volatility", volatility(r).unwrap(), e.volatility);
        check("sharpe", sharpe(r, rf).unwrap(), e.sharpe);
        check("sortino", sortino(r, rf).unwrap(), e.sortino);
        check("cagr", annual_return(r).unwrap(), e.cagr);
        check("cumulative", time_weighted_return(r).unwrap(), e.cumulative);
        // empyrical reports drawdowns as negative fractions; we report the size.
        check("max drawdown", max_drawdown(day(0), &dated(r)).unwrap().max, -e.max_drawdown);
        let (beta, alpha) = beta_alpha(&dated(r), &dated(&case.benchmark), rf);
        check("beta", beta.unwrap(), e.beta);
        check("alpha", alpha.unwrap(), e.alpha);
    }
}
