//! How money and percentages are written, on pages and in the API alike. The
//! browser needs these too (the cards and tables re-render after hydration), so
//! they live in the shared model; nothing else here computes.

use rust_decimal::Decimal;

/// Money is rounded to cents half away from zero (2.345 → 2.35), on pages and in
/// the API alike.
pub fn round_cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// `$1,234.56` (negative: `−$1,234.56`): every amount of money Folio writes, on
/// cards, in tables, in sentences and in error messages.
pub fn format_money(value: Decimal) -> String {
    money_in_places(round_cents(value), 2)
}

/// A price per share: as money, with up to four places where the price has them
/// (`$189.50`, `$0.1235`), since a share price is often quoted finer than a cent.
pub fn format_price(value: Decimal) -> String {
    let places = value.normalize().scale().clamp(2, 4);
    money_in_places(value.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero), places)
}

fn money_in_places(rounded: Decimal, places: u32) -> String {
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", places as usize, rounded.abs());
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

/// A percentage with its sign: 12.345 → `+12.35 %`, −0.001 → `0.00 %`.
pub fn format_percent_points(percent: f64) -> String {
    format_signed_percent(percent / 100.0)
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
        assert_eq!(format_price(d("189.5")), "$189.50");
        assert_eq!(format_price(d("1234.12345")), "$1,234.1235");
        assert_eq!(format_price(d("0.10000")), "$0.10");
        assert_eq!(format_signed_percent(0.1379), "+13.79 %");
        assert_eq!(format_signed_percent(-0.02), "−2.00 %");
        assert_eq!(format_signed_percent(0.0), "0.00 %");
    }

    #[test]
    fn percentage_points_keep_their_sign() {
        assert_eq!(format_percent_points(12.345), "+12.35 %");
        assert_eq!(format_percent_points(-0.001), "0.00 %");
    }
}
