//! A real Prometheus (Debian's package, unpacked by `scripts/bootstrap.sh test`)
//! scrapes Folio through the bearer token, and the series are read back through
//! Prometheus' own HTTP API: proof that the exposition parses, the token setup in
//! the README works, and the values are the ones the traffic made.

use crate::helpers::{TestApp, spawn_app_with_fake};
use crate::operations::series;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "prometheus-scrape-token-0123456789abcdef";

/// The Prometheus binary: `FOLIO_PROMETHEUS_BIN`, the one bootstrap unpacked, or PATH.
fn prometheus_binary() -> PathBuf {
    if let Ok(path) = std::env::var("FOLIO_PROMETHEUS_BIN") {
        return PathBuf::from(path);
    }
    let unpacked = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/prometheus/usr/bin/prometheus");
    if unpacked.exists() {
        return unpacked;
    }
    let on_path = Command::new("prometheus").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        on_path.is_ok_and(|s| s.success()),
        "Prometheus is needed for this test: run `scripts/bootstrap.sh test` (it unpacks Debian's package into .tools/)"
    );
    PathBuf::from("prometheus")
}

/// Prometheus running for one test, stopped when dropped.
struct Prometheus {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_prometheus(app: &TestApp) -> Prometheus {
    let dir = std::env::temp_dir().join(format!("folio-prometheus-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: folio\n    \
         metrics_path: /metrics\n    authorization:\n      type: Bearer\n      credentials: {TOKEN}\n    \
         static_configs:\n      - targets: ['{}']\n",
        app.running.addr
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let child = Command::new(prometheus_binary())
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("Prometheus starts");
    Prometheus { child, base: format!("http://127.0.0.1:{port}"), dir }
}

impl Prometheus {
    /// The value of an instant query's single result, if it has one now.
    async fn value(&self, client: &reqwest::Client, query: &str) -> Option<f64> {
        let response =
            client.get(format!("{}/api/v1/query", self.base)).query(&[("query", query)]).send().await.ok()?;
        let body: Value = response.json().await.ok()?;
        let results = body["data"]["result"].as_array()?;
        if results.len() != 1 {
            return None;
        }
        results[0]["value"][1].as_str()?.parse().ok()
    }

    /// Polls (every 250 ms, at most 60 s) until `query` gives a value `accept` takes.
    async fn wait_for(&self, client: &reqwest::Client, query: &str, accept: impl Fn(f64) -> bool) -> f64 {
        let mut last = None;
        for _ in 0..240 {
            last = self.value(client, query).await;
            if let Some(value) = last
                && accept(value)
            {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let log = std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default();
        panic!("Prometheus never gave an accepted value for {query} (last: {last:?}); its log:\n{log}");
    }
}

#[tokio::test]
async fn a_real_prometheus_scrapes_folio_and_reads_back_the_traffic() {
    let (app, fake) = spawn_app_with_fake(&[("FOLIO_METRICS_TOKEN", TOKEN)]).await;
    fake.state.set_quote("INTC", 30.5, 30.0);
    let prometheus = start_prometheus(&app);
    let client = reqwest::Client::new();

    // Traffic with known counts: 7 health checks, 4 overviews, one upstream quote.
    for _ in 0..7 {
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }
    let token = app.token("demo", "demo123").await;
    for _ in 0..4 {
        assert_eq!(app.get_with_token("/api/dashboard/overview", &token).await.status(), 200);
    }
    assert_eq!(app.get_with_token("/api/dashboard/quote/INTC", &token).await.status(), 200);

    // Scraped with the token: the target is up.
    prometheus.wait_for(&client, r#"up{job="folio"}"#, |v| v == 1.0).await;
    // Request counts are exactly what was sent, by template and status class.
    let healthz = r#"folio_http_requests_total{job="folio",route="/healthz",method="GET",status="2xx"}"#;
    prometheus.wait_for(&client, healthz, |v| v == 7.0).await;
    let overview = r#"folio_http_requests_total{route="/api/dashboard/overview",status="2xx"}"#;
    prometheus.wait_for(&client, overview, |v| v == 4.0).await;
    // Latency: a histogram with as many observations, each well under the timeout.
    let count = r#"folio_http_request_duration_seconds_count{route="/api/dashboard/overview"}"#;
    prometheus.wait_for(&client, count, |v| v == 4.0).await;
    let mean = r#"folio_http_request_duration_seconds_sum{route="/api/dashboard/overview"}
        / folio_http_request_duration_seconds_count{route="/api/dashboard/overview"}"#;
    prometheus.wait_for(&client, mean, |v| v > 0.0 && v < 30.0).await;
    // Upstream calls: the quote reached the fake Finnhub and came back ok.
    let upstream = r#"sum(folio_upstream_calls_total{provider="finnhub",endpoint="quote",outcome="ok"})"#;
    prometheus.wait_for(&client, upstream, |v| v >= 1.0).await;
    // Caches: the overview's quotes and the portfolio state were found kept after the first.
    prometheus.wait_for(&client, r#"folio_market_cache_total{cache="quote",result="hit"}"#, |v| v >= 1.0).await;
    prometheus.wait_for(&client, r#"folio_portfolio_states_total{result="hit"}"#, |v| v >= 3.0).await;
    prometheus.wait_for(&client, "folio_portfolio_state_bytes", |v| v > 0.0).await;

    // Every query of the Grafana dashboard in the repository parses and runs here.
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/grafana/folio-dashboard.json")).unwrap(),
    )
    .unwrap();
    let queries: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| panel["targets"].as_array().unwrap().iter().map(|t| t["expr"].as_str().unwrap()))
        .collect();
    assert!(queries.len() >= 12);
    for query in queries {
        let response =
            client.get(format!("{}/api/v1/query", prometheus.base)).query(&[("query", query)]).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "success", "{query}: {body}");
    }

    // And Prometheus read the same numbers Folio shows.
    let direct = app.client.get(app.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    assert_eq!(series(&direct, r#"folio_http_requests_total{method="GET",route="/healthz",status="2xx"}"#), Some(7.0));
    assert!(series(&direct, r#"folio_upstream_budget_remaining{window="second"}"#).is_some_and(|n| n <= 30.0));
}
