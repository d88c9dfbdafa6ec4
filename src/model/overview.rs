//! The overview cards as one value: what the dashboard shows and what
//! `/api/dashboard/overview` serialises. Money is exact; statistics are fractions
//! (0.125 = 12.5 %); a `None` has its reason in `notes`, keyed by the field name.

use super::{PriceSource, Range};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub range: Range,
    pub total_value: Option<Decimal>,
    pub cash: Decimal,
    pub invested: Decimal,
    pub market_value: Option<Decimal>,
    pub unrealized_pnl: Option<Decimal>,
    pub realized_pnl: Decimal,
    pub dividends: Decimal,
    pub fees: Decimal,
    pub net_contributions: Decimal,
    pub total_return: Option<Decimal>,
    /// In percent.
    pub total_return_percent: Option<Decimal>,
    pub time_weighted_return: Option<f64>,
    pub money_weighted_return: Option<f64>,
    pub annual_return: Option<f64>,
    pub volatility: Option<f64>,
    pub sharpe_ratio: Option<f64>,
    pub sortino_ratio: Option<f64>,
    pub beta: Option<f64>,
    pub alpha: Option<f64>,
    /// The size of the deepest fall (0.2 = 20 %).
    pub max_drawdown: Option<f64>,
    pub max_drawdown_peak: Option<NaiveDate>,
    pub max_drawdown_trough: Option<NaiveDate>,
    pub max_drawdown_recovery: Option<NaiveDate>,
    /// In percent.
    pub win_rate: Option<Decimal>,
    pub total_trades: usize,
    pub winning_trades: usize,
    pub losing_trades: usize,
    /// The oldest fetch time among the prices used (Unix seconds).
    pub as_of: Option<i64>,
    pub price_source: PriceSource,
    pub stale_symbols: Vec<String>,
    pub notes: BTreeMap<String, String>,
}

impl Overview {
    /// Why `field` has no value.
    pub fn why(&self, field: &str) -> String {
        self.notes.get(field).cloned().unwrap_or_else(|| "not available".into())
    }
}

/// Money is rounded to cents half away from zero (2.345 → 2.35), on pages and in
/// the API alike.
pub fn round_cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// `$1,234.56` (negative: `−$1,234.56`).
pub fn format_money(value: Decimal) -> String {
    let rounded = round_cents(value);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{}${grouped}.{cents}", if negative { "−" } else { "" })
}

/// Money with an explicit sign: `+$200.00`, `−$50.00`, `$0.00`.
pub fn format_signed_money(value: Decimal) -> String {
    let text = format_money(value);
    if round_cents(value) > Decimal::ZERO { format!("+{text}") } else { text }
}

/// A fraction as a signed percent: 0.1234 → `+12.34 %`.
pub fn format_signed_percent(fraction: f64) -> String {
    let percent = fraction * 100.0;
    let sign = if percent >= 0.005 {
        "+"
    } else if percent <= -0.005 {
        "−"
    } else {
        ""
    };
    format!("{sign}{:.2} %", percent.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_has_separators_and_signs() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(format_money(d("64110")), "$64,110.00");
        assert_eq!(format_money(d("1234567.891")), "$1,234,567.89");
        assert_eq!(format_money(d("-50")), "−$50.00");
        assert_eq!(format_money(d("999.999")), "$1,000.00");
        assert_eq!(format_money(d("-0.001")), "$0.00");
        assert_eq!(format_signed_money(d("200")), "+$200.00");
        assert_eq!(format_signed_money(d("-3.5")), "−$3.50");
        assert_eq!(format_signed_percent(0.1379), "+13.79 %");
        assert_eq!(format_signed_percent(-0.02), "−2.00 %");
        assert_eq!(format_signed_percent(0.0), "0.00 %");
    }
}
