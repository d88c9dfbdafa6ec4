//! Daily price history from outside, for ledgers older than Folio's own records
//! (Finnhub's free `/quote` only gives today; `FINNHUB.md`).
//!
//! Two sources, chosen by `FOLIO_HISTORY_SOURCE`: Finnhub's daily candles when the
//! key's plan allows them (a 403 is remembered for a day and the source skipped
//! meanwhile), and Yahoo Finance's chart API, key-free, the default. Both send
//! **split-adjusted** closes; Folio keeps every price *as traded* (its own recorded
//! closes, today's quote and the ledger's quantities are all as traded), so each
//! fetch is un-adjusted here with the splits the source reports: a close before a
//! split is multiplied by that split's ratio. With the split in the ledger, the
//! value of a position then has no jump on the split day.

pub mod candles;
pub mod prices_file;
pub mod store;
pub mod yahoo;

use super::MarketError;
use crate::model::{SplitRatio, Symbol};
use crate::server::clock::Clock;
use crate::server::config::HistorySourceChoice;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicI64, Ordering};

/// A split a source reported: from `date` on, every `denominator` shares are
/// `numerator`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitEvent {
    pub date: NaiveDate,
    pub ratio: SplitRatio,
}

/// What one fetch brought: closes as traded, oldest first, and the splits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DailyHistory {
    pub closes: Vec<(NaiveDate, Decimal)>,
    pub splits: Vec<SplitEvent>,
}

/// Turns split-adjusted closes into closes as traded: each is multiplied by the
/// ratio of every split after its day (the split's own day is already in new shares).
/// A close that overflows or comes out beyond any real price is dropped, not kept.
pub fn as_traded(adjusted: Vec<(NaiveDate, Decimal)>, splits: &[SplitEvent]) -> Vec<(NaiveDate, Decimal)> {
    adjusted
        .into_iter()
        .filter_map(|(day, close)| {
            let factor = splits
                .iter()
                .filter(|s| s.date > day)
                .try_fold(Decimal::ONE, |f, s| f.checked_mul(s.ratio.numerator.checked_div(s.ratio.denominator)?))?;
            let traded = close.checked_mul(factor)?.round_dp(4).normalize();
            (traded > Decimal::ZERO && traded <= Decimal::from(MAX_CLOSE)).then_some((day, traded))
        })
        .collect()
}

/// The largest close a source may send (the ledger's largest price).
pub const MAX_CLOSE: i64 = 100_000_000;

/// Whether a reported ratio is one a real split could have (1:1,000,000 to 1,000,000:1).
pub fn plausible_ratio(ratio: &SplitRatio) -> bool {
    let (low, high) = (Decimal::new(1, 6), Decimal::from(1_000_000));
    ratio.numerator.checked_div(ratio.denominator).is_some_and(|r| r >= low && r <= high)
}

/// How long a 403 from Finnhub's candles keeps that source skipped.
const FORBIDDEN_FOR: i64 = 24 * 3600;

/// The configured sources, in the order they are tried.
pub struct HistorySources {
    choice: HistorySourceChoice,
    candles: Option<candles::CandleClient>,
    yahoo: Option<yahoo::YahooClient>,
    /// Until when (Unix seconds) candles are skipped after a 403.
    candles_forbidden_until: AtomicI64,
    clock: Clock,
}

impl HistorySources {
    pub fn new(
        choice: HistorySourceChoice,
        candles: Option<candles::CandleClient>,
        yahoo: Option<yahoo::YahooClient>,
        clock: Clock,
    ) -> Self {
        Self { choice, candles, yahoo, candles_forbidden_until: AtomicI64::new(0), clock }
    }

    /// No source (demo prices, or `FOLIO_HISTORY_SOURCE=none`).
    pub fn none(clock: Clock) -> Self {
        Self::new(HistorySourceChoice::None, None, None, clock)
    }

    pub fn is_enabled(&self) -> bool {
        self.candles.is_some() || self.yahoo.is_some()
    }

    fn candles_allowed(&self) -> bool {
        self.clock.now().timestamp() >= self.candles_forbidden_until.load(Ordering::Relaxed)
    }

    /// The daily history of `symbol` over `[from, to]`, and the source's name.
    pub async fn fetch(
        &self,
        symbol: &Symbol,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(DailyHistory, &'static str), MarketError> {
        if let Some(candles) = self.candles.as_ref().filter(|_| self.candles_allowed()) {
            match candles.fetch(symbol, from, to).await {
                Err(MarketError::Forbidden(what)) => {
                    let until = self.clock.now().timestamp() + FORBIDDEN_FOR;
                    self.candles_forbidden_until.store(until, Ordering::Relaxed);
                    tracing::info!(%symbol, "Finnhub's candles are not in this key's plan: skipped for a day");
                    if self.choice == HistorySourceChoice::Finnhub || self.yahoo.is_none() {
                        return Err(MarketError::Forbidden(what));
                    }
                }
                result => return result.map(|history| (history, candles::SOURCE)),
            }
        } else if self.candles.is_some() && self.yahoo.is_none() {
            return Err(MarketError::Forbidden("daily candles (remembered for a day)".into()));
        }
        match &self.yahoo {
            Some(yahoo) => yahoo.fetch(symbol, from, to).await.map(|history| (history, yahoo::SOURCE)),
            None => Err(MarketError::Unavailable("no history source is configured".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    #[test]
    fn adjusted_closes_become_closes_as_traded() {
        let ratio = |n: i64, d: i64| SplitRatio { numerator: Decimal::from(n), denominator: Decimal::from(d) };
        let splits = [
            SplitEvent { date: day("2024-06-10"), ratio: ratio(10, 1) },
            SplitEvent { date: day("2021-07-20"), ratio: ratio(4, 1) },
        ];
        let adjusted = vec![
            (day("2021-07-19"), Decimal::from_str("18.75").unwrap()),
            (day("2024-06-07"), Decimal::from_str("120.888").unwrap()),
            (day("2024-06-10"), Decimal::from_str("121.79").unwrap()),
        ];
        let traded = as_traded(adjusted, &splits);
        assert_eq!(traded[0].1, Decimal::from(750), "before both splits: × 40");
        assert_eq!(traded[1].1, Decimal::from_str("1208.88").unwrap(), "before the 10:1 only");
        assert_eq!(traded[2].1, Decimal::from_str("121.79").unwrap(), "the split's own day is in new shares");
        let reverse = [SplitEvent { date: day("2024-06-10"), ratio: ratio(1, 8) }];
        assert_eq!(as_traded(vec![(day("2024-06-07"), Decimal::from(80))], &reverse)[0].1, Decimal::from(10));
    }
}
