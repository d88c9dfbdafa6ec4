//! Market-data benchmark (`make bench`), against the in-process fake Finnhub:
//! 1. warm-cache quote lookup latency, p50 and p99;
//! 2. upstream calls while 100 users holding 50 distinct symbols between them load
//!    the dashboard 1,000 times within one minute (quote TTL 60 s, refresher on).
//!
//! Prints the figures; `scripts/bench.sh` writes them to bench-results/market.txt.

use folio::model::Symbol;
use folio::server::config::Secret;
use folio::server::market::finnhub::FinnhubClient;
use folio::server::market::limiter::RateLimiter;
use folio::server::market::service::MarketService;
use folio::server::market::{Upstream, refresher};
use folio_fakes::finnhub::FakeFinnhub;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 100;
const SYMBOLS: usize = 50;
const HOLDINGS_PER_USER: usize = 8;
const LOADS: usize = 1_000;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("folio-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = folio::server::db::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.display())).await.unwrap();
    let fake = FakeFinnhub::start(None).await.unwrap();
    let symbols: Vec<Symbol> = (0..SYMBOLS).map(|i| Symbol::parse(&format!("B{i:02}")).unwrap()).collect();
    for (i, symbol) in symbols.iter().enumerate() {
        fake.state.set_quote(symbol.as_str(), 100.0 + i as f64, 99.0 + i as f64);
    }
    let limiter = Arc::new(RateLimiter::new(30, 60));
    let metrics = Arc::new(folio::server::ops::metrics::Metrics::new());
    let client =
        FinnhubClient::new(&fake.base_url(), Secret::new("bench"), Duration::from_secs(10), limiter, metrics.clone());
    // The defaults: a 60 s quote TTL, a day for profiles, SPY as the benchmark.
    let settings = folio::server::config::Config::from_lookup(|_| None).unwrap().market;
    let market =
        MarketService::new(Upstream::Finnhub(client), db, settings, metrics, folio::server::clock::Clock::system());

    // 1. Warm-cache lookups.
    let aapl = Symbol::parse("AAPL").unwrap();
    market.quote(&aapl).await.unwrap();
    let mut nanos: Vec<u128> = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        let start = Instant::now();
        let quote = market.quote(&aapl).await;
        nanos.push(start.elapsed().as_nanos());
        assert!(quote.is_ok());
    }
    nanos.sort_unstable();
    let pct = |p: f64| nanos[((nanos.len() as f64 * p) as usize).min(nanos.len() - 1)] as f64 / 1000.0;
    println!("warm-cache quote lookup: p50 {:.2} us, p99 {:.2} us (n={})", pct(0.50), pct(0.99), nanos.len());

    // 2. 1,000 dashboard loads by 100 users within a minute.
    fake.state.clear_calls();
    let refresher = refresher::spawn(market.clone(), Duration::from_secs(15), Vec::new);
    let portfolios: Vec<Vec<Symbol>> = (0..USERS)
        .map(|u| (0..HOLDINGS_PER_USER).map(|k| symbols[(u * 7 + k * 3) % SYMBOLS].clone()).collect())
        .collect();
    let distinct: std::collections::HashSet<_> = portfolios.iter().flatten().collect();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for load in 0..LOADS {
        let due = started + Duration::from_millis((load as u64 * 60_000) / LOADS as u64);
        tokio::time::sleep_until(due.into()).await;
        let begin = Instant::now();
        let results = market.quotes(&portfolios[load % USERS]).await;
        slowest = slowest.max(begin.elapsed());
        assert!(results.iter().all(|(_, r)| r.is_ok()));
    }
    refresher.abort();
    let calls = fake.state.calls();
    println!(
        "{LOADS} dashboard loads by {USERS} users ({} distinct symbols) over {:.0} s: {} upstream calls, slowest load {:.1} ms",
        distinct.len(),
        started.elapsed().as_secs_f64(),
        calls.len(),
        slowest.as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(dir);
}
