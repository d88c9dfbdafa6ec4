//! Market data as the pages and the API see it: quotes, company profiles, search
//! hits, and the symbol rule every input goes through before any upstream call.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Where a price came from. Shown next to every price.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceSource {
    Finnhub,
    Demo,
}

impl PriceSource {
    pub const ALL: [PriceSource; 2] = [PriceSource::Finnhub, PriceSource::Demo];

    pub fn as_str(self) -> &'static str {
        match self {
            PriceSource::Finnhub => "finnhub",
            PriceSource::Demo => "demo",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "finnhub" => Some(PriceSource::Finnhub),
            "demo" => Some(PriceSource::Demo),
            _ => None,
        }
    }
}

/// By its name, exactly as written (`"demo"`): see `model::variant`.
impl<'de> Deserialize<'de> for PriceSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::variant::by_name(deserializer, &PriceSource::ALL, PriceSource::as_str, "finnhub or demo")
    }
}

/// A validated ticker: trimmed, upper-case, `^[A-Z0-9][A-Z0-9.\-:]{0,19}$`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

pub const MAX_SYMBOL_LEN: usize = 20;

impl Symbol {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let symbol = raw.trim().to_ascii_uppercase();
        let mut chars = symbol.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | ':'));
        if symbol.is_empty() {
            return Err("A symbol is required.".into());
        }
        if !first_ok || !rest_ok || symbol.len() > MAX_SYMBOL_LEN {
            return Err(format!(
                "“{}” is not a valid symbol: 1 to {MAX_SYMBOL_LEN} letters, digits, '.', '-' or ':', starting with a letter or digit.",
                raw.trim().chars().take(40).collect::<String>()
            ));
        }
        Ok(Symbol(symbol))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Symbol {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Symbol::parse(&value)
    }
}

impl From<Symbol> for String {
    fn from(value: Symbol) -> Self {
        value.0
    }
}

/// The latest price of one symbol, with where it came from and how fresh it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub symbol: Symbol,
    pub price: Decimal,
    /// Change since the previous close; unknown when upstream sends null.
    pub change: Option<Decimal>,
    pub change_percent: Option<Decimal>,
    pub high: Decimal,
    pub low: Decimal,
    pub open: Decimal,
    pub previous_close: Decimal,
    /// Upstream timestamp of the last trade (Unix seconds, UTC).
    pub as_of: i64,
    /// When Folio fetched it (Unix seconds, UTC).
    pub fetched_at: i64,
    pub source: PriceSource,
    /// Older than the quote TTL: the last value we have, not a fresh one.
    pub stale: bool,
    /// When a streamed trade last moved it (Unix seconds, Folio's clock): it then
    /// counts as fresh though its REST fetch is older. Server-side only.
    #[serde(skip)]
    pub traded_at: Option<i64>,
}

/// What is known about a company. `market_capitalization` and `shares_outstanding`
/// are in millions, as Finnhub reports them.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompanyProfile {
    pub ticker: String,
    pub name: String,
    pub exchange: String,
    /// Finnhub's only classification (`finnhubIndustry`); there is no sector field.
    pub industry: String,
    pub country: String,
    pub currency: String,
    pub ipo: String,
    pub market_capitalization: Option<f64>,
    pub shares_outstanding: Option<f64>,
    /// Only ever an http(s) URL or a local `/logos/...` path; empty when unknown.
    pub logo: String,
    pub weburl: String,
}

/// A symbol search hit.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub symbol: String,
    pub description: String,
    pub kind: String,
}

/// The health of the market-data feed, for the price badge.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketStatus {
    pub source: PriceSource,
    /// Last successful upstream answer (Unix seconds).
    pub last_success_at: Option<i64>,
    /// The latest upstream failure, cleared by the next success.
    pub problem: Option<MarketProblem>,
    /// The live trade stream (absent from servers older than it).
    #[serde(default)]
    pub stream: Option<super::StreamStatus>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketProblem {
    pub code: String,
    pub message: String,
    /// When this kind of failure started (Unix seconds).
    pub since: i64,
}

/// What a symbol search may ask for: 1 to 50 characters once trimmed, and no
/// control character anywhere (not even at the ends, which trimming would hide).
/// The market service takes only this type, so every front door checks the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery(String);

pub const MAX_SEARCH_CHARS: usize = 50;

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() || raw.chars().count() > MAX_SEARCH_CHARS || raw.chars().any(char::is_control) {
            return Err(format!("Search for 1 to {MAX_SEARCH_CHARS} characters of a symbol or company name."));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Keeps a URL only if it is http(s) (or a local absolute path); anything else,
/// such as `javascript:`, becomes empty.
pub fn safe_url(raw: &str) -> String {
    let url = raw.trim();
    let lower = url.to_ascii_lowercase();
    let ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"));
    if ok && !url.chars().any(|c| c.is_control() || c == '"' || c == '<' || c == '>') {
        url.to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_sources_are_read_by_name() {
        crate::model::variant::assert_names_round_trip(&PriceSource::ALL, PriceSource::as_str);
    }

    #[test]
    fn a_search_is_short_visible_text() {
        assert_eq!(SearchQuery::parse("  apple ").unwrap().as_str(), "apple");
        for bad in ["", "   ", "\tapple", "apple\n", "a\u{7}b", &"x".repeat(51)] {
            assert!(SearchQuery::parse(bad).is_err(), "{bad:?}");
        }
        assert!(SearchQuery::parse(&"x".repeat(50)).is_ok());
    }

    #[test]
    fn symbols_are_trimmed_and_upper_cased() {
        assert_eq!(Symbol::parse("  aapl ").unwrap().as_str(), "AAPL");
        assert_eq!(Symbol::parse("brk.b").unwrap().as_str(), "BRK.B");
        assert_eq!(Symbol::parse("BINANCE:BTCUSDT").unwrap().as_str(), "BINANCE:BTCUSDT");
        assert_eq!(Symbol::parse("7203.T").unwrap().as_str(), "7203.T");
        assert_eq!(Symbol::parse(&"A".repeat(20)).unwrap().as_str().len(), 20);
    }

    #[test]
    fn bad_symbols_are_refused() {
        for bad in ["", "   ", ".AAPL", "-X", "AA PL", "AAPL;DROP", "<script>", "ÄPFEL", &"A".repeat(21), "AAPL/../x"]
        {
            assert!(Symbol::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn symbols_deserialize_through_validation() {
        assert!(serde_json::from_str::<Symbol>(r#""msft""#).is_ok_and(|s| s.as_str() == "MSFT"));
        assert!(serde_json::from_str::<Symbol>(r#""no good""#).is_err());
    }

    #[test]
    fn only_web_urls_survive() {
        assert_eq!(safe_url("https://x.example/logo.png"), "https://x.example/logo.png");
        assert_eq!(safe_url("/logos/AAPL.svg"), "/logos/AAPL.svg");
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "https://x\"onerror=\"y",
        ] {
            assert_eq!(safe_url(bad), "", "{bad}");
        }
    }
}

/// Everything the `/symbol/:symbol` page shows: the market's view of a symbol and
/// the signed-in user's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymbolView {
    pub symbol: String,
    pub profile: CompanyProfile,
    /// None when the market data has no price right now (with the reason).
    pub quote: Option<Quote>,
    pub quote_problem: Option<String>,
    pub position: Option<super::PositionRow>,
    /// The user's activities in this symbol, newest first.
    pub activities: Vec<super::Activity>,
    /// The open lots, oldest first (FIFO: the next sell takes from the first).
    pub lots: Vec<LotView>,
    /// Realized P&L of every sell of this symbol.
    pub realized: Decimal,
    /// Dividends received from it.
    pub dividends: Decimal,
    /// Splits of this symbol the ledger lacks (see `SplitSuggestion`).
    pub split_suggestions: Vec<super::SplitSuggestion>,
    /// Daily closes over the held period (from the first activity), as an ECharts
    /// option with the trades marked; `None` with fewer than two closes.
    pub price_chart: Option<String>,
    /// The first and last close of the chart, for its text summary.
    #[serde(deserialize_with = "super::wire_date::price_span")]
    pub price_span: super::wire_date::PriceSpan,
    /// Where prices come from and whether the provider is failing (for the
    /// demo and stale labels, shown only when true).
    pub market: MarketStatus,
}

/// One open lot of a position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LotView {
    #[serde(deserialize_with = "super::wire_date::date")]
    pub opened_at: NaiveDate,
    pub quantity: Decimal,
    /// What the lot cost, its share of the buy's fee included.
    pub cost: Decimal,
    /// cost / quantity.
    pub unit_cost: Decimal,
    /// Days held, to today.
    pub age_days: i64,
}
