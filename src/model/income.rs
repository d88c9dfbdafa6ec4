//! Dividends received: what the income card and the monthly bars show, and what
//! `/api/dashboard/income` serialises. Amounts are the dividends as recorded
//! (gross of any fee attached to them, which counts in fees), so the all-time
//! total equals the overview's `dividends`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Income {
    /// Dividends dated within the overview's range.
    pub range_total: Decimal,
    pub all_time: Decimal,
    /// The last twelve calendar months, oldest first, each present even when empty.
    pub months: Vec<MonthIncome>,
    /// The twelve months' sum.
    pub last_12_months: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthIncome {
    /// The first day of the month.
    #[serde(deserialize_with = "super::wire_date::date")]
    pub month: NaiveDate,
    pub dividends: Decimal,
    /// Its bar's height, in thousandths of the largest month's (worked out on the
    /// server, so the WASM draws bars without decimal arithmetic).
    pub bar_permille: u16,
}

impl MonthIncome {
    /// "Mar 2026". Written by hand: chrono's `format` would bring its format-string
    /// parser into the WASM (tens of kilobytes) for this one line.
    pub fn label(&self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS.get(self.month.month0() as usize).copied().unwrap_or("?");
        format!("{month} {}", self.month.year())
    }
}
