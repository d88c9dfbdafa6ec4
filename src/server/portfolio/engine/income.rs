//! Dividends by month and over a range (the income card and bars), straight from
//! the ledger's dividend activities: no prices, no history needed.

use super::risk::range_start;
use crate::model::{Activity, ActivityKind, Income, MonthIncome, Range};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

/// How many months the bars cover, ending with `today`'s.
pub const MONTHS: u32 = 12;

pub fn income(activities: &[Activity], range: Range, today: NaiveDate) -> Income {
    let dividends = || activities.iter().filter(|a| a.kind == ActivityKind::Dividend);
    let amount = |a: &Activity| a.amount.unwrap_or_default();
    let from = range_start(range, today).unwrap_or(NaiveDate::MIN);
    let this_month = today.with_day(1).unwrap_or(today);
    let months = (0..MONTHS)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .map(|month| {
            let next = month.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
            let total = dividends().filter(|a| a.date >= month && a.date < next).map(amount).sum();
            MonthIncome { month, dividends: total, bar_permille: 0 }
        })
        .collect::<Vec<_>>();
    let largest = months.iter().map(|m| m.dividends).max().unwrap_or_default();
    let mut months = months;
    for m in &mut months {
        if largest > Decimal::ZERO && m.dividends > Decimal::ZERO {
            let share = (m.dividends * Decimal::ONE_THOUSAND / largest).round();
            // A month with any income shows at least a sliver.
            m.bar_permille = u16::try_from(share.mantissa() / 10i128.pow(share.scale())).unwrap_or(1000).max(30);
        }
    }
    Income {
        last_12_months: months.iter().map(|m| m.dividends).sum(),
        range_total: dividends().filter(|a| a.date >= from && a.date <= today).map(amount).sum(),
        all_time: dividends().map(amount).sum(),
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn activity(id: i64, kind: ActivityKind, date: NaiveDate, amount: &str) -> Activity {
        Activity { amount: Some(Decimal::from_str(amount).unwrap()), ..Activity::new(id, kind, date) }
    }

    #[test]
    fn dividends_are_summed_by_month_and_over_the_range() {
        let today = day(2026, 11, 28);
        let ledger = [
            activity(1, ActivityKind::Deposit, day(2025, 1, 2), "10000"),
            activity(2, ActivityKind::Dividend, day(2025, 6, 15), "7.50"),
            activity(3, ActivityKind::Dividend, day(2026, 3, 1), "12.25"),
            activity(4, ActivityKind::Dividend, day(2026, 3, 31), "0.75"),
            activity(5, ActivityKind::Fee, day(2026, 11, 2), "3"),
            activity(6, ActivityKind::Dividend, day(2026, 11, 27), "4"),
        ];
        let one_month = income(&ledger, Range::OneMonth, today);
        assert_eq!(one_month.range_total, Decimal::from(4));
        assert_eq!(one_month.all_time, Decimal::from_str("24.50").unwrap());
        assert_eq!(one_month.months.len(), 12);
        assert_eq!(one_month.months[0].month, day(2025, 12, 1));
        assert_eq!(one_month.months[11].month, day(2026, 11, 1));
        let march = one_month.months.iter().find(|m| m.month == day(2026, 3, 1)).unwrap();
        assert_eq!((march.dividends, march.label()), (Decimal::from(13), "Mar 2026".to_string()));
        assert_eq!(one_month.months[11].dividends, Decimal::from(4), "fees are not income");
        // Bars against the largest month (March, 13): November's 4 is 308 thousandths.
        assert_eq!((march.bar_permille, one_month.months[11].bar_permille), (1000, 308));
        assert_eq!(one_month.months[0].bar_permille, 0);
        assert_eq!(one_month.last_12_months, Decimal::from(17));
        let shown: Decimal = one_month.months.iter().map(|m| m.dividends).sum();
        assert_eq!(shown, Decimal::from(17), "June 2025 is older than the twelve months");
        assert_eq!(income(&ledger, Range::All, today).range_total, one_month.all_time);
        assert_eq!(income(&ledger, Range::YearToDate, today).range_total, Decimal::from(17));
    }

    #[test]
    fn no_dividends_is_twelve_empty_months() {
        let empty = income(&[], Range::All, day(2026, 1, 31));
        assert_eq!((empty.range_total, empty.all_time), (Decimal::ZERO, Decimal::ZERO));
        assert_eq!(empty.months.first().map(|m| m.month), Some(day(2025, 2, 1)));
        assert!(empty.months.iter().all(|m| m.dividends.is_zero()));
    }
}
