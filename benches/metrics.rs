//! The cost of the request metrics (`make bench`): what `ops::http::record_request`
//! adds to every request when `/metrics` is on — label lookup, one counter, one
//! histogram observation — from one thread and from two at once (the server's two
//! workers on this machine contend for the same series).
//!
//! Prints ns per recorded request; `scripts/bench.sh` writes it to
//! bench-results/metrics.txt beside the throughput with metrics on and off.

use folio::server::ops::metrics::Metrics;
use std::sync::Arc;
use std::time::Instant;

const RECORDS: u32 = 2_000_000;

fn record(metrics: &Metrics, n: u32) {
    for i in 0..n {
        let route = if i % 4 == 0 { "/healthz" } else { "/api/dashboard/overview" };
        metrics.record_http(std::hint::black_box(route), "GET", "2xx", 0.0012);
    }
}

fn main() {
    let metrics = Arc::new(Metrics::new());
    record(&metrics, 10_000);
    let started = Instant::now();
    record(&metrics, RECORDS);
    let one = started.elapsed().as_nanos() as f64 / f64::from(RECORDS);

    let started = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let metrics = metrics.clone();
            std::thread::spawn(move || record(&metrics, RECORDS))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let two = started.elapsed().as_nanos() as f64 / f64::from(RECORDS);

    println!("record one request, 1 thread    {one:.0} ns");
    println!("record one request, 2 threads   {two:.0} ns (wall time per request pair)");
}
