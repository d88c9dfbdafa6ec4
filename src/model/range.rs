//! The time ranges a user can look at: 1M, 3M, 6M, YTD, 1Y, ALL.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

    /// The first day of the range ending `today`; `None` for ALL (from the start).
    pub fn start(self, today: NaiveDate) -> Option<NaiveDate> {
        let months_back = |n| today.checked_sub_months(Months::new(n));
        match self {
            Range::OneMonth => months_back(1),
            Range::ThreeMonths => months_back(3),
            Range::SixMonths => months_back(6),
            Range::YearToDate => NaiveDate::from_ymd_opt(today.year(), 1, 1),
            Range::OneYear => months_back(12),
            Range::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_start_where_expected() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(Range::parse("ytd"), Some(Range::YearToDate));
        assert_eq!(Range::parse("2Y"), None);
        assert_eq!(Range::OneMonth.start(today), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(Range::YearToDate.start(today), NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(Range::OneYear.start(today), NaiveDate::from_ymd_opt(2025, 3, 31));
        assert_eq!(Range::All.start(today), None);
        assert_eq!(serde_json::to_string(&Range::ThreeMonths).unwrap(), r#""3M""#);
    }
}
