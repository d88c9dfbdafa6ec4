//! What `/api/stream` sends (server-sent events) and the dashboard reads: a
//! `quote` event per changed price and one `portfolio` event with the figures that
//! move with prices, revalued on the server from the person's kept portfolio.
//! The same names as the dashboard's own fields, so the page swaps one for the other.
//! Amounts are exact decimals written as JSON strings, as the page reads them.

use super::PriceSource;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A `quote` event: the latest price of one symbol the person holds (or the benchmark).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveQuote {
    pub symbol: String,
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub price: Decimal,
    /// Against the previous close of the last REST quote; unknown when upstream sent none.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub change: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub change_percent: Option<Decimal>,
    /// When the trade happened (Unix milliseconds, UTC).
    pub time: i64,
    pub source: PriceSource,
}

/// A `portfolio` event: the figures that move with prices, as the overview and the
/// positions table show them. `None` where a price is missing (as on the page).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LivePortfolio {
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub total_value: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub market_value: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub unrealized_pnl: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub total_return: Option<Decimal>,
    /// In percent.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub total_return_percent: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub day_change: Option<Decimal>,
    /// In percent.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub day_change_percent: Option<Decimal>,
    pub positions: Vec<LivePosition>,
}

/// One position's figures that move with its price (the positions table's names).
///
/// The page also reads a `quote` event as one (its `price`, `change` and
/// `change_percent` by their aliases below; the rest left unread), so the WASM has
/// one decoder for both events.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LivePosition {
    pub symbol: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    #[serde(alias = "price")]
    pub current_price: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub market_value: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub unrealized_pnl: Option<Decimal>,
    /// In percent.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub unrealized_pnl_pct: Option<Decimal>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    #[serde(alias = "change")]
    pub day_change: Option<Decimal>,
    /// In percent.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    #[serde(alias = "change_percent")]
    pub day_change_pct: Option<Decimal>,
    /// In percent of the priced positions' market value.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub weight: Option<Decimal>,
}

/// The upstream trade stream, for the price badge and `/api/market/status`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamStatus {
    pub state: StreamState,
    /// Symbols subscribed now.
    pub symbols: usize,
    /// The last message from upstream (Unix seconds); a silent stream during market
    /// hours is a problem, outside them it is normal.
    pub last_message_at: Option<i64>,
    /// Why it is not connected, when it is not.
    pub reason: Option<String>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamState {
    /// `FINNHUB_STREAM=false`: prices are polled over REST only.
    Off,
    Connecting,
    Connected,
    /// Lost; reconnecting after a pause (REST polling meanwhile).
    Down,
    /// Finnhub refused the key: no more attempts until restart.
    Rejected,
    /// Simulated trades for the demo prices.
    Demo,
}

impl StreamState {
    /// Prices arrive as trades happen.
    pub fn is_live(self) -> bool {
        matches!(self, StreamState::Connected | StreamState::Demo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_reads_a_quote_event_as_a_position() {
        let quote = LiveQuote {
            symbol: "AAPL".into(),
            price: Decimal::new(20_000, 2),
            change: Some(Decimal::new(1285, 2)),
            change_percent: None,
            time: 1_700_000_000_000,
            source: PriceSource::Finnhub,
        };
        let read: LivePosition = crate::wire::from_json(&serde_json::to_string(&quote).unwrap()).unwrap();
        assert_eq!(read.symbol, "AAPL");
        assert_eq!(read.current_price, Some(quote.price));
        assert_eq!(read.day_change, quote.change);
        assert_eq!(read.day_change_pct, None);
        assert_eq!((read.market_value, read.weight), (None, None), "what a quote does not carry stays unknown");
    }
}
