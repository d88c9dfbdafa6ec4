//! One activity as a person or a file typed it: text fields, checked one by one
//! into an [`Activity`]. The JSON API, the form post and the CSV import all go
//! through here, so a value means the same wherever it was entered. Rules that need
//! the rest of the ledger (overselling, overdrawing) are the ledger's; this checks
//! what one row can say about itself.

use crate::model::{Activity, ActivityKind, SplitRatio, Symbol};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The text of each field; `None` (or blank) when not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub kind: Option<String>,
    pub date: Option<String>,
    pub symbol: Option<String>,
    pub quantity: Option<String>,
    pub price: Option<String>,
    pub amount: Option<String>,
    pub fee: Option<String>,
    pub note: Option<String>,
    /// Splits: the ratio's two numbers.
    pub numerator: Option<String>,
    pub denominator: Option<String>,
}

/// Why a field cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// Stable: `missing_field`, `unexpected_field`, `invalid_date`, `future_date`,
    /// `invalid_number`, `too_many_decimals`, `out_of_range`, `invalid_kind`,
    /// `invalid_symbol`, `note_too_long`.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Places kept for quantities, prices and amounts (finer input is refused, not rounded).
pub const MAX_DECIMALS: u32 = 8;
pub const MAX_NOTE_CHARS: usize = 500;
/// Bounds that keep every product and sum far inside `Decimal`'s 28 digits.
const MAX_QUANTITY: i64 = 1_000_000_000;
const MAX_PRICE: i64 = 100_000_000;
const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// The largest number on either side of a split's ratio.
const MAX_RATIO: i64 = 1_000_000;

fn error(field: &'static str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, code, message: message.into() }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The latest date that is not in the future anywhere on Earth (UTC+14), so a
/// trade typed in Auckland this morning is accepted.
pub fn latest_allowed_date(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(14)).date_naive()
}

/// A decimal as people write it: `1234.5`, `1,234.50`, `$1,234.50`, `€ 12`, `1e3`.
/// Thousands separators must group by three; a decimal comma is refused rather
/// than guessed.
pub fn parse_decimal(field: &'static str, raw: &str) -> Result<Decimal, FieldError> {
    let bad =
        || error(field, "invalid_number", format!("“{field}” must be a number with a decimal point, not {raw:?}."));
    let text: String =
        raw.trim().trim_start_matches(['$', '€', '£', '¥']).trim_end_matches(['$', '€', '£', '¥']).trim().into();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.trim_start_matches(['$', '€', '£', '¥']).trim()),
        None => ("", text.as_str()),
    };
    if digits.contains(',') {
        // "1.234,56" is a decimal comma: reading it as 1.23456 would store the
        // wrong number, so it is refused with a message that says why.
        if digits.split_once('.').is_some_and(|(_, fraction)| fraction.contains(','))
            || !digits.contains('.') && {
                let last = digits.rsplit(',').next().unwrap_or_default();
                last.len() != 3
            }
        {
            return Err(error(
                field,
                "decimal_comma",
                format!("“{field}” must use a point for decimals, as in 1234.56; {raw:?} looks like a decimal comma."),
            ));
        }
        let whole = digits.split('.').next().unwrap_or_default();
        let groups: Vec<&str> = whole.split(',').collect();
        let grouped = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !grouped {
            return Err(bad());
        }
    }
    let plain = format!("{sign}{}", digits.replace(',', ""));
    if plain.is_empty() || plain.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))) {
        return Err(bad());
    }
    let value = if plain.contains(['e', 'E']) { Decimal::from_scientific(&plain) } else { Decimal::from_str(&plain) }
        .map_err(|_| bad())?;
    let value = value.normalize();
    if value.scale() > MAX_DECIMALS {
        return Err(error(
            field,
            "too_many_decimals",
            format!("“{field}” can have at most {MAX_DECIMALS} decimal places."),
        ));
    }
    Ok(value)
}

/// Unicode's explicit direction marks (embeddings, overrides, isolates): they can
/// make a note display as something other than what it says.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn bounded(field: &'static str, raw: &str, max: i64) -> Result<Decimal, FieldError> {
    let value = parse_decimal(field, raw)?;
    if value.abs() > Decimal::from(max) {
        return Err(error(field, "out_of_range", format!("“{field}” is larger than Folio accepts ({max}).")));
    }
    Ok(value)
}

impl Draft {
    /// Checks every field and builds the activity (id 0), or says what is wrong
    /// with the first field that is.
    pub fn parse(&self, latest_date: NaiveDate) -> Result<Activity, FieldError> {
        let kind_text = present(&self.kind).ok_or_else(|| error("kind", "missing_field", "“kind” is required."))?;
        let kind = ActivityKind::parse(kind_text).ok_or_else(|| {
            error("kind", "invalid_kind", "“kind” must be deposit, withdrawal, buy, sell, dividend, fee or split.")
        })?;
        let date_text = present(&self.date).ok_or_else(|| error("date", "missing_field", "“date” is required."))?;
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
            error("date", "invalid_date", format!("“date” must be a date as YYYY-MM-DD, not {date_text:?}."))
        })?;
        if date > latest_date {
            return Err(error("date", "future_date", format!("{date} is in the future.")));
        }
        if date.year_ce().1 < 1970 {
            return Err(error("date", "invalid_date", "“date” must be in 1970 or later."));
        }
        let mut activity = Activity::new(0, kind, date);

        let needs = |field: &'static str, value: &Option<String>| -> Result<String, FieldError> {
            present(value)
                .map(str::to_string)
                .ok_or_else(|| error(field, "missing_field", format!("A {} needs “{field}”.", kind.as_str())))
        };
        let refuses = |field: &'static str, value: &Option<String>| -> Result<(), FieldError> {
            match present(value) {
                Some(_) => Err(error(field, "unexpected_field", format!("A {} has no “{field}”.", kind.as_str()))),
                None => Ok(()),
            }
        };
        let symbol = |text: String| -> Result<Symbol, FieldError> {
            Symbol::parse(&text).map_err(|message| error("symbol", "invalid_symbol", message))
        };

        if kind == ActivityKind::Split {
            activity.symbol = Some(symbol(needs("symbol", &self.symbol)?)?);
            let side = |field: &'static str, value: &Option<String>| -> Result<Decimal, FieldError> {
                let value = bounded(field, &needs(field, value)?, MAX_RATIO)?;
                if value <= Decimal::ZERO {
                    return Err(error(field, "invalid_ratio", format!("“{field}” must be greater than zero.")));
                }
                Ok(value)
            };
            activity.ratio = Some(SplitRatio {
                numerator: side("numerator", &self.numerator)?,
                denominator: side("denominator", &self.denominator)?,
            });
            refuses("quantity", &self.quantity)?;
            refuses("price", &self.price)?;
            refuses("amount", &self.amount)?;
            // An exported split carries a fee of 0; any other fee is refused.
            if let Some(fee) = present(&self.fee)
                && !bounded("fee", fee, MAX_AMOUNT)?.is_zero()
            {
                return Err(error("fee", "unexpected_field", "A split has no “fee”."));
            }
        } else if kind.is_trade() {
            activity.symbol = Some(symbol(needs("symbol", &self.symbol)?)?);
            activity.quantity = Some(bounded("quantity", &needs("quantity", &self.quantity)?, MAX_QUANTITY)?);
            activity.price = Some(bounded("price", &needs("price", &self.price)?, MAX_PRICE)?);
            refuses("amount", &self.amount)?;
        } else {
            activity.amount = Some(bounded("amount", &needs("amount", &self.amount)?, MAX_AMOUNT)?);
            refuses("quantity", &self.quantity)?;
            refuses("price", &self.price)?;
            if kind == ActivityKind::Dividend {
                activity.symbol = Some(symbol(needs("symbol", &self.symbol)?)?);
            } else {
                refuses("symbol", &self.symbol)?;
            }
        }
        if kind != ActivityKind::Split {
            refuses("numerator", &self.numerator)?;
            refuses("denominator", &self.denominator)?;
            if let Some(fee) = present(&self.fee) {
                activity.fee = bounded("fee", fee, MAX_AMOUNT)?;
            }
        }
        let note = self.note.as_deref().map(str::trim).unwrap_or_default();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(error("note", "note_too_long", format!("A note has at most {MAX_NOTE_CHARS} characters.")));
        }
        if note.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(error(
                "note",
                "invalid_note",
                "A note cannot contain control characters or text-direction overrides.",
            ));
        }
        activity.note = note.to_string();
        Ok(activity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn draft(kind: &str, date: &str) -> Draft {
        Draft { kind: Some(kind.into()), date: Some(date.into()), ..Draft::default() }
    }

    fn buy(quantity: &str, price: &str) -> Draft {
        Draft {
            symbol: Some("aapl".into()),
            quantity: Some(quantity.into()),
            price: Some(price.into()),
            ..draft("buy", "2026-03-02")
        }
    }

    const TODAY: &str = "2026-11-25";

    #[test]
    fn numbers_are_read_as_people_write_them() {
        let ok = |raw: &str| parse_decimal("amount", raw).unwrap().to_string();
        assert_eq!(ok("1234.5"), "1234.5");
        assert_eq!(ok("1,234.50"), "1234.5");
        assert_eq!(ok("$1,234,567.25"), "1234567.25");
        assert_eq!(ok("€ 12"), "12");
        assert_eq!(ok("-$5.00"), "-5");
        assert_eq!(ok("1e3"), "1000");
        assert_eq!(ok(" 0.00000001 "), "0.00000001");
        for bad in ["", "abc", "12,34.5", "1.2.3", "1 000", "0x10", ",123", "NaN", "--5"] {
            let err = parse_decimal("amount", bad).unwrap_err();
            assert_eq!(err.code, "invalid_number", "{bad:?}");
        }
        // A decimal comma is refused with its own reason, never misread (1.23456).
        for comma in ["1.234,56", "1,2", "1,234,5", "€ 12,50", "0,5"] {
            let err = parse_decimal("amount", comma).unwrap_err();
            assert_eq!(err.code, "decimal_comma", "{comma:?}");
            assert!(err.message.contains("decimal comma"), "{}", err.message);
        }
        assert_eq!(parse_decimal("price", "0.000000001").unwrap_err().code, "too_many_decimals");
    }

    #[test]
    fn a_buy_needs_symbol_quantity_and_price_and_no_amount() {
        let a = buy("10", "$189.50").parse(day(TODAY)).unwrap();
        assert_eq!(a.symbol.unwrap().as_str(), "AAPL");
        assert_eq!(a.quantity.unwrap().to_string(), "10");
        assert_eq!(a.price.unwrap().to_string(), "189.5");
        let missing = Draft { price: None, ..buy("10", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((missing.field, missing.code), ("price", "missing_field"));
        let extra = Draft { amount: Some("5".into()), ..buy("10", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((extra.field, extra.code), ("amount", "unexpected_field"));
        let bad_symbol = Draft { symbol: Some("not a symbol!".into()), ..buy("1", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!(bad_symbol.code, "invalid_symbol");
        let huge = buy("1e12", "1").parse(day(TODAY)).unwrap_err();
        assert_eq!((huge.field, huge.code), ("quantity", "out_of_range"));
    }

    #[test]
    fn cash_kinds_need_an_amount_and_only_dividends_a_symbol() {
        let deposit =
            Draft { amount: Some("1,000".into()), ..draft("Deposit", "2026-01-02") }.parse(day(TODAY)).unwrap();
        assert_eq!((deposit.kind, deposit.amount.unwrap().to_string()), (ActivityKind::Deposit, "1000".into()));
        let no_amount = draft("fee", "2026-01-02").parse(day(TODAY)).unwrap_err();
        assert_eq!((no_amount.field, no_amount.code), ("amount", "missing_field"));
        let with_symbol =
            Draft { amount: Some("1".into()), symbol: Some("AAPL".into()), ..draft("withdrawal", "2026-01-02") };
        assert_eq!(with_symbol.parse(day(TODAY)).unwrap_err().code, "unexpected_field");
        let dividend = Draft { amount: Some("1".into()), ..draft("dividend", "2026-01-02") };
        assert_eq!(dividend.parse(day(TODAY)).unwrap_err().field, "symbol");
    }

    #[test]
    fn a_split_needs_a_symbol_and_a_ratio_of_two_positive_numbers_and_nothing_else() {
        let split = |n: &str, d: &str| Draft {
            symbol: Some("nvda".into()),
            numerator: Some(n.into()),
            denominator: Some(d.into()),
            ..draft("Split", "2024-06-10")
        };
        let a = split("10", "1").parse(day(TODAY)).unwrap();
        assert_eq!((a.kind, a.symbol.unwrap().as_str()), (ActivityKind::Split, "NVDA"));
        assert_eq!(a.ratio.unwrap().to_string(), "10:1");
        assert_eq!(split("1", "10").parse(day(TODAY)).unwrap().ratio.unwrap().to_string(), "1:10");
        assert_eq!(split("0", "1").parse(day(TODAY)).unwrap_err().code, "invalid_ratio");
        assert_eq!(split("-2", "1").parse(day(TODAY)).unwrap_err().code, "invalid_ratio");
        assert_eq!(split("10", "2e6").parse(day(TODAY)).unwrap_err().code, "out_of_range");
        let missing = Draft { denominator: None, ..split("10", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((missing.field, missing.code), ("denominator", "missing_field"));
        let priced = Draft { price: Some("5".into()), ..split("10", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((priced.field, priced.code), ("price", "unexpected_field"));
        // An exported split's zero fee reads back; a real fee is refused.
        assert!(Draft { fee: Some("0".into()), ..split("10", "1") }.parse(day(TODAY)).is_ok());
        let fee = Draft { fee: Some("1".into()), ..split("10", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((fee.field, fee.code), ("fee", "unexpected_field"));
        // Other kinds refuse a ratio.
        let buy_with_ratio = Draft { numerator: Some("2".into()), ..buy("1", "1") }.parse(day(TODAY)).unwrap_err();
        assert_eq!((buy_with_ratio.field, buy_with_ratio.code), ("numerator", "unexpected_field"));
    }

    #[test]
    fn dates_are_iso_and_not_in_the_future() {
        assert_eq!(draft("deposit", "02/03/2026").parse(day(TODAY)).unwrap_err().code, "invalid_date");
        assert_eq!(draft("deposit", "2026-02-30").parse(day(TODAY)).unwrap_err().code, "invalid_date");
        let future = Draft { amount: Some("1".into()), ..draft("deposit", "2026-11-26") };
        assert_eq!(future.parse(day(TODAY)).unwrap_err().code, "future_date");
        let now = chrono::DateTime::from_timestamp(1_764_064_800, 0).unwrap(); // 2025-11-25 10:00 UTC
        assert_eq!(latest_allowed_date(now), day("2025-11-26"));
        assert_eq!(draft("lunch", TODAY).parse(day(TODAY)).unwrap_err().code, "invalid_kind");
        assert_eq!(Draft::default().parse(day(TODAY)).unwrap_err().code, "missing_field");
    }

    #[test]
    fn notes_are_bounded_text() {
        let long = Draft { note: Some("x".repeat(501)), ..buy("1", "1") };
        assert_eq!(long.parse(day(TODAY)).unwrap_err().code, "note_too_long");
        let control = Draft { note: Some("a\u{7}b".into()), ..buy("1", "1") };
        assert_eq!(control.parse(day(TODAY)).unwrap_err().code, "invalid_note");
        for bidi in ["\u{202E}gnp.exe", "a\u{2066}b", "\u{202A}x"] {
            let spoofed = Draft { note: Some(bidi.into()), ..buy("1", "1") };
            assert_eq!(spoofed.parse(day(TODAY)).unwrap_err().code, "invalid_note", "{bidi:?}");
        }
        let fine = Draft { note: Some("  <b>bonus</b>  ".into()), ..buy("1", "1") }.parse(day(TODAY)).unwrap();
        assert_eq!(fine.note, "<b>bonus</b>");
    }
}
