//! Dates read back from JSON. The server writes a date as chrono does,
//! `YYYY-MM-DD`; reading it with chrono's own `Deserialize` goes through chrono's
//! general parser (every format item, RFC 2822 and 3339 included), which was
//! 5.3 KB of the WASM (brotli) for one shape of text. The browser reads that one shape;
//! the server also accepts anything else chrono reads, as before.
//!
//! Used on the model's date fields as `#[serde(deserialize_with = "...")]`
//! (an `Option` also takes `#[serde(default)]`, so a missing field is still `None`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{Deserialize, Deserializer, Error, Unexpected, Visitor};
use std::fmt;

/// `YYYY-MM-DD` (four-digit year), the form chrono writes years 0 to 9999 in.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number =
        |digits: &[u8]| digits.iter().try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')));
    NaiveDate::from_ymd_opt(number(&bytes[..4])? as i32, number(&bytes[5..7])?, number(&bytes[8..])?)
}

/// A date as `Deserialize` reads it here.
struct Day(NaiveDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DayVisitor;

        impl Visitor<'_> for DayVisitor {
            type Value = NaiveDate;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a date (YYYY-MM-DD)")
            }

            fn visit_str<E: Error>(self, text: &str) -> Result<NaiveDate, E> {
                let date = parse_date(text);
                #[cfg(feature = "ssr")]
                let date = date.or_else(|| text.parse().ok());
                date.ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
            }
        }

        deserializer.deserialize_str(DayVisitor).map(Day)
    }
}

pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    Day::deserialize(deserializer).map(|day| day.0)
}

pub fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(Option::<Day>::deserialize(deserializer)?.map(|day| day.0))
}

/// Two dated prices (the symbol page's first and last close).
pub type PriceSpan = Option<((NaiveDate, Decimal), (NaiveDate, Decimal))>;

pub fn price_span<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PriceSpan, D::Error> {
    let span = Option::<((Day, Decimal), (Day, Decimal))>::deserialize(deserializer)?;
    Ok(span.map(|((from, first), (to, last))| ((from.0, first), (to.0, last))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_back_as_chrono_writes_them() {
        let mut day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        while day < last {
            assert_eq!(parse_date(&day.to_string()), Some(day));
            day = day + chrono::Days::new(97);
        }
        assert_eq!(parse_date(&last.to_string()), Some(last));
        for bad in
            ["", "2026-02-30", "2026-13-01", "2026-1-01", "2026/01/01", "+2026-01-0", "2026-01-01 ", "２026-01-01"]
        {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_fields_read_dates_and_their_absence() {
        #[derive(serde::Deserialize)]
        struct Dated {
            #[serde(deserialize_with = "date")]
            day: NaiveDate,
            #[serde(default, deserialize_with = "optional_date")]
            maybe: Option<NaiveDate>,
            #[serde(deserialize_with = "price_span")]
            span: PriceSpan,
        }
        let read: Dated =
            serde_json::from_str(r#"{"day":"2026-03-02","span":[["2026-01-02","1.5"],["2026-03-02","2"]]}"#).unwrap();
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!((read.day, read.maybe), (d("2026-03-02"), None));
        assert_eq!(read.span, Some(((d("2026-01-02"), Decimal::new(15, 1)), (d("2026-03-02"), Decimal::TWO))));
        let read: Dated = serde_json::from_str(r#"{"day":"2026-03-02","maybe":"2025-12-31","span":null}"#).unwrap();
        assert_eq!((read.maybe, read.span), (Some(d("2025-12-31")), None));
        assert!(serde_json::from_str::<Dated>(r#"{"day":"2026-02-30","span":null}"#).is_err());
    }
}
