//! The time ranges a user can look at: 1M, 3M, 6M, YTD, 1Y, ALL.

use serde::{Deserialize, Deserializer, Serialize};

/// A period ending today: the last 1, 3 or 6 months, the year to date, the last
/// year, or the whole history. The API writes it as shown and reads it in any case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Range {
    #[serde(rename = "1M")]
    OneMonth,
    #[serde(rename = "3M")]
    ThreeMonths,
    #[serde(rename = "6M")]
    SixMonths,
    #[serde(rename = "YTD")]
    YearToDate,
    #[serde(rename = "1Y")]
    OneYear,
    #[default]
    #[serde(rename = "ALL")]
    All,
}

impl Range {
    pub const ALL_RANGES: [Range; 6] =
        [Range::OneMonth, Range::ThreeMonths, Range::SixMonths, Range::YearToDate, Range::OneYear, Range::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Range::OneMonth => "1M",
            Range::ThreeMonths => "3M",
            Range::SixMonths => "6M",
            Range::YearToDate => "YTD",
            Range::OneYear => "1Y",
            Range::All => "ALL",
        }
    }

    /// Case-insensitive `1M`, `3M`, `6M`, `YTD`, `1Y` or `ALL`.
    pub fn parse(raw: &str) -> Option<Self> {
        Range::ALL_RANGES.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// By its name, exactly as written (`"1Y"`): see `model::variant`.
impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::variant::by_name(deserializer, &Range::ALL_RANGES, Range::as_str, "a range: 1M, 3M, 6M, YTD, 1Y or ALL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_case_blind() {
        assert_eq!(Range::parse("ytd"), Some(Range::YearToDate));
        assert_eq!(Range::parse("2Y"), None);
        assert_eq!(serde_json::to_string(&Range::ThreeMonths).unwrap(), r#""3M""#);
        crate::model::variant::assert_names_round_trip(&Range::ALL_RANGES, Range::as_str);
    }
}
