//! Portfolio-engine benchmark (`make bench`, criterion): replay a 10,000-activity
//! ledger over 50 symbols, value it, and compute every risk figure for all six
//! ranges over 10 years of daily snapshots. Target: well under 5 ms.
//!
//! Also: the same user served from a kept state (`portfolio::state::Kept`: a
//! revaluation at current quotes, risk figures already kept), and the memory that
//! kept state really takes, counted by a wrapping allocator, beside its estimate.

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use folio::model::{Activity, ActivityKind, PriceSource, Quote, Range, Symbol};
use folio::server::portfolio::engine::history::Snapshot;
use folio::server::portfolio::engine::ledger::{Ledger, Rules};
use folio::server::portfolio::engine::risk::risk_figures;
use folio::server::portfolio::engine::valuation::Valuation;
use folio::server::portfolio::state::{Kept, Key};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hint::black_box;

/// Counts the bytes currently allocated, to weigh a kept state for real.
struct Counting;

static LIVE: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> isize {
    LIVE.load(std::sync::atomic::Ordering::Relaxed)
}

const SYMBOLS: usize = 50;
const ACTIVITIES: usize = 10_000;
const DAYS: i64 = 3_650;

/// A small deterministic generator (no dependency needed for test data).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ledger_and_quotes(start: NaiveDate) -> (Vec<Activity>, HashMap<Symbol, Quote>) {
    let symbols: Vec<Symbol> = (0..SYMBOLS).map(|i| Symbol::parse(&format!("S{i:02}")).unwrap()).collect();
    let mut rng = Lcg(7);
    let mut held = vec![0i64; SYMBOLS];
    let mut activities = Vec::with_capacity(ACTIVITIES);
    for id in 0..ACTIVITIES as i64 {
        let date = start + Duration::days(id * DAYS / ACTIVITIES as i64);
        let mut a = Activity::new(id + 1, ActivityKind::Deposit, date);
        let s = rng.below(SYMBOLS as u64) as usize;
        let price = Decimal::new(5_000 + rng.below(20_000) as i64, 2);
        match (id % 10, held[s]) {
            (0, _) => a.amount = Some(Decimal::from(5_000)),
            (1..=5, _) => {
                let q = 1 + rng.below(10) as i64;
                held[s] += q;
                a = Activity {
                    kind: ActivityKind::Buy,
                    symbol: Some(symbols[s].clone()),
                    quantity: Some(Decimal::from(q)),
                    price: Some(price),
                    fee: Decimal::ONE,
                    ..a
                };
            }
            (6..=8, h) if h > 0 => {
                let q = 1 + rng.below(h as u64) as i64;
                held[s] -= q;
                a = Activity {
                    kind: ActivityKind::Sell,
                    symbol: Some(symbols[s].clone()),
                    quantity: Some(Decimal::from(q)),
                    price: Some(price),
                    fee: Decimal::ONE,
                    ..a
                };
            }
            (9, _) => {
                a = Activity {
                    kind: ActivityKind::Dividend,
                    symbol: Some(symbols[s].clone()),
                    amount: Some(Decimal::from(3)),
                    ..a
                }
            }
            _ => a = Activity { kind: ActivityKind::Fee, amount: Some(Decimal::ONE), ..a },
        }
        activities.push(a);
    }
    let quotes = symbols
        .iter()
        .map(|s| {
            let price = Decimal::new(5_000 + rng.below(20_000) as i64, 2);
            let quote = Quote {
                symbol: s.clone(),
                price,
                change: Some(Decimal::ONE),
                change_percent: Some(Decimal::ONE),
                high: price,
                low: price,
                open: price,
                previous_close: price - Decimal::ONE,
                as_of: 0,
                fetched_at: 0,
                source: PriceSource::Demo,
                stale: false,
                traded_at: None,
            };
            (s.clone(), quote)
        })
        .collect();
    (activities, quotes)
}

fn snapshots(start: NaiveDate) -> Vec<Snapshot> {
    let mut rng = Lcg(11);
    let (mut value, mut bench) = (100_000.0f64, 400.0f64);
    (0..DAYS)
        .map(|n| start + Duration::days(n))
        .filter(|d| folio::server::market::demo::is_trading_day(*d))
        .map(|date| {
            let market = (rng.below(2001) as f64 - 1000.0) / 100_000.0;
            bench *= 1.0 + market;
            value *= 1.0 + 1.2 * market + (rng.below(1001) as f64 - 500.0) / 200_000.0;
            let total = Decimal::from_f64_retain(value).unwrap_or_default().round_dp(2);
            Snapshot {
                date,
                total_value: total,
                cash: Decimal::ZERO,
                invested: total,
                market_value: total,
                net_flow: Decimal::ZERO,
                benchmark_close: Decimal::from_f64_retain(bench).map(|b| b.round_dp(2)),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let start = NaiveDate::from_ymd_opt(2016, 11, 25).unwrap();
    let today = start + Duration::days(DAYS - 1);
    let (activities, quotes) = ledger_and_quotes(start);
    let history = snapshots(start);
    assert!(Ledger::replay(&activities, Rules::default()).is_ok(), "the generated ledger is valid");
    c.bench_function("replay+valuation+metrics (10k activities, 50 symbols, 10y, 6 ranges)", |b| {
        b.iter(|| {
            let ledger = Ledger::replay(black_box(&activities), Rules::default()).unwrap();
            let valuation = Valuation::new(&ledger, &quotes);
            let figures: Vec<_> =
                Range::ALL_RANGES.iter().map(|r| risk_figures(black_box(&history), *r, today, 0.0)).collect();
            black_box((valuation, figures, ledger.win_rate()))
        })
    });

    // The kept state of the same user: built once (its bytes counted), then each
    // request only values it at the quotes and reads the kept risk figures.
    let key = Key { ledger_version: 1, history_version: 1, last_snapshot: history.last().map(|s| s.date) };
    let before = live_bytes();
    let kept = Kept::build(key, activities.clone(), history.clone()).unwrap();
    for range in Range::ALL_RANGES {
        kept.risk(range, today, 0.0);
    }
    let measured = live_bytes() - before;
    println!(
        "kept state of a 10,000-activity user (3,650 days, 6 ranges of risk): {measured} bytes allocated, {} estimated",
        kept.bytes()
    );
    c.bench_function("warm request from a kept state (valuation + 6 kept ranges)", |b| {
        b.iter(|| {
            let valuation = Valuation::new(black_box(&kept.ledger), &quotes);
            let figures: Vec<_> = Range::ALL_RANGES.iter().map(|r| kept.risk(*r, today, 0.0)).collect();
            black_box((valuation, figures, kept.ledger.win_rate()))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
