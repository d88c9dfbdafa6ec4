//! Return-series statistics, exactly as METRICS.md defines them (and as the Python
//! library empyrical computes them: annualisation factor 252, sample standard
//! deviation, wealth starting at 1 for drawdowns).
//!
//! Every statistic is a [`Figure`]: a value, or the reason it cannot be computed.
//! Nothing here invents a value (no beta of 1.0 or alpha equal to the return as a
//! placeholder).

use chrono::NaiveDate;
use std::collections::BTreeMap;

pub const TRADING_DAYS: f64 = 252.0;
/// Fewer overlapping portfolio/benchmark days than this: no beta or alpha.
pub const MIN_BENCHMARK_DAYS: usize = 20;

/// A statistic, or why there is none.
pub type Figure = Result<f64, String>;

/// One day of the portfolio's history (a snapshot, in floats for statistics).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayValue {
    pub date: NaiveDate,
    /// Total value at the end of the day.
    pub value: f64,
    /// External flow of the day: deposits positive, withdrawals negative.
    pub flow: f64,
    /// The benchmark's close, when known.
    pub benchmark: Option<f64>,
}

/// Daily returns with flows at the start of the day: r_t = V_t / (V_{t−1} + F_t) − 1.
/// A day whose starting capital is not positive has no return (it is skipped).
pub fn daily_returns(days: &[DayValue]) -> Vec<(NaiveDate, f64)> {
    days.windows(2)
        .filter_map(|w| {
            let base = w[0].value + w[1].flow;
            (base > 0.0).then(|| (w[1].date, w[1].value / base - 1.0))
        })
        .collect()
}

/// b_t = B_t / B_{t−1} − 1 over consecutive days where both closes are known.
pub fn benchmark_returns(days: &[DayValue]) -> Vec<(NaiveDate, f64)> {
    days.windows(2)
        .filter_map(|w| match (w[0].benchmark, w[1].benchmark) {
            (Some(a), Some(b)) if a > 0.0 => Some((w[1].date, b / a - 1.0)),
            _ => None,
        })
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n − 1).
fn stdev(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

fn need_two(r: &[f64]) -> Result<(), String> {
    if r.len() < 2 { Err(format!("needs at least 2 daily returns (has {})", r.len())) } else { Ok(()) }
}

/// Time-weighted return: Π(1 + r_t) − 1.
pub fn time_weighted_return(r: &[f64]) -> Figure {
    if r.is_empty() {
        return Err("needs at least 1 daily return".into());
    }
    Ok(r.iter().map(|x| 1.0 + x).product::<f64>() - 1.0)
}

/// CAGR: (Π(1 + r_t))^(252 / n) − 1.
pub fn annual_return(r: &[f64]) -> Figure {
    let growth = time_weighted_return(r)? + 1.0;
    Ok(growth.powf(TRADING_DAYS / r.len() as f64) - 1.0)
}

/// Volatility: stdev(r) × √252.
pub fn volatility(r: &[f64]) -> Figure {
    need_two(r)?;
    Ok(stdev(r) * TRADING_DAYS.sqrt())
}

/// Sharpe: mean(r − rf_d) / stdev(r − rf_d) × √252.
pub fn sharpe(r: &[f64], risk_free_annual: f64) -> Figure {
    need_two(r)?;
    let excess: Vec<f64> = r.iter().map(|x| x - risk_free_annual / TRADING_DAYS).collect();
    let sd = stdev(&excess);
    if sd == 0.0 || !sd.is_finite() {
        return Err("returns do not vary, so there is no Sharpe ratio".into());
    }
    Ok(mean(&excess) / sd * TRADING_DAYS.sqrt())
}

/// Sortino: mean(r − rf_d) × 252 / (√mean(min(r − rf_d, 0)²) × √252).
pub fn sortino(r: &[f64], risk_free_annual: f64) -> Figure {
    need_two(r)?;
    let excess: Vec<f64> = r.iter().map(|x| x - risk_free_annual / TRADING_DAYS).collect();
    let downside =
        (excess.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / excess.len() as f64).sqrt() * TRADING_DAYS.sqrt();
    if downside == 0.0 {
        return Err("no day returned less than the risk-free rate, so downside risk is zero".into());
    }
    Ok(mean(&excess) * TRADING_DAYS / downside)
}

/// The deepest fall from a peak, with its dates.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawdown {
    /// As a positive fraction (0.25 = a 25 % fall).
    pub max: f64,
    pub peak: NaiveDate,
    pub trough: NaiveDate,
    /// The first day wealth was back at the peak, if it has been.
    pub recovery: Option<NaiveDate>,
}

/// Max drawdown over wealth W_0 = 1 on `start`, W_t = W_{t−1}(1 + r_t).
pub fn max_drawdown(start: NaiveDate, r: &[(NaiveDate, f64)]) -> Result<Drawdown, String> {
    if r.is_empty() {
        return Err("needs at least 1 daily return".into());
    }
    let mut wealth = 1.0;
    let (mut peak_value, mut peak_date) = (1.0, start);
    let mut worst = Drawdown { max: 0.0, peak: start, trough: start, recovery: None };
    let mut worst_peak_value = 1.0;
    for (date, ret) in r {
        wealth *= 1.0 + ret;
        if wealth >= peak_value {
            if worst.max > 0.0 && worst.recovery.is_none() && worst_peak_value <= wealth {
                worst.recovery = Some(*date);
            }
            peak_value = wealth;
            peak_date = *date;
        } else {
            let drawdown = 1.0 - wealth / peak_value;
            if drawdown > worst.max {
                worst = Drawdown { max: drawdown, peak: peak_date, trough: *date, recovery: None };
                worst_peak_value = peak_value;
            }
        }
    }
    Ok(worst)
}

/// Portfolio and benchmark returns on the days both have one.
fn aligned(r: &[(NaiveDate, f64)], b: &[(NaiveDate, f64)]) -> (Vec<f64>, Vec<f64>) {
    let bench: BTreeMap<NaiveDate, f64> = b.iter().copied().collect();
    r.iter().filter_map(|(d, x)| bench.get(d).map(|y| (*x, *y))).unzip()
}

/// Beta and alpha against the benchmark over overlapping days.
pub fn beta_alpha(r: &[(NaiveDate, f64)], b: &[(NaiveDate, f64)], risk_free_annual: f64) -> (Figure, Figure) {
    let (r, b) = aligned(r, b);
    if r.len() < MIN_BENCHMARK_DAYS {
        let why = format!("needs at least {MIN_BENCHMARK_DAYS} days with a benchmark return (has {})", r.len());
        return (Err(why.clone()), Err(why));
    }
    let rf = risk_free_annual / TRADING_DAYS;
    let r: Vec<f64> = r.iter().map(|x| x - rf).collect();
    let b: Vec<f64> = b.iter().map(|x| x - rf).collect();
    let b_mean = mean(&b);
    let variance: f64 = b.iter().map(|x| (x - b_mean).powi(2)).sum();
    if variance == 0.0 {
        let why = "the benchmark did not move, so there is no beta".to_string();
        return (Err(why.clone()), Err(why));
    }
    let beta = b.iter().zip(&r).map(|(bx, rx)| (bx - b_mean) * rx).sum::<f64>() / variance;
    let residual: Vec<f64> = r.iter().zip(&b).map(|(rx, bx)| rx - beta * bx).collect();
    let alpha = (1.0 + mean(&residual)).powf(TRADING_DAYS) - 1.0;
    (Ok(beta), Ok(alpha))
}

/// Money-weighted return (XIRR): the annual rate x with Σ CF_i / (1 + x)^((d_i − d_0)/365) = 0.
/// Deposits are negative flows, withdrawals and the final value positive.
pub fn xirr(flows: &[(NaiveDate, f64)]) -> Figure {
    let has_in = flows.iter().any(|(_, f)| *f < 0.0);
    let has_out = flows.iter().any(|(_, f)| *f > 0.0);
    if !has_in || !has_out {
        return Err("needs money both put in and taken out (or held at the end)".into());
    }
    let start = flows.iter().map(|(d, _)| *d).min().expect("flows is not empty");
    let years: Vec<(f64, f64)> = flows.iter().map(|(d, f)| ((*d - start).num_days() as f64 / 365.0, *f)).collect();
    if years.iter().all(|(t, _)| *t == 0.0) {
        return Err("all cash flows fall on one day".into());
    }
    let npv = |x: f64| years.iter().map(|(t, f)| f / (1.0 + x).powf(*t)).sum::<f64>();
    let slope = |x: f64| years.iter().map(|(t, f)| -t * f / (1.0 + x).powf(t + 1.0)).sum::<f64>();
    // Newton from 10 %, then bisection if Newton wanders off.
    let mut x = 0.1;
    for _ in 0..100 {
        let (value, derivative) = (npv(x), slope(x));
        if !value.is_finite() || !derivative.is_finite() || derivative == 0.0 {
            break;
        }
        let next = x - value / derivative;
        if next <= -1.0 || !next.is_finite() {
            break;
        }
        if (next - x).abs() < 1e-12 {
            return Ok(next);
        }
        x = next;
    }
    let (mut lo, mut hi) = (-0.999_999, 1.0e6);
    if npv(lo).signum() == npv(hi).signum() {
        return Err("no rate of return solves these cash flows".into());
    }
    for _ in 0..300 {
        let mid = (lo + hi) / 2.0;
        if npv(mid).signum() == npv(lo).signum() { lo = mid } else { hi = mid }
    }
    Ok((lo + hi) / 2.0)
}

#[cfg(test)]
mod tests;
