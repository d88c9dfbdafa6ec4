//! Lots + quotes → positions and the ledger's headline figures (METRICS.md,
//! "Ledger arithmetic"), in exact decimals. A position without a price has no
//! market value; totals then say which symbols are missing instead of guessing.

use super::ledger::Ledger;
use crate::model::{Quote, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    pub symbol: Symbol,
    pub quantity: Decimal,
    pub cost_basis: Decimal,
    /// cost basis / quantity.
    pub average_cost: Decimal,
    pub opened_at: NaiveDate,
    /// The buy that opened the oldest open lot (the position's id in the API).
    pub opened_by: i64,
    pub quote: Option<Quote>,
    pub market_value: Option<Decimal>,
    pub unrealized: Option<Decimal>,
    pub unrealized_percent: Option<Decimal>,
    /// quantity × (last − previous close).
    pub day_change: Option<Decimal>,
    pub day_change_percent: Option<Decimal>,
    /// Share of the priced positions' market value, in percent.
    pub weight: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Valuation {
    pub positions: Vec<Position>,
    pub cash: Decimal,
    pub invested: Decimal,
    /// None while any position has no price (see `missing_prices`).
    pub market_value: Option<Decimal>,
    pub total_value: Option<Decimal>,
    pub unrealized: Option<Decimal>,
    pub unrealized_percent: Option<Decimal>,
    pub realized: Decimal,
    pub dividends: Decimal,
    pub fees: Decimal,
    pub net_contributions: Decimal,
    /// total value − net contributions.
    pub total_return: Option<Decimal>,
    pub total_return_percent: Option<Decimal>,
    /// Today's price move of the whole portfolio: Σ quantity × (last − previous
    /// close); `None` while any position has no price.
    pub day_change: Option<Decimal>,
    /// day change / (total value − day change) × 100: the move against the value
    /// at the previous close.
    pub day_change_percent: Option<Decimal>,
    pub missing_prices: Vec<Symbol>,
}

fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    (!whole.is_zero()).then(|| part / whole * Decimal::ONE_HUNDRED)
}

impl Valuation {
    pub fn new(ledger: &Ledger, quotes: &HashMap<Symbol, Quote>) -> Self {
        let mut positions: Vec<Position> = ledger
            .lots
            .iter()
            .map(|(symbol, lots)| {
                let quantity: Decimal = lots.iter().map(|l| l.quantity).sum();
                let cost_basis: Decimal = lots.iter().map(|l| l.cost).sum();
                let quote = quotes.get(symbol).cloned();
                let market_value = quote.as_ref().map(|q| quantity * q.price);
                let unrealized = market_value.map(|mv| mv - cost_basis);
                Position {
                    symbol: symbol.clone(),
                    quantity,
                    cost_basis,
                    average_cost: cost_basis / quantity,
                    opened_at: lots.front().map(|l| l.opened_at).unwrap_or_default(),
                    opened_by: lots.front().map(|l| l.activity_id).unwrap_or_default(),
                    day_change: quote.as_ref().map(|q| quantity * (q.price - q.previous_close)),
                    day_change_percent: quote.as_ref().and_then(|q| q.change_percent),
                    unrealized_percent: unrealized.and_then(|u| percent(u, cost_basis)),
                    quote,
                    market_value,
                    unrealized,
                    weight: None,
                }
            })
            .collect();
        let missing_prices: Vec<Symbol> =
            positions.iter().filter(|p| p.market_value.is_none()).map(|p| p.symbol.clone()).collect();
        let priced_value: Decimal = positions.iter().filter_map(|p| p.market_value).sum();
        for position in &mut positions {
            position.weight = position.market_value.and_then(|mv| percent(mv, priced_value));
        }
        let invested = ledger.invested();
        let market_value = missing_prices.is_empty().then_some(priced_value);
        let total_value = market_value.map(|mv| ledger.cash + mv);
        let net_contributions = ledger.net_contributions();
        let total_return = total_value.map(|tv| tv - net_contributions);
        let unrealized = market_value.map(|mv| mv - invested);
        let day_change: Option<Decimal> =
            missing_prices.is_empty().then(|| positions.iter().filter_map(|p| p.day_change).sum());
        let day_change_percent =
            day_change.zip(total_value).and_then(|(change, total)| percent(change, total - change));
        Self {
            positions,
            cash: ledger.cash,
            invested,
            market_value,
            total_value,
            unrealized,
            unrealized_percent: unrealized.and_then(|u| percent(u, invested)),
            realized: ledger.realized(),
            dividends: ledger.dividends,
            fees: ledger.fees,
            net_contributions,
            total_return,
            total_return_percent: total_return.and_then(|r| percent(r, net_contributions)),
            day_change,
            day_change_percent,
            missing_prices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, ActivityKind, PriceSource};
    use crate::server::portfolio::engine::ledger::Rules;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    fn quote(symbol: &str, price: &str, previous: &str) -> Quote {
        Quote {
            symbol: sym(symbol),
            price: d(price),
            change: Some(d(price) - d(previous)),
            change_percent: Some(((d(price) - d(previous)) / d(previous) * Decimal::ONE_HUNDRED).round_dp(4)),
            high: d(price),
            low: d(previous),
            open: d(previous),
            previous_close: d(previous),
            as_of: 0,
            fetched_at: 0,
            source: PriceSource::Demo,
            stale: false,
            traded_at: None,
        }
    }

    fn ledger() -> Ledger {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let base = |id, kind| Activity::new(id, kind, day);
        let trade = |id, kind, s: &str, q: &str, p: &str| Activity {
            symbol: Some(sym(s)),
            quantity: Some(d(q)),
            price: Some(d(p)),
            ..base(id, kind)
        };
        Ledger::replay(
            &[
                Activity { amount: Some(d("10000")), ..base(1, ActivityKind::Deposit) },
                trade(2, ActivityKind::Buy, "AAA", "10", "100"),
                trade(3, ActivityKind::Buy, "BBB", "20", "50"),
                trade(4, ActivityKind::Sell, "AAA", "5", "120"),
            ],
            Rules::default(),
        )
        .unwrap()
    }

    #[test]
    fn every_headline_figure_follows_metrics_md() {
        let quotes = HashMap::from([(sym("AAA"), quote("AAA", "110", "105")), (sym("BBB"), quote("BBB", "45", "50"))]);
        let v = Valuation::new(&ledger(), &quotes);
        assert_eq!(v.cash, d("8600"));
        assert_eq!(v.invested, d("1500"));
        assert_eq!(v.market_value, Some(d("1450")));
        assert_eq!(v.total_value, Some(d("10050")));
        assert_eq!(v.unrealized, Some(d("-50")));
        assert_eq!(v.realized, d("100"));
        assert_eq!(v.total_return, Some(d("50")));
        assert_eq!(v.total_return_percent, Some(d("0.5")));
        let aaa = &v.positions[0];
        assert_eq!((aaa.quantity, aaa.average_cost, aaa.cost_basis), (d("5"), d("100"), d("500")));
        assert_eq!(
            (aaa.market_value, aaa.unrealized, aaa.unrealized_percent),
            (Some(d("550")), Some(d("50")), Some(d("10")))
        );
        assert_eq!(aaa.day_change, Some(d("25")));
        let weights: Decimal = v.positions.iter().filter_map(|p| p.weight).sum();
        assert_eq!(weights.round_dp(10), d("100"));
        assert_eq!(v.positions[1].day_change, Some(d("-100")));
        // The whole portfolio: 25 − 100 against the value at the previous close
        // (10,050 + 75 = 10,125).
        assert_eq!(v.day_change, Some(d("-75")));
        assert_eq!(v.day_change_percent.map(|p| p.round_dp(4)), Some(d("-0.7407")));
    }

    #[test]
    fn a_missing_price_is_reported_not_guessed() {
        let quotes = HashMap::from([(sym("AAA"), quote("AAA", "110", "105"))]);
        let v = Valuation::new(&ledger(), &quotes);
        assert_eq!(v.missing_prices, vec![sym("BBB")]);
        assert_eq!((v.market_value, v.total_value, v.total_return), (None, None, None));
        assert_eq!((v.day_change, v.day_change_percent), (None, None), "half a day change is not today's change");
        assert_eq!(v.positions[1].market_value, None);
        assert_eq!(v.positions[0].weight, Some(d("100")), "weights among priced positions");
    }
}
