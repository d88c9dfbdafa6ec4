//! Where the money sits: the priced positions' market value grouped by industry,
//! plus cash, as shares of their sum (the dashboard's allocation donut).

use crate::model::{Allocation, PositionRow, Slice};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// The label of positions whose profile names no industry.
pub const UNKNOWN_INDUSTRY: &str = "Industry unknown";

pub fn by_industry(rows: &[PositionRow], cash: Decimal) -> Allocation {
    let mut groups: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut unpriced = Vec::new();
    for row in rows {
        match row.market_value {
            Some(value) => {
                let label = row.industry.clone().unwrap_or_else(|| UNKNOWN_INDUSTRY.to_string());
                *groups.entry(label).or_default() += value;
            }
            None => unpriced.push(row.symbol.clone()),
        }
    }
    if cash > Decimal::ZERO {
        *groups.entry("Cash".to_string()).or_default() += cash;
    }
    let total: Decimal = groups.values().copied().filter(|v| *v > Decimal::ZERO).sum();
    let mut slices: Vec<Slice> = groups
        .into_iter()
        .filter(|(_, value)| *value > Decimal::ZERO)
        .map(|(label, value)| Slice {
            percent: (value / total * Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0),
            label,
            value,
        })
        .collect();
    slices.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    Allocation { slices, unpriced }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn row(symbol: &str, industry: Option<&str>, value: Option<i64>) -> PositionRow {
        PositionRow {
            id: 1,
            symbol: symbol.into(),
            company_name: None,
            quantity: Decimal::ONE,
            average_cost: Decimal::ONE,
            cost_basis: Decimal::ONE,
            current_price: value.map(Decimal::from),
            market_value: value.map(Decimal::from),
            unrealized_pnl: None,
            unrealized_pnl_pct: None,
            day_change: None,
            day_change_pct: None,
            industry: industry.map(str::to_string),
            logo: None,
            opened_at: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            weight: None,
            price_as_of: None,
            price_source: None,
            stale: None,
        }
    }

    #[test]
    fn positions_group_by_industry_with_cash_and_shares_add_to_100() {
        let rows = [
            row("AAPL", Some("Technology"), Some(300)),
            row("MSFT", Some("Technology"), Some(200)),
            row("JNJ", Some("Pharmaceuticals"), Some(250)),
            row("ZZZ", None, Some(50)),
            row("NOPE", Some("Banking"), None),
        ];
        let a = by_industry(&rows, Decimal::from(200));
        let labels: Vec<_> = a.slices.iter().map(|s| (s.label.as_str(), s.value.to_string())).collect();
        assert_eq!(
            labels,
            [
                ("Technology", "500".into()),
                ("Pharmaceuticals", "250".into()),
                ("Cash", "200".into()),
                (UNKNOWN_INDUSTRY, "50".into())
            ]
        );
        assert!((a.slices[0].percent - 50.0).abs() < 1e-9);
        assert!((a.slices.iter().map(|s| s.percent).sum::<f64>() - 100.0).abs() < 1e-9);
        assert_eq!(a.unpriced, ["NOPE"]);
    }

    #[test]
    fn nothing_held_and_no_cash_is_an_empty_allocation() {
        assert_eq!(by_industry(&[], Decimal::ZERO), Allocation::default());
        assert_eq!(by_industry(&[], Decimal::from(-5)).slices, []);
    }
}
