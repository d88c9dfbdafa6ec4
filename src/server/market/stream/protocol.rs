//! Finnhub's trade stream, message by message (FINNHUB.md, "WebSocket"), and how a
//! trade moves a cached quote. Pure: no socket, no clock.

use crate::model::{Quote, Symbol};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;

/// One trade as Finnhub sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct Trade {
    pub symbol: Symbol,
    pub price: Decimal,
    /// Unix milliseconds.
    pub time_ms: i64,
}

/// What a text message from the stream means.
#[derive(Debug, PartialEq)]
pub enum Inbound {
    /// The usable trades of a `trade` message (a malformed one is left out).
    Trades(Vec<Trade>),
    Ping,
    Error(String),
    /// Anything else (an unknown type, or not JSON): ignored.
    Other,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Vec<serde_json::Value>,
    #[serde(default)]
    msg: Option<String>,
}

#[derive(Deserialize)]
struct RawTrade {
    s: String,
    p: f64,
    t: i64,
}

pub fn parse(text: &str) -> Inbound {
    let Ok(message) = serde_json::from_str::<Message>(text) else {
        return Inbound::Other;
    };
    match message.kind.as_str() {
        "trade" => Inbound::Trades(
            message
                .data
                .into_iter()
                .filter_map(|raw| serde_json::from_value::<RawTrade>(raw).ok())
                .filter_map(|raw| {
                    let symbol = Symbol::parse(&raw.s).ok()?;
                    let price = super::super::to_decimal(raw.p).filter(|p| !p.is_zero())?;
                    (raw.t > 0).then_some(Trade { symbol, price, time_ms: raw.t })
                })
                .collect(),
        ),
        "ping" => Inbound::Ping,
        "error" => Inbound::Error(message.msg.unwrap_or_default()),
        _ => Inbound::Other,
    }
}

pub fn subscribe(symbol: &Symbol) -> String {
    serde_json::json!({"type": "subscribe", "symbol": symbol.as_str()}).to_string()
}

pub fn unsubscribe(symbol: &Symbol) -> String {
    serde_json::json!({"type": "unsubscribe", "symbol": symbol.as_str()}).to_string()
}

/// The last trade of each symbol since the last flush: a burst of trades becomes
/// one price move per symbol per flush.
#[derive(Debug, Default)]
pub struct Coalesced(HashMap<Symbol, Trade>);

impl Coalesced {
    pub fn add(&mut self, trade: Trade) {
        match self.0.get(&trade.symbol) {
            Some(kept) if kept.time_ms > trade.time_ms => {}
            _ => {
                self.0.insert(trade.symbol.clone(), trade);
            }
        }
    }

    pub fn take(&mut self) -> Vec<Trade> {
        let mut trades: Vec<Trade> = self.0.drain().map(|(_, t)| t).collect();
        trades.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        trades
    }

    /// The kept trades of the symbols `due` says may move now (the others stay).
    pub fn take_due(&mut self, due: impl Fn(&Symbol) -> bool) -> Vec<Trade> {
        let symbols: Vec<Symbol> = self.0.keys().filter(|s| due(s)).cloned().collect();
        let mut trades: Vec<Trade> = symbols.iter().filter_map(|s| self.0.remove(s)).collect();
        trades.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        trades
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A trade more than this far ahead of the clock is not believed.
const FUTURE_SLACK: i64 = 60;

/// `cached` moved to a trade at `price` at `time_ms`, seen `now`: the change
/// against the REST quote's previous close, the day's high and low widened,
/// `traded_at` set; `fetched_at` (the REST fetch) is kept. None for a trade older than the quote (it would take the price
/// back in time), dated past `now` + a minute, or whose arithmetic would overflow.
pub fn moved_quote(cached: &Quote, price: Decimal, time_ms: i64, now: i64) -> Option<Quote> {
    let time = time_ms.div_euclid(1000);
    if time < cached.as_of || time > now.saturating_add(FUTURE_SLACK) || price <= Decimal::ZERO {
        return None;
    }
    let mut quote = cached.clone();
    quote.price = price;
    if quote.previous_close > Decimal::ZERO {
        let change = price.checked_sub(quote.previous_close)?;
        quote.change = Some(change);
        let percent = change.checked_div(quote.previous_close)?.checked_mul(Decimal::ONE_HUNDRED)?;
        quote.change_percent = Some(percent.round_dp(4));
    }
    if quote.high > Decimal::ZERO && price > quote.high {
        quote.high = price;
    }
    if quote.low > Decimal::ZERO && price < quote.low {
        quote.low = price;
    }
    quote.as_of = time;
    quote.stale = false;
    quote.traded_at = Some(now);
    Some(quote)
}

/// A REST quote fetched while trades moved `cached`: the newer trade's price (and
/// time) stay, with REST's previous close, open and range (the change recomputed);
/// otherwise the REST quote as it came.
pub fn merged_with_rest(cached: &Quote, rest: Quote) -> Quote {
    if cached.as_of <= rest.as_of {
        return rest;
    }
    match moved_quote(&rest, cached.price, cached.as_of.saturating_mul(1000), cached.as_of) {
        Some(mut merged) => {
            merged.fetched_at = rest.fetched_at;
            merged.traded_at = cached.traded_at;
            merged
        }
        None => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PriceSource;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    fn quote() -> Quote {
        Quote {
            symbol: sym("AAPL"),
            price: d("190"),
            change: Some(d("2")),
            change_percent: Some(d("1.0638")),
            high: d("191"),
            low: d("187"),
            open: d("188"),
            previous_close: d("188"),
            as_of: 1_700_000_000,
            fetched_at: 1_700_000_005,
            source: PriceSource::Finnhub,
            stale: true,
            traded_at: None,
        }
    }

    #[test]
    fn a_trade_message_as_finnhub_sends_it() {
        let text = r#"{"type":"trade","data":[{"s":"AAPL","p":274.7,"t":1587474380227,"v":10,"c":["1"]},
            {"s":"MSFT","p":0,"t":1587474380228,"v":0},{"s":"BINANCE:BTCUSDT","p":7296.89,"t":1587474380229,"v":0.01},
            {"s":"NVDA","p":"880","t":1},{"s":"TSLA","p":240.5,"t":1587474380230,"v":0}]}"#;
        let Inbound::Trades(trades) = parse(text) else { panic!("not trades") };
        // A zero price and a price as a string are left out (a crypto pair is a
        // symbol like any other: only subscribed ones are used).
        assert_eq!(
            trades,
            vec![
                Trade { symbol: sym("AAPL"), price: d("274.7"), time_ms: 1_587_474_380_227 },
                Trade { symbol: sym("BINANCE:BTCUSDT"), price: d("7296.89"), time_ms: 1_587_474_380_229 },
                Trade { symbol: sym("TSLA"), price: d("240.5"), time_ms: 1_587_474_380_230 },
            ]
        );
        assert_eq!(parse(r#"{"type":"ping"}"#), Inbound::Ping);
        assert_eq!(parse(r#"{"type":"error","msg":"Invalid message"}"#), Inbound::Error("Invalid message".into()));
        assert_eq!(parse("not json"), Inbound::Other);
        assert_eq!(parse(r#"{"type":"news","data":[]}"#), Inbound::Other);
    }

    #[test]
    fn subscriptions_are_finnhubs_json() {
        assert_eq!(subscribe(&sym("BRK.B")), r#"{"symbol":"BRK.B","type":"subscribe"}"#);
        assert_eq!(unsubscribe(&sym("AAPL")), r#"{"symbol":"AAPL","type":"unsubscribe"}"#);
    }

    #[test]
    fn the_last_trade_of_each_symbol_wins() {
        let mut batch = Coalesced::default();
        batch.add(Trade { symbol: sym("AAPL"), price: d("1"), time_ms: 10 });
        batch.add(Trade { symbol: sym("AAPL"), price: d("3"), time_ms: 30 });
        batch.add(Trade { symbol: sym("AAPL"), price: d("2"), time_ms: 20 });
        batch.add(Trade { symbol: sym("MSFT"), price: d("5"), time_ms: 5 });
        let msft = batch.take_due(|s| s.as_str() == "MSFT");
        assert_eq!(msft.iter().map(|t| t.price).collect::<Vec<_>>(), vec![d("5")]);
        let taken = batch.take();
        assert_eq!(taken.iter().map(|t| t.price).collect::<Vec<_>>(), vec![d("3")], "AAPL was held back");
        assert!(batch.is_empty());
    }

    #[test]
    fn a_trade_moves_price_change_and_time_but_not_the_previous_close() {
        let moved = moved_quote(&quote(), d("192.5"), 1_700_000_100_999, 1_700_000_101).unwrap();
        assert_eq!(moved.price, d("192.5"));
        assert_eq!(moved.previous_close, d("188"));
        assert_eq!(moved.change, Some(d("4.5")));
        assert_eq!(moved.change_percent, Some(d("2.3936")));
        assert_eq!((moved.high, moved.low, moved.open), (d("192.5"), d("187"), d("188")));
        assert_eq!((moved.as_of, moved.fetched_at, moved.stale), (1_700_000_100, 1_700_000_005, false));
        assert_eq!(moved.traded_at, Some(1_700_000_101));
        let fell = moved_quote(&quote(), d("186"), 1_700_000_100_000, 1_700_000_101).unwrap();
        assert_eq!((fell.low, fell.change), (d("186"), Some(d("-2"))));
    }

    #[test]
    fn a_trade_never_goes_back_in_time_nor_comes_from_the_future() {
        let now = 1_700_000_010;
        assert_eq!(moved_quote(&quote(), d("192"), 1_699_999_999_000, now), None);
        assert!(moved_quote(&quote(), d("192"), 1_700_000_000_000, now).is_some());
        assert!(moved_quote(&quote(), d("192"), (now + 60) * 1000, now).is_some());
        assert_eq!(moved_quote(&quote(), d("192"), (now + 61) * 1000, now), None, "a clock far ahead");
        let mut tiny_close = quote();
        tiny_close.previous_close = Decimal::new(1, 28);
        assert_eq!(moved_quote(&tiny_close, Decimal::MAX, 1_700_000_001_000, now), None, "overflow is refused");
    }

    #[test]
    fn a_rest_refresh_keeps_a_newer_trade_and_takes_the_new_close() {
        let traded = moved_quote(&quote(), d("195"), 1_700_000_100_000, 1_700_000_100).unwrap();
        // REST, fetched later, still has an older last trade (Finnhub's quote lags).
        let mut rest = quote();
        rest.price = d("191");
        rest.previous_close = d("190");
        rest.as_of = 1_700_000_050;
        rest.fetched_at = 1_700_000_120;
        let merged = merged_with_rest(&traded, rest.clone());
        assert_eq!((merged.price, merged.as_of), (d("195"), 1_700_000_100), "never back to the older price");
        assert_eq!((merged.previous_close, merged.change), (d("190"), Some(d("5"))));
        assert_eq!(merged.fetched_at, 1_700_000_120);
        // A REST quote as new as the trade (or newer) wins as it is.
        rest.as_of = 1_700_000_100;
        assert_eq!(merged_with_rest(&traded, rest.clone()), rest);
    }

    #[test]
    fn without_a_previous_close_the_change_stays_unknown() {
        let mut q = quote();
        q.previous_close = Decimal::ZERO;
        q.change = None;
        q.change_percent = None;
        let moved = moved_quote(&q, d("200"), 1_700_000_100_000, 1_700_000_100).unwrap();
        assert_eq!((moved.change, moved.change_percent), (None, None));
    }
}
