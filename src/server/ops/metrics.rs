//! Every metric Folio exposes, registered once per running app.
//!
//! A registry per app rather than the process-wide default: the integration tests
//! start many apps in one process, and each must count only its own requests.
//! Counters are plain atomics (`prometheus`' types are `Arc`s over them), so the
//! code that counts holds a clone and pays one relaxed add. Values that already live
//! elsewhere (the rate budget, the kept portfolios' bytes, the market's state) are
//! read at scrape time into gauges instead of being mirrored on every change.
//!
//! No label ever carries a user name, a symbol or a raw path: routes are templates,
//! outcomes and windows are short fixed lists, so the number of series is bounded.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// Request latency buckets, in seconds: a warm page is ~1 ms, a cold account ~1 s,
/// the request timeout 30 s.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Portfolio builds: a small ledger takes ~1 ms, 50,000 activities about a second.
const BUILD_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route template, method and status class.
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    /// Calls to the market-data provider by provider, endpoint and outcome.
    pub upstream_calls: IntCounterVec,
    /// Times Finnhub answered 429 and every call paused.
    pub upstream_pauses: IntCounter,
    /// Quote and profile lookups, each counted once: hit, stale (served, refreshed
    /// behind), miss (loaded by this lookup), coalesced (waited on another lookup's
    /// load), negative (a symbol remembered as unknown).
    pub market_cache: IntCounterVec,
    /// Portfolio states: hit (kept one used) or miss (built).
    pub portfolio_states: IntCounterVec,
    pub portfolio_build: Histogram,
    /// Tokens checked against the `users` table (at most one per request).
    pub session_checks: IntCounter,
    /// Ledgers replayed to build a kept portfolio state.
    pub ledger_replays: IntCounter,
    /// Portfolio histories rebuilt and written.
    pub history_rebuilds: IntCounter,
    /// Wrong username or password (counts only; never who).
    pub sign_in_failures: IntCounter,
    /// Sign-in and sign-up attempts refused by the throttle, by kind.
    pub auth_throttled: IntCounterVec,
    /// Passes of the quote refresher (each looks for due symbols and refreshes them).
    pub refresher_passes: IntCounter,
    /// Scheduled backups by outcome (ok, failed).
    pub backups: IntCounterVec,
    /// When the last scheduled backup succeeded (seconds since 1970; 0: none yet).
    pub last_backup: IntGauge,
    /// Connection attempts to the upstream trade stream by outcome (connected,
    /// rejected, failed).
    pub stream_connects: IntCounterVec,
    /// Trades received from the upstream stream (before coalescing).
    pub stream_trades: IntCounter,
    /// Browsers connected to `/api/stream` now.
    pub stream_clients: IntGauge,
    /// Events sent to browsers by type (quote, portfolio).
    pub stream_events: IntCounterVec,
    /// Browser streams ended by the server, by reason (slow, expired, signed_out,
    /// shutdown) or refused (per_user, capacity).
    pub stream_ended: IntCounterVec,
    // Read at scrape time from where the values live.
    budget_remaining: IntGaugeVec,
    budget_paused: prometheus::Gauge,
    market_healthy: IntGauge,
    market_last_success: IntGauge,
    portfolio_bytes: IntGauge,
    portfolio_users: IntGauge,
    draining: IntGauge,
    leader: IntGauge,
}

/// The values read at scrape time.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Calls left in the rolling second and minute (None in demo mode).
    pub budget: Option<(usize, usize)>,
    /// How much longer a 429 pause lasts.
    pub paused: Duration,
    /// False while the market provider's last call failed.
    pub market_healthy: bool,
    pub market_last_success: Option<i64>,
    pub portfolio_users: u64,
    pub portfolio_bytes: u64,
    pub draining: bool,
    /// This instance runs the once-per-deployment jobs (standalone or leader).
    pub leader: bool,
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let metric = IntCounter::new(name, help).expect("a valid metric name");
    registry.register(Box::new(metric.clone())).expect("registered once");
    metric
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric name");
    registry.register(Box::new(metric.clone())).expect("registered once");
    metric
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let metric = IntGauge::new(name, help).expect("a valid metric name");
    registry.register(Box::new(metric.clone())).expect("registered once");
    metric
}

impl Metrics {
    pub fn new() -> Self {
        let r = Registry::new();
        let build_info =
            IntGaugeVec::new(Opts::new("folio_build_info", "Always 1; the version running."), &["version"])
                .expect("a valid metric name");
        r.register(Box::new(build_info.clone())).expect("registered once");
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let http_duration = HistogramVec::new(
            HistogramOpts::new("folio_http_request_duration_seconds", "Time to the response head, by route.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("a valid metric name");
        r.register(Box::new(http_duration.clone())).expect("registered once");
        let portfolio_build = Histogram::with_opts(
            HistogramOpts::new("folio_portfolio_state_build_seconds", "Time to build a user's kept portfolio state.")
                .buckets(BUILD_BUCKETS.to_vec()),
        )
        .expect("a valid metric name");
        r.register(Box::new(portfolio_build.clone())).expect("registered once");
        let budget_remaining = IntGaugeVec::new(
            Opts::new("folio_upstream_budget_remaining", "Finnhub calls left in the rolling window."),
            &["window"],
        )
        .expect("a valid metric name");
        r.register(Box::new(budget_remaining.clone())).expect("registered once");
        let budget_paused = prometheus::Gauge::new(
            "folio_upstream_paused_seconds",
            "Seconds left of a pause Finnhub asked for with a 429 (0: not paused).",
        )
        .expect("a valid metric name");
        r.register(Box::new(budget_paused.clone())).expect("registered once");
        Metrics {
            refresher_passes: counter(&r, "folio_refresher_passes_total", "Passes of the quote refresher."),
            backups: counter_vec(&r, "folio_backups_total", "Scheduled backups by outcome (ok, failed).", &["outcome"]),
            last_backup: gauge(
                &r,
                "folio_last_backup_timestamp_seconds",
                "When the last scheduled backup was written (0: none since the start).",
            ),
            stream_connects: counter_vec(
                &r,
                "folio_stream_upstream_connects_total",
                "Connection attempts to the upstream trade stream by outcome.",
                &["outcome"],
            ),
            stream_trades: counter(
                &r,
                "folio_stream_upstream_trades_total",
                "Trades received from the upstream stream.",
            ),
            stream_clients: gauge(&r, "folio_stream_clients", "Browsers connected to /api/stream."),
            stream_events: counter_vec(
                &r,
                "folio_stream_events_total",
                "Server-sent events written to browsers, by type.",
                &["event"],
            ),
            stream_ended: counter_vec(
                &r,
                "folio_stream_ended_total",
                "Browser streams the server ended or refused, by reason.",
                &["reason"],
            ),
            http_requests: counter_vec(
                &r,
                "folio_http_requests_total",
                "HTTP requests by route template, method and status class.",
                &["route", "method", "status"],
            ),
            http_duration,
            upstream_calls: counter_vec(
                &r,
                "folio_upstream_calls_total",
                "Market-data provider calls by provider, endpoint and outcome.",
                &["provider", "endpoint", "outcome"],
            ),
            upstream_pauses: counter(
                &r,
                "folio_upstream_rate_limit_pauses_total",
                "429 answers that paused every call.",
            ),
            market_cache: counter_vec(
                &r,
                "folio_market_cache_total",
                "Quote and profile lookups by cache and result (hit, stale, miss, coalesced, negative).",
                &["cache", "result"],
            ),
            portfolio_states: counter_vec(
                &r,
                "folio_portfolio_states_total",
                "Portfolio state lookups: hit (kept state used) or miss (built).",
                &["result"],
            ),
            portfolio_build,
            session_checks: counter(&r, "folio_session_checks_total", "Sessions checked against the database."),
            ledger_replays: counter(&r, "folio_ledger_replays_total", "Ledgers replayed to build a portfolio state."),
            history_rebuilds: counter(&r, "folio_history_rebuilds_total", "Portfolio histories rebuilt and written."),
            sign_in_failures: counter(
                &r,
                "folio_sign_in_failures_total",
                "Sign-ins refused for a wrong name or password.",
            ),
            auth_throttled: counter_vec(
                &r,
                "folio_auth_throttled_total",
                "Sign-in and sign-up attempts refused by the throttle.",
                &["kind"],
            ),
            budget_remaining,
            budget_paused,
            market_healthy: gauge(&r, "folio_market_healthy", "1 while the market provider's last call succeeded."),
            market_last_success: gauge(
                &r,
                "folio_market_last_success_timestamp_seconds",
                "When the market provider last answered (Unix seconds; 0: never).",
            ),
            portfolio_bytes: gauge(&r, "folio_portfolio_state_bytes", "Estimated bytes held by kept portfolio states."),
            portfolio_users: gauge(&r, "folio_portfolio_state_users", "Users whose portfolio state is kept."),
            draining: gauge(&r, "folio_draining", "1 once shutdown has begun (readiness answers 503)."),
            leader: gauge(
                &r,
                "folio_leader",
                "1 while this instance runs the refresher, the Finnhub stream and the snapshot and backup jobs \
                 (always on SQLite; on PostgreSQL the one instance holding the leader lock).",
            ),
            registry: r,
        }
    }

    /// Counts and times one HTTP request (labels already reduced to their fixed sets).
    pub fn record_http(&self, route: &str, method: &str, status: &str, seconds: f64) {
        self.http_requests.with_label_values(&[route, method, status]).inc();
        self.http_duration.with_label_values(&[route, method]).observe(seconds);
    }

    /// Counts one provider call.
    pub fn upstream(&self, provider: &str, endpoint: &str, outcome: &str) {
        self.upstream_calls.with_label_values(&[provider, endpoint, outcome]).inc();
    }

    /// Counts one cache lookup (`cache`: quote or profile).
    pub fn cache(&self, cache: &str, result: &str) {
        self.market_cache.with_label_values(&[cache, result]).inc();
    }

    /// The text exposition, with the scrape-time values filled in first.
    pub fn render(&self, sample: &Sample) -> String {
        match sample.budget {
            Some((second, minute)) => {
                self.budget_remaining.with_label_values(&["second"]).set(second as i64);
                self.budget_remaining.with_label_values(&["minute"]).set(minute as i64);
            }
            None => self.budget_remaining.reset(),
        }
        self.budget_paused.set(sample.paused.as_secs_f64());
        self.market_healthy.set(i64::from(sample.market_healthy));
        self.market_last_success.set(sample.market_last_success.unwrap_or(0));
        self.portfolio_users.set(sample.portfolio_users as i64);
        self.portfolio_bytes.set(sample.portfolio_bytes as i64);
        self.draining.set(i64::from(sample.draining));
        self.leader.set(i64::from(sample.leader));
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %err, "could not encode the metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of one series line, e.g. `folio_x_total{a="b"}`.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn counts_and_scrape_time_values_appear_in_the_exposition() {
        let metrics = Metrics::new();
        metrics.upstream("finnhub", "quote", "ok");
        metrics.upstream("finnhub", "quote", "ok");
        metrics.upstream("finnhub", "quote", "rate_limited");
        metrics.cache("quote", "hit");
        metrics.ledger_replays.inc();
        let text = metrics.render(&Sample {
            budget: Some((29, 57)),
            paused: Duration::from_secs(12),
            market_healthy: true,
            market_last_success: Some(1_700_000_000),
            portfolio_users: 3,
            portfolio_bytes: 4096,
            draining: false,
            leader: true,
        });
        let series = |s: &str| value(&text, s);
        assert_eq!(
            series(r#"folio_upstream_calls_total{endpoint="quote",outcome="ok",provider="finnhub"}"#),
            Some(2.0)
        );
        assert_eq!(
            series(r#"folio_upstream_calls_total{endpoint="quote",outcome="rate_limited",provider="finnhub"}"#),
            Some(1.0)
        );
        assert_eq!(series(r#"folio_market_cache_total{cache="quote",result="hit"}"#), Some(1.0));
        assert_eq!(series("folio_ledger_replays_total"), Some(1.0));
        assert_eq!(series(r#"folio_upstream_budget_remaining{window="minute"}"#), Some(57.0));
        assert_eq!(series("folio_upstream_paused_seconds"), Some(12.0));
        assert_eq!(series("folio_market_healthy"), Some(1.0));
        assert_eq!(series("folio_portfolio_state_bytes"), Some(4096.0));
        assert_eq!(series(&format!(r#"folio_build_info{{version="{}"}}"#, env!("CARGO_PKG_VERSION"))), Some(1.0));
        assert!(text.contains("# TYPE folio_market_cache_total counter"), "{text}");
    }

    #[test]
    fn demo_mode_has_no_budget_series() {
        let metrics = Metrics::new();
        let text = metrics.render(&Sample { budget: Some((1, 1)), ..Sample::default() });
        assert!(text.contains("folio_upstream_budget_remaining{"));
        let text = metrics.render(&Sample::default());
        assert!(!text.contains("folio_upstream_budget_remaining{"), "{text}");
    }

    #[test]
    fn each_app_counts_only_its_own() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.session_checks.inc();
        assert_eq!((a.session_checks.get(), b.session_checks.get()), (1, 0));
    }

    /// Every metric name the README's table and the Grafana dashboard mention is one
    /// this registry exposes (a renamed metric would leave both silently empty).
    #[test]
    fn documented_and_charted_names_exist() {
        let metrics = Metrics::new();
        metrics.http_requests.with_label_values(&["/", "GET", "2xx"]).inc();
        metrics.http_duration.with_label_values(&["/", "GET"]).observe(0.01);
        metrics.upstream("finnhub", "quote", "ok");
        metrics.cache("quote", "hit");
        metrics.portfolio_states.with_label_values(&["hit"]).inc();
        metrics.auth_throttled.with_label_values(&["sign_in"]).inc();
        metrics.backups.with_label_values(&["ok"]).inc();
        metrics.stream_connects.with_label_values(&["connected"]).inc();
        metrics.stream_events.with_label_values(&["quote"]).inc();
        metrics.stream_ended.with_label_values(&["slow"]).inc();
        let text = metrics.render(&Sample { budget: Some((1, 1)), ..Sample::default() });
        let exposed: std::collections::BTreeSet<&str> =
            text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
        let readme = include_str!("../../../README.md");
        let dashboard = include_str!("../../../ops/grafana/folio-dashboard.json");
        for (source, text) in [("README.md", readme), ("folio-dashboard.json", dashboard)] {
            let mut mentioned = 0;
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if !word.starts_with("folio_") || word.len() < 8 {
                    continue;
                }
                let base =
                    ["_bucket", "_sum", "_count"].iter().fold(word, |w, suffix| w.strip_suffix(suffix).unwrap_or(w));
                assert!(exposed.contains(base), "{source} names {word}, which is not exposed: {exposed:?}");
                mentioned += 1;
            }
            assert!(mentioned >= 10, "{source} mentions only {mentioned} metrics");
        }
    }
}
