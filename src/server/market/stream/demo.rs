//! Demo prices tick too: with no API key, about once a second every wanted symbol
//! with a quote in memory takes a small random step (at most ±0.1 %), applied as a
//! trade would be. The quotes stay labelled demo, so the badge and every figure
//! still say the prices are simulated; the next refresh brings each one back to
//! the demo's own price for the day.

use crate::model::{StreamState, StreamStatus, Symbol};
use crate::server::market::service::MarketService;
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub const EVERY: Duration = Duration::from_secs(1);

pub async fn run(market: Arc<MarketService>, wanted: watch::Receiver<Vec<Symbol>>) {
    let mut ticker = tokio::time::interval(EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let symbols = wanted.borrow().clone();
        for symbol in &symbols {
            let Some(quote) = market.peek_quote(symbol).await else { continue };
            let price = step(quote.price, random_unit());
            let now_ms = market.now_unix() * 1000 + 999;
            market.apply_trade(symbol, price, now_ms).await;
        }
        market.set_stream_status(StreamStatus {
            state: StreamState::Demo,
            symbols: symbols.len(),
            last_message_at: Some(market.now_unix()),
            reason: None,
        });
    }
}

/// `price` moved by `unit` (in [-1, 1]) tenths of a percent, to the cent.
pub fn step(price: Decimal, unit: f64) -> Decimal {
    let unit = Decimal::try_from(unit.clamp(-1.0, 1.0)).unwrap_or_default();
    let moved = price * (Decimal::ONE + unit / Decimal::from(1000));
    moved.round_dp(2).max(Decimal::new(1, 2))
}

fn random_unit() -> f64 {
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    f64::from(u16::from_le_bytes(bytes)) / 32_767.5 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_step_is_at_most_a_tenth_of_a_percent_to_the_cent() {
        assert_eq!(step(d("200"), 1.0), d("200.2"));
        assert_eq!(step(d("200"), -1.0), d("199.8"));
        assert_eq!(step(d("200"), 7.0), d("200.2"), "clamped");
        assert_eq!(step(d("200"), 0.0), d("200"));
        assert_eq!(step(d("0.01"), -1.0), d("0.01"), "never to nothing");
    }

    #[test]
    fn random_units_stay_in_range() {
        for _ in 0..1000 {
            let u = random_unit();
            assert!((-1.0..=1.0).contains(&u), "{u}");
        }
    }
}
