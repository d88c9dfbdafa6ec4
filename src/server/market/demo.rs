//! Simulated prices for running Folio without an API key, labelled "demo" wherever
//! they appear. Deterministic: a price depends only on the symbol and the trading
//! day, so every run, test and screenshot sees the same numbers for a given day.
//!
//! Each symbol's log-price is its base level plus `beta ×` a shared market factor
//! plus its own noise; both are mean-reverting walks (so prices stay near realistic
//! levels for years) built from a hash of (symbol, day). Weekends have no trading:
//! they repeat Friday's close.

use super::{Fetched, MarketData, MarketError};
use crate::model::{CompanyProfile, PriceSource, Quote, SearchHit, Symbol};
use crate::server::clock::Clock;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

/// name, industry, exchange, base price, beta, daily noise, market cap (millions), IPO.
struct DemoCompany {
    symbol: &'static str,
    name: &'static str,
    industry: &'static str,
    exchange: &'static str,
    base: f64,
    beta: f64,
    noise: f64,
    market_cap: f64,
    ipo: &'static str,
    web: &'static str,
}

const NASDAQ: &str = "NASDAQ NMS - GLOBAL MARKET";
const NYSE: &str = "NEW YORK STOCK EXCHANGE, INC.";

#[rustfmt::skip]
const COMPANIES: &[DemoCompany] = &[
    DemoCompany { symbol: "AAPL", name: "Apple Inc", industry: "Technology", exchange: NASDAQ, base: 182.0, beta: 1.1, noise: 0.010, market_cap: 2_850_000.0, ipo: "1980-12-12", web: "https://www.apple.com/" },
    DemoCompany { symbol: "MSFT", name: "Microsoft Corp", industry: "Technology", exchange: NASDAQ, base: 395.0, beta: 1.0, noise: 0.009, market_cap: 2_950_000.0, ipo: "1986-03-13", web: "https://www.microsoft.com/" },
    DemoCompany { symbol: "GOOGL", name: "Alphabet Inc", industry: "Media", exchange: NASDAQ, base: 148.0, beta: 1.05, noise: 0.012, market_cap: 1_850_000.0, ipo: "2004-08-19", web: "https://abc.xyz/" },
    DemoCompany { symbol: "AMZN", name: "Amazon.com Inc", industry: "Retail", exchange: NASDAQ, base: 160.0, beta: 1.2, noise: 0.013, market_cap: 1_700_000.0, ipo: "1997-05-15", web: "https://www.amazon.com/" },
    DemoCompany { symbol: "TSLA", name: "Tesla Inc", industry: "Automobiles", exchange: NASDAQ, base: 240.0, beta: 1.8, noise: 0.028, market_cap: 780_000.0, ipo: "2010-06-29", web: "https://www.tesla.com/" },
    DemoCompany { symbol: "NVDA", name: "NVIDIA Corp", industry: "Semiconductors", exchange: NASDAQ, base: 510.0, beta: 1.7, noise: 0.022, market_cap: 1_260_000.0, ipo: "1999-01-22", web: "https://www.nvidia.com/" },
    DemoCompany { symbol: "META", name: "Meta Platforms Inc", industry: "Media", exchange: NASDAQ, base: 470.0, beta: 1.3, noise: 0.016, market_cap: 1_200_000.0, ipo: "2012-05-18", web: "https://about.meta.com/" },
    DemoCompany { symbol: "JPM", name: "JPMorgan Chase & Co", industry: "Banking", exchange: NYSE, base: 190.0, beta: 0.9, noise: 0.009, market_cap: 550_000.0, ipo: "1980-03-17", web: "https://www.jpmorganchase.com/" },
    DemoCompany { symbol: "KO", name: "Coca-Cola Co", industry: "Beverages", exchange: NYSE, base: 61.0, beta: 0.6, noise: 0.006, market_cap: 263_000.0, ipo: "1919-09-05", web: "https://www.coca-colacompany.com/" },
    DemoCompany { symbol: "SPY", name: "SPDR S&P 500 ETF Trust", industry: "ETF", exchange: "NYSE ARCA", base: 520.0, beta: 1.0, noise: 0.0, market_cap: 0.0, ipo: "1993-01-22", web: "https://www.ssga.com/" },
];

/// How many past days feed a day's value; older ones have decayed below 0.3 %.
const MEMORY_DAYS: i64 = 200;
const REVERSION: f64 = 0.97;
const MARKET_NOISE: f64 = 0.008;

#[derive(Clone, Default)]
pub struct DemoMarket {
    /// Whose "now" the simulated prices are for (a test holds it still).
    pub clock: Clock,
}

impl DemoMarket {
    fn company(symbol: &Symbol) -> Fetched<&'static DemoCompany> {
        COMPANIES.iter().find(|c| c.symbol == symbol.as_str()).ok_or_else(|| MarketError::NotFound(symbol.to_string()))
    }

    /// Every symbol the demo knows.
    pub fn symbols() -> impl Iterator<Item = Symbol> {
        COMPANIES.iter().filter_map(|c| Symbol::parse(c.symbol).ok())
    }

    /// The close of `symbol` on `day` (weekends: the Friday before), 2 decimals.
    pub fn close_on(symbol: &Symbol, day: NaiveDate) -> Fetched<Decimal> {
        let company = Self::company(symbol)?;
        let day = last_trading_day(day);
        Ok(price_of(company, day))
    }

    /// Trading-day closes from `from` to `to` inclusive.
    pub fn history(symbol: &Symbol, from: NaiveDate, to: NaiveDate) -> Fetched<Vec<(NaiveDate, Decimal)>> {
        let company = Self::company(symbol)?;
        Ok(from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| is_trading_day(*d))
            .map(|d| (d, price_of(company, d)))
            .collect())
    }

    /// The quote as of `now`: today's close (the market is simulated once a day) and
    /// the previous trading day's, timestamped at 16:00 New York (20:00 UTC).
    pub fn quote_at(symbol: &Symbol, now: DateTime<Utc>) -> Fetched<Quote> {
        let company = Self::company(symbol)?;
        let day = last_trading_day(now.date_naive());
        let previous = last_trading_day(day - Duration::days(1));
        let close = price_of(company, day);
        let previous_close = price_of(company, previous);
        let wiggle = |salt: u64| {
            Decimal::from_f64(1.0 + 0.004 * unit(hash(company.symbol, day_number(day), salt))).unwrap_or(Decimal::ONE)
        };
        let open = (previous_close * wiggle(1)).round_dp(2);
        let high = close.max(open) * (Decimal::ONE + (wiggle(2) - Decimal::ONE).abs());
        let low = close.min(open) * (Decimal::ONE - (wiggle(3) - Decimal::ONE).abs());
        let change = close - previous_close;
        let closing_time = day.and_hms_opt(20, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or_default();
        Ok(Quote {
            symbol: symbol.clone(),
            price: close,
            change: Some(change),
            change_percent: Some((change / previous_close * Decimal::from(100)).round_dp(4)),
            high: high.round_dp(2),
            low: low.round_dp(2),
            open,
            previous_close,
            as_of: closing_time.min(now.timestamp()),
            fetched_at: now.timestamp(),
            source: PriceSource::Demo,
            stale: false,
            traded_at: None,
        })
    }
}

impl MarketData for DemoMarket {
    fn source(&self) -> PriceSource {
        PriceSource::Demo
    }

    async fn quote(&self, symbol: &Symbol) -> Fetched<Quote> {
        Self::quote_at(symbol, self.clock.now())
    }

    async fn profile(&self, symbol: &Symbol) -> Fetched<CompanyProfile> {
        let c = Self::company(symbol)?;
        Ok(CompanyProfile {
            ticker: c.symbol.into(),
            name: c.name.into(),
            exchange: c.exchange.into(),
            industry: c.industry.into(),
            country: "US".into(),
            currency: "USD".into(),
            ipo: c.ipo.into(),
            market_capitalization: (c.market_cap > 0.0).then_some(c.market_cap),
            shares_outstanding: (c.market_cap > 0.0).then(|| (c.market_cap / c.base).round()),
            logo: format!("/logos/{}.svg", c.symbol),
            weburl: c.web.into(),
        })
    }

    async fn search(&self, query: &str) -> Fetched<Vec<SearchHit>> {
        let q = query.trim().to_lowercase();
        Ok(COMPANIES
            .iter()
            .filter(|c| {
                !q.is_empty() && (c.symbol.to_lowercase().starts_with(&q) || c.name.to_lowercase().contains(&q))
            })
            .map(|c| SearchHit {
                symbol: c.symbol.into(),
                description: c.name.to_uppercase(),
                kind: if c.symbol == "SPY" { "ETP".into() } else { "Common Stock".into() },
            })
            .collect())
    }
}

pub fn is_trading_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

pub fn last_trading_day(mut day: NaiveDate) -> NaiveDate {
    while !is_trading_day(day) {
        day -= Duration::days(1);
    }
    day
}

fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

fn price_of(company: &DemoCompany, day: NaiveDate) -> Decimal {
    let n = day_number(day);
    let log_level = company.beta * walk("MARKET", MARKET_NOISE, n) + walk(company.symbol, company.noise, n);
    Decimal::from_f64(company.base * log_level.exp()).unwrap_or_default().round_dp(2)
}

/// A mean-reverting walk: Σ_k REVERSION^k · noise · z(day − k).
fn walk(key: &str, noise: f64, day: i64) -> f64 {
    if noise == 0.0 {
        return 0.0;
    }
    let mut weight = 1.0;
    let mut sum = 0.0;
    for k in 0..MEMORY_DAYS {
        sum += weight * normalish(hash(key, day - k, 0));
        weight *= REVERSION;
    }
    noise * sum
}

/// Roughly standard normal: the sum of four uniforms, centred and scaled.
fn normalish(seed: u64) -> f64 {
    let mut state = seed;
    let total: f64 = (0..4)
        .map(|_| {
            state = splitmix(state);
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .sum();
    (total - 2.0) * 3f64.sqrt()
}

/// Uniform in [-1, 1).
fn unit(seed: u64) -> f64 {
    (splitmix(seed) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

fn hash(key: &str, day: i64, salt: u64) -> u64 {
    // FNV-1a over the key, then mixed with the day and salt.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(h ^ (day as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt.rotate_left(32))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn prices_are_deterministic_and_labelled() {
        let now = day(2026, 11, 25).and_hms_opt(15, 0, 0).unwrap().and_utc();
        let a = DemoMarket::quote_at(&sym("AAPL"), now).unwrap();
        let b = DemoMarket::quote_at(&sym("AAPL"), now + Duration::hours(3)).unwrap();
        assert_eq!(a.price, b.price, "stable within a day");
        assert_eq!(a.source, PriceSource::Demo);
        assert_eq!(a.previous_close, DemoMarket::close_on(&sym("AAPL"), day(2026, 11, 24)).unwrap());
        assert_eq!(a.change, Some(a.price - a.previous_close));
        assert!(a.low <= a.price && a.price <= a.high);
        assert!(a.as_of <= now.timestamp());
    }

    #[test]
    fn weekends_repeat_friday() {
        let friday = DemoMarket::close_on(&sym("MSFT"), day(2026, 11, 20)).unwrap();
        assert_eq!(DemoMarket::close_on(&sym("MSFT"), day(2026, 11, 21)).unwrap(), friday);
        assert_eq!(DemoMarket::close_on(&sym("MSFT"), day(2026, 11, 22)).unwrap(), friday);
        let history = DemoMarket::history(&sym("MSFT"), day(2026, 11, 16), day(2026, 11, 22)).unwrap();
        assert_eq!(history.len(), 5);
    }

    #[test]
    fn a_year_of_history_stays_realistic_and_moves() {
        let history = DemoMarket::history(&sym("TSLA"), day(2025, 11, 25), day(2026, 11, 25)).unwrap();
        assert!((250..=262).contains(&history.len()), "{}", history.len());
        let prices: Vec<f64> = history.iter().map(|(_, p)| p.to_string().parse().unwrap()).collect();
        let (min, max) = prices.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
        assert!(min > 240.0 * 0.4 && max < 240.0 * 2.5, "{min}..{max}");
        assert!(max / min > 1.1, "prices should move: {min}..{max}");
        let distinct: std::collections::HashSet<_> = history.iter().map(|(_, p)| *p).collect();
        assert!(distinct.len() > 200);
    }

    #[test]
    fn unknown_symbols_are_not_found() {
        assert!(matches!(DemoMarket::close_on(&sym("ZZZZ"), day(2026, 1, 5)), Err(MarketError::NotFound(_))));
    }
}
