//! Live-stream benchmark (`make bench`, bench-results/stream.txt): the release
//! server as its own process (so its memory and CPU are its own), on a fake
//! Finnhub in this process; 100 people holding the same 50 symbols, 10 browsers
//! each (1,000 `/api/stream` connections on loopback, the most a person may open).
//!
//! - Fan-out latency: one trade pushed at the fake's WebSocket until each of the
//!   1,000 streams has its `quote` event; 20 rounds, half a second apart.
//! - Memory: the server's resident memory with the 1,000 streams open, less before.
//! - CPU: the server's CPU time while all 50 symbols trade 10 times a second for 10 s.
//!
//! The clients share this process and the machine's 2 cores with the server.
//! Prints the figures; `scripts/bench.sh` writes them to bench-results/stream.txt.

use folio_fakes::finnhub::FakeFinnhub;
use folio_fakes::stream::FakeTrade;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const PEOPLE: usize = 100;
// BENCH_PEOPLE overrides it for a quick look.
const PER_PERSON: usize = 10;
const SYMBOLS: usize = 50;
const ROUNDS: usize = 20;
const KEY: &str = "bench-key";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// (resident KiB, CPU ticks) of a process, from /proc.
fn usage(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    (rss, ticks)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let binary = std::env::var("FOLIO_BIN").unwrap_or_else(|_| "target/release/folio".into());
    let dir = std::env::temp_dir().join(format!("folio-bench-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = FakeFinnhub::start(Some(KEY)).await.unwrap();
    let symbols: Vec<String> = (0..SYMBOLS).map(|i| format!("L{i:02}")).collect();
    for (i, symbol) in symbols.iter().enumerate() {
        fake.state.set_quote(symbol, 100.0 + i as f64, 99.0 + i as f64);
    }
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let server = std::process::Command::new(&binary)
        .env_remove("DATABASE_URL")
        .env("FOLIO_DATA_DIR", &dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("FINNHUB_API_KEY", KEY)
        .env("FINNHUB_BASE_URL", fake.base_url())
        .env("FINNHUB_WS_URL", fake.ws_url())
        .env("FINNHUB_CALLS_PER_MINUTE", "100000")
        .env("FOLIO_HISTORY_SOURCE", "none")
        .env("FOLIO_SEED_DEMO", "false")
        .env("FOLIO_BCRYPT_COST", "4")
        .env("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "100000")
        .env("FOLIO_STREAMS_TOTAL", "5000")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary} (build it first: cargo leptos build --release): {e}"));
    let pid = server.id();
    let _server = Stopped(server);
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let ready = Instant::now();
    while client.get(format!("{base}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(ready.elapsed() < Duration::from_secs(30), "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // 100 people, each holding the 50 symbols. A person may check at most 25
    // symbols new to Folio every 5 minutes: the first two bring in half each.
    let ledger = |range: std::ops::Range<usize>, deposit: bool| {
        let mut csv = String::from("date,kind,symbol,quantity,price,amount\n");
        if deposit {
            csv.push_str("2025-01-02,deposit,,,,1000000\n");
        }
        for i in range {
            csv.push_str(&format!("2025-01-03,buy,{},{},10,\n", symbols[i], i + 1));
        }
        csv
    };
    let import = |token: String, csv: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let file = reqwest::multipart::Part::text(csv).file_name("ledger.csv").mime_str("text/csv").unwrap();
            let import = client
                .post(format!("{base}/api/activities/import?dry_run=false"))
                .bearer_auth(&token)
                .multipart(reqwest::multipart::Form::new().part("file", file))
                .send()
                .await
                .unwrap();
            assert!(import.status().is_success(), "import: {}", import.text().await.unwrap());
        }
    };
    let people: usize = std::env::var("BENCH_PEOPLE").ok().and_then(|p| p.parse().ok()).unwrap_or(PEOPLE).max(2);
    let mut tokens = Vec::new();
    for n in 0..people {
        let body = serde_json::json!({"username": format!("bench{n:03}"), "password": "a bench password"});
        let signup: serde_json::Value =
            client.post(format!("{base}/api/auth/signup")).json(&body).send().await.unwrap().json().await.unwrap();
        tokens.push(signup["access_token"].as_str().unwrap().to_string());
    }
    let half = SYMBOLS / 2;
    import(tokens[0].clone(), ledger(0..half, true)).await;
    import(tokens[1].clone(), ledger(half..SYMBOLS, true)).await;
    import(tokens[0].clone(), ledger(half..SYMBOLS, false)).await;
    import(tokens[1].clone(), ledger(0..half, false)).await;
    for token in &tokens[2..] {
        import(token.clone(), ledger(0..SYMBOLS, true)).await;
    }
    for token in &tokens {
        // The dashboard once, as a browser would before it opens its stream.
        client.get(format!("{base}/api/dashboard/overview")).bearer_auth(token).send().await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss_before, _) = usage(pid);

    // 1,000 streams; each reports (round, when) for every quote of L00 it reads.
    let (seen, mut arrivals) = mpsc::unbounded_channel::<(u32, Instant)>();
    let opened = Arc::new(AtomicUsize::new(0));
    let events = Arc::new(AtomicUsize::new(0));
    let connecting = Instant::now();
    for token in &tokens {
        for _ in 0..PER_PERSON {
            let stream = client.get(format!("{base}/api/stream")).bearer_auth(token).send().await.unwrap();
            assert_eq!(stream.status(), 200);
            let (seen, opened, events) = (seen.clone(), opened.clone(), events.clone());
            tokio::spawn(async move {
                let mut body = stream.bytes_stream();
                let mut buffer = String::new();
                let mut counted = false;
                while let Some(Ok(chunk)) = body.next().await {
                    let at = Instant::now();
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find("\n\n") {
                        let block: String = buffer.drain(..end + 2).collect();
                        events.fetch_add(1, Ordering::Relaxed);
                        if !counted && block.contains("event: portfolio") {
                            counted = true;
                            opened.fetch_add(1, Ordering::Relaxed);
                        }
                        // Round r pushes L00 at 1000 + r.
                        if block.contains("event: quote")
                            && block.contains("\"symbol\":\"L00\"")
                            && let Some(price) = block.split("\"price\":\"").nth(1).and_then(|p| p.split('"').next())
                            && let Ok(price) = price.parse::<f64>()
                            && price >= 1000.0
                        {
                            let _ = seen.send(((price - 1000.0) as u32, at));
                        }
                    }
                }
            });
        }
    }
    while opened.load(Ordering::Relaxed) < people * PER_PERSON {
        assert!(
            connecting.elapsed() < Duration::from_secs(60),
            "only {} streams opened",
            opened.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open_time = connecting.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_open, _) = usage(pid);
    let subscribed = fake.state.wait_for_stream(Duration::from_secs(30), |s| s.subscriptions.len() >= SYMBOLS).await;
    assert!(subscribed, "the server did not subscribe: {:?}", fake.state.stream_status());

    // Fan-out latency of one trade.
    let clients = people * PER_PERSON;
    let mut latencies = Vec::new();
    let mut missing = 0;
    for round in 1..=ROUNDS as u32 {
        while arrivals.try_recv().is_ok() {}
        let pushed = Instant::now();
        fake.state.push_trades(&[FakeTrade::new("L00", 1000.0 + f64::from(round))]);
        let deadline = pushed + Duration::from_secs(5);
        let mut got = 0;
        while got < clients {
            match tokio::time::timeout_at(deadline.into(), arrivals.recv()).await {
                Ok(Some((r, at))) if r == round => {
                    got += 1;
                    latencies.push(at.duration_since(pushed).as_secs_f64() * 1000.0);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        missing += clients - got;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    latencies.sort_by(f64::total_cmp);

    // CPU while every symbol trades 10 times a second.
    let events_before = events.load(Ordering::Relaxed);
    let (_, ticks_before) = usage(pid);
    let ticking = Instant::now();
    let mut step = 0u32;
    while ticking.elapsed() < Duration::from_secs(10) {
        step += 1;
        let trades: Vec<FakeTrade> = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| FakeTrade::new(s, 100.0 + i as f64 + f64::from(step % 7) / 100.0))
            .collect();
        fake.state.push_trades(&trades);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = ticking.elapsed().as_secs_f64();
    let (rss_ticking, ticks_after) = usage(pid);
    let hz = 100.0; // USER_HZ on Linux
    let cpu = (ticks_after - ticks_before) as f64 / hz / seconds * 100.0;
    let delivered = events.load(Ordering::Relaxed) - events_before;

    println!(
        "1,000 concurrent SSE clients (100 people x 10 streams, 50 symbols each) on loopback, release server process"
    );
    println!("streams opened (each to its first portfolio event)  {clients} in {:.1} s", open_time.as_secs_f64());
    println!(
        "one trade fanned out to all, {ROUNDS} rounds           p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  [target p99 <= 100 ms]  ({} samples, {missing} missing)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        latencies.len()
    );
    println!(
        "server memory: {:.1} MiB before, {:.1} MiB with the streams open -> {:.1} KiB per connected client",
        rss_before as f64 / 1024.0,
        rss_open as f64 / 1024.0,
        (rss_open.saturating_sub(rss_before)) as f64 / clients as f64
    );
    println!(
        "50 symbols x 10 trades/s for {seconds:.0} s: server CPU {cpu:.0} % of one core, {:.0} events/s written to browsers (each stream at most 4 updates/s), RSS {:.1} MiB",
        delivered as f64 / seconds,
        rss_ticking as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server process, stopped when the benchmark ends (or fails).
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
