//! Price-history backfill benchmark (`make bench`), against the in-process fake's
//! Yahoo chart API: a ledger of 50 symbols bought ten years ago, one backfill pass
//! (51 calls with the benchmark, one per symbol, at the default polite rate of one
//! a second), then a rebuild of the whole ten-year history from the stored closes.
//!
//! Prints the figures; `scripts/bench.sh` writes them to bench-results/history.txt.

use folio::server::clock::Clock;
use folio::server::portfolio::backfill;
use folio_fakes::finnhub::FakeFinnhub;
use std::collections::HashMap;
use std::time::Instant;

const SYMBOLS: usize = 50;
const YEARS: i64 = 10;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("folio-bench-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = FakeFinnhub::start(None).await.unwrap();
    let symbols: Vec<String> = (0..SYMBOLS).map(|i| format!("H{i:02}")).collect();
    for (i, symbol) in symbols.iter().enumerate() {
        fake.state.set_quote(symbol, 50.0 + i as f64, 49.0 + i as f64);
    }
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", format!("sqlite://{}/bench.db?mode=rwc", dir.display())),
        ("FOLIO_DATA_DIR", dir.display().to_string()),
        ("FINNHUB_API_KEY", "bench".into()),
        ("FINNHUB_BASE_URL", fake.base_url()),
        ("FOLIO_HISTORY_SOURCE", "yahoo".into()),
        ("FOLIO_HISTORY_BASE_URL", format!("http://{}", fake.addr)),
        ("FOLIO_SEED_DEMO", "false".into()),
        ("FOLIO_BCRYPT_COST", "4".into()),
    ]);
    let config = folio::server::config::Config::from_lookup(|key| env.get(key).cloned()).unwrap();
    let per_second = config.market.history_calls_per_second;
    let migrator = folio::server::db::Backend::of_url(&config.db.url).migrator();
    let state = folio::server::build_state(config, Clock::system(), migrator).await.unwrap();
    let user = folio::server::auth::users::create(&state.db, "bench", "not a real hash").await.unwrap().user.id;

    // The symbols' quotes first, so the import's symbol check (one person's share of
    // the upstream budget) finds them known.
    for symbol in &symbols {
        state.market.quote(&folio::model::Symbol::parse(symbol).unwrap()).await.unwrap();
    }
    // A deposit ten years ago, then each symbol bought on its own day.
    let today = state.clock.today();
    let start = today - chrono::Duration::days(YEARS * 365);
    let mut csv = format!("date,kind,symbol,quantity,price,amount\n{start},deposit,,,,1000000\n");
    for (i, symbol) in symbols.iter().enumerate() {
        let day = start + chrono::Duration::days(1 + i as i64);
        csv.push_str(&format!("{day},buy,{symbol},10,20,\n"));
    }
    folio::server::portfolio::activities::import::run(&state, user, csv.as_bytes(), false)
        .await
        .map_err(|(err, _)| err)
        .unwrap();
    fake.state.clear_calls();

    let started = Instant::now();
    let pass = backfill::run_once(&state).await.unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(pass.failed.is_empty(), "{:?}", pass.failed);
    let calls: Vec<u64> = fake.state.calls().iter().filter(|c| c.endpoint == "chart").map(|c| c.at_ms).collect();
    let busiest = calls.iter().map(|t| calls.iter().filter(|u| **u >= *t && **u < t + 1000).count()).max().unwrap_or(0);
    let floor = (calls.len().saturating_sub(1)) as f64 / f64::from(per_second);
    let closes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_closes WHERE source = 'yahoo'")
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    println!(
        "backfill of {} symbols x {YEARS} years: {wall:.1} s wall, {} calls to the chart API, at most {busiest} in any second; \
         the polite floor at {per_second}/s is {floor:.1} s ({:.2} x floor); {closes} closes stored; {} users rebuilt",
        pass.fetched.len(),
        calls.len(),
        wall / floor.max(0.001),
        pass.rebuilt_users,
    );

    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        state.portfolios.rebuild_all(&state, user, today).await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let days: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM portfolio_snapshots WHERE user_id = $1")
        .bind(user)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    println!(
        "rebuild of the whole history ({days} days, {SYMBOLS} symbols + the benchmark) from stored closes: median {:.0} ms, min {:.0} ms (5 runs)",
        times[2], times[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
