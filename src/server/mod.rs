//! Everything that runs only on the server: configuration, database, sign-in, the
//! REST API, and the axum application that also renders the Leptos pages.

pub mod auth;
pub mod backup;
pub mod clock;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod doors;
pub mod error;
pub mod forms;
pub mod headers;
pub mod live;
pub mod market;
pub mod ops;
pub mod portfolio;
pub mod rest;
pub mod state;
pub mod upload;

use crate::app::{App, shell};
use auth::{throttle::LoginThrottle, token::TokenKeys};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use config::Config;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (JSON and forms are small).
const BODY_LIMIT: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Upgrade(#[from] backup::upgrade::UpgradeError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("startup failed: {0}")]
    Setup(#[from] error::AppError),
}

/// The `folio` binary: read the environment, start, serve until Ctrl-C / SIGTERM.
pub async fn run() -> Result<(), StartError> {
    config::load_dotenv()?;
    // The format is checked again, with a message, when the configuration is read.
    ops::logging::init(
        ops::logging::LogFormat::parse(std::env::var("FOLIO_LOG_FORMAT").ok().as_deref()).unwrap_or_default(),
    );
    let config = Config::from_env()?;
    let drain = config.ops.shutdown_drain;
    let mut running = spawn(config).await?;
    tracing::info!("Folio is listening on http://{}", running.addr);
    if let Some(addr) = running.metrics_addr {
        tracing::info!("metrics are served on http://{addr}/metrics");
    }
    shutdown_signal().await;
    running.mark_draining();
    if let Some(drain) = drain {
        tracing::info!(
            "draining: /readyz answers 503 for {drain:?} before connections stop (a second signal skips it)"
        );
        tokio::select! {
            () = tokio::time::sleep(drain) => {},
            () = shutdown_signal() => {},
        }
    }
    tracing::info!("shutting down: no new connections; finishing the requests under way");
    running.begin_shutdown();
    if running.finished(SHUTDOWN_GRACE).await {
        tracing::info!("every request was answered; stopped");
    } else {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopped anyway");
    }
    Ok(())
}

/// How long a stopping server waits for the requests under way: the request
/// timeout, so any request that could still succeed gets its answer.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(REQUEST_TIMEOUT.as_secs() + 5);

/// A server started in the background (the binary and the integration tests use it).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<()>,
    /// Background jobs (market refresher, daily snapshots, the metrics listener).
    pub background: Vec<tokio::task::JoinHandle<()>>,
    /// Where `/metrics` is served when it has its own address.
    pub metrics_addr: Option<SocketAddr>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Running {
    /// From now on `/readyz` answers 503 (a load balancer stops sending work);
    /// requests are still served.
    pub fn mark_draining(&self) {
        self.state.draining.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops accepting connections; requests under way go on to their answer.
    pub fn begin_shutdown(&self) {
        self.mark_draining();
        // The once-per-deployment jobs stop here; another instance takes the lead.
        self.state.cluster.step_down();
        // Live streams never finish by themselves: end them, with a retry hint.
        self.state.live.close_all();
        let _ = self.shutdown.send(true);
        self.background.iter().for_each(|job| job.abort());
    }

    /// Waits up to `grace` for the server to finish the requests under way; true
    /// when it did (false: it was stopped with some still running).
    pub async fn finished(&mut self, grace: Duration) -> bool {
        match tokio::time::timeout(grace, &mut self.task).await {
            Ok(_) => true,
            Err(_) => {
                self.task.abort();
                false
            }
        }
    }
}

/// Builds the state and the router, binds `config.http.site_addr` (port 0 picks a free
/// port), and serves in a background task.
pub async fn spawn(config: Config) -> Result<Running, StartError> {
    spawn_with_clock(config, clock::Clock::system()).await
}

/// [`spawn`] on `clock`'s days (tests hold it from before the demo is seeded).
pub async fn spawn_with_clock(config: Config, clock: clock::Clock) -> Result<Running, StartError> {
    let migrator = db::Backend::of_url(&config.db.url).migrator();
    spawn_with_migrations(config, clock, migrator).await
}

/// [`spawn_with_clock`] bringing the database up to `migrator`'s schema instead of
/// this binary's: tests start the real app on a deliberately failing migration.
pub async fn spawn_with_migrations(
    config: Config,
    clock: clock::Clock,
    migrator: &sqlx::migrate::Migrator,
) -> Result<Running, StartError> {
    let state = build_state(config, clock, migrator).await?;
    portfolio::seed::seed_demo(&state).await?;
    let addr = state.config.http.site_addr;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (shutdown, mut stopping) = tokio::sync::watch::channel(false);
    let leader_stopping = shutdown.subscribe();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::error!(error = %err, "server stopped");
        }
    });
    let demand = tokio::spawn(live::demand::run(state.clone()));
    let mut background = vec![demand, once_per_deployment(state.clone())];
    if state.cluster.is_shared() {
        let url = state.config.db.url.clone();
        let id = state.cluster.instance_id.clone();
        let (announce, queue) = tokio::sync::mpsc::channel(cluster::bus::QUEUE);
        state.market.join_cluster(state.cluster.watch_role(), announce);
        background.push(tokio::spawn(cluster::leader::run(state.cluster.clone(), url.clone(), leader_stopping)));
        background.push(tokio::spawn(cluster::bus::announce(state.db.clone(), id.clone(), queue)));
        background.push(tokio::spawn(cluster::bus::listen(url, id, state.market.clone())));
        background.push(tokio::spawn(cluster::demand::run(state.clone())));
    }
    // Every instance fetches the history its own writes need (the job is driven by
    // the database, and its calls are on the shared budget).
    background.extend(portfolio::backfill::spawn(state.clone()));
    let mut metrics_addr = None;
    if let Some(wanted) = state.config.ops.metrics_addr {
        if wanted.ip().is_unspecified() && state.config.ops.metrics_token.is_none() {
            tracing::warn!(
                "FOLIO_METRICS_ADDR listens on every interface without FOLIO_METRICS_TOKEN: anyone who can reach \
                 {wanted} can read the metrics; bind a private address or set a token"
            );
        }
        let listener =
            tokio::net::TcpListener::bind(wanted).await.map_err(|source| StartError::Bind { addr: wanted, source })?;
        metrics_addr = Some(listener.local_addr().map_err(|source| StartError::Bind { addr: wanted, source })?);
        let metrics_app = ops::http::metrics_only_router(state.clone());
        background.push(tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, metrics_app).await {
                tracing::error!(error = %err, "the metrics listener stopped");
            }
        }));
    }
    Ok(Running { addr, state, task, background, metrics_addr, shutdown })
}

/// The jobs that must run once per deployment, whichever instance leads: the
/// quote refresher, the Finnhub stream, the daily snapshots, the backup schedule.
/// Standalone (SQLite) they simply run; with several instances they run on the
/// leader and move with the lead (`cluster::leader`).
fn once_per_deployment(state: AppState) -> tokio::task::JoinHandle<()> {
    cluster::leader::while_leading(state.cluster.watch_role(), move || {
        let cluster = state.cluster.clone();
        let also = move || cluster.remote_requested();
        let mut jobs = vec![
            market::refresher::spawn(state.market.clone(), state.config.market.refresh_interval, also),
            portfolio::snapshots::spawn_daily(state.clone()),
        ];
        jobs.extend(market::stream::spawn(
            &state.config.market,
            state.market.clone(),
            state.live.wanted(),
            state.metrics.clone(),
        ));
        jobs.extend(backup::schedule::spawn(state.clone()));
        jobs
    })
}

/// Opens the database and brings it up to `migrator`'s schema (the binary's own,
/// see [`spawn_with_clock`]), then builds everything the handlers share.
pub async fn build_state(
    config: Config,
    clock: clock::Clock,
    migrator: &sqlx::migrate::Migrator,
) -> Result<AppState, StartError> {
    config.db.create_folder()?;
    let session_secret = config.session_secret()?;
    let db = db::open(&config.db.url).await?;
    match backup::upgrade::bring_up_to_date(&db, migrator, &config.db.backup_dir, clock.now()).await? {
        backup::upgrade::Upgrade::Applied { versions, backup } => {
            tracing::info!(?versions, backup = ?backup.map(|b| b.path), "the database schema was brought up to date");
        }
        backup::upgrade::Upgrade::Current => {}
    }
    let leptos_options = LeptosOptions::builder()
        .output_name("folio")
        .site_root(config.http.site_root.as_str())
        .site_pkg_dir("pkg")
        .hash_files(hashed_assets())
        .site_addr(config.http.site_addr)
        .build();
    let metrics = Arc::new(ops::metrics::Metrics::new());
    // One rate budget for every Finnhub call: quotes, profiles, searches, candles.
    let limiter =
        Arc::new(market::limiter::RateLimiter::new(config.market.calls_per_second, config.market.calls_per_minute));
    // On PostgreSQL any number of instances may share the database: they share
    // the budget and elect a leader. SQLite is one process.
    let cluster = match db.backend {
        db::Backend::Postgres => {
            limiter.share(db.clone());
            Arc::new(cluster::Cluster::member())
        }
        db::Backend::Sqlite => Arc::new(cluster::Cluster::standalone()),
    };
    let market = market_service(&config.market, db.clone(), limiter.clone(), metrics.clone(), clock.clone());
    let sources = history_sources(&config.market, limiter, &metrics, &clock);
    let backfill = Arc::new(portfolio::backfill::Backfill::new(sources));
    let tokens = TokenKeys::new(session_secret.expose().as_bytes(), config.auth.token_ttl);
    let logos = Arc::new(market::logos::LogoStore::new(&config.market.finnhub_base_url, &config.http.site_root));
    let limits = auth::throttle::Limits { per_address: config.auth.attempts_per_address, ..Default::default() };
    let dummy_hash = auth::password::hash_password("no password matches this".into(), config.auth.bcrypt_cost).await?;
    let portfolios = Arc::new(portfolio::state::PortfolioStates::new(config.portfolio.cache_bytes, metrics.clone()));
    let live = live::LiveHub::new(config.market.streams_per_user, config.market.streams_total);
    let throttle = Arc::new(LoginThrottle::new(db.clone(), Duration::from_secs(60), limits));
    let uploads = Arc::new(portfolio::activities::uploads::ImportUploads::new(db.clone(), clock.clone()));
    Ok(AppState {
        config: Arc::new(config),
        db,
        tokens: Arc::new(tokens),
        throttle,
        market,
        logos,
        symbol_checks: Arc::default(),
        leptos_options,
        dummy_hash: dummy_hash.into(),
        uploads,
        portfolios,
        metrics,
        draining: Arc::default(),
        clock,
        backfill,
        write_gate: Arc::default(),
        live,
        cluster,
    })
}

/// Finnhub when a key is configured, otherwise simulated demo prices.
/// Whether cargo-leptos built the browser files with hashed names: it then
/// writes `hash.txt` beside the server binary, where Leptos reads the names from.
/// A binary without one (the test harness, a plain `cargo build`) links the
/// plain names.
fn hashed_assets() -> bool {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists())).unwrap_or(false)
}

/// Where history comes from (`FOLIO_HISTORY_SOURCE`): none with demo prices, which
/// have their own simulated history; Finnhub's candles (on the shared budget) and
/// Yahoo as configured.
fn history_sources(
    config: &config::MarketConfig,
    limiter: Arc<market::limiter::RateLimiter>,
    metrics: &Arc<ops::metrics::Metrics>,
    clock: &clock::Clock,
) -> market::history::HistorySources {
    use config::HistorySourceChoice as Choice;
    use market::history::{HistorySources, candles::CandleClient, yahoo::YahooClient};
    let Some(key) = &config.finnhub_api_key else {
        return HistorySources::none(clock.clone());
    };
    let candles = matches!(config.history_source, Choice::Auto | Choice::Finnhub).then(|| {
        CandleClient::new(market::finnhub::FinnhubClient::new(
            &config.finnhub_base_url,
            key.clone(),
            config.finnhub_timeout,
            limiter,
            metrics.clone(),
        ))
    });
    let yahoo = matches!(config.history_source, Choice::Auto | Choice::Yahoo).then(|| {
        YahooClient::new(
            &config.history_base_url,
            config.finnhub_timeout,
            config.history_calls_per_second,
            metrics.clone(),
        )
    });
    HistorySources::new(config.history_source, candles, yahoo, clock.clone())
}

fn market_service(
    config: &config::MarketConfig,
    db: db::Db,
    limiter: Arc<market::limiter::RateLimiter>,
    metrics: Arc<ops::metrics::Metrics>,
    clock: clock::Clock,
) -> Arc<market::service::MarketService> {
    use market::{Upstream, demo::DemoMarket, finnhub::FinnhubClient};
    let upstream = match &config.finnhub_api_key {
        Some(key) => Upstream::Finnhub(FinnhubClient::new(
            &config.finnhub_base_url,
            key.clone(),
            config.finnhub_timeout,
            limiter,
            metrics.clone(),
        )),
        None => {
            tracing::info!("FINNHUB_API_KEY is not set: serving demo prices");
            Upstream::Demo(DemoMarket { clock: clock.clone() })
        }
    };
    market::service::MarketService::new(upstream, db, config.clone(), metrics, clock)
}

/// Pages (server-rendered Leptos, with their server functions), the REST API, the
/// form posts, and static files, behind the sign-in guard.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let security_header = |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::if_not_present(name, value);
    let default_policy = HeaderValue::from_str(&headers::content_security_policy(None)).expect("a valid header");
    let mut app = Router::new()
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .merge(doors::routes(&state.config).into_router())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::guard::require_sign_in))
        .layer(axum::middleware::from_fn(auth::extractor::remember_session))
        .layer(axum::middleware::from_fn(auth::same_origin::refuse_cross_origin_writes))
        // Extractors enforce it, so an oversized API body still gets the JSON envelope.
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(security_header(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(security_header(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, default_policy))
        .layer(axum::middleware::from_fn(headers::cache_policy))
        .layer(axum::middleware::from_fn(headers::page_policy))
        .layer(CompressionLayer::new());
    if state.config.http.secure_cookies {
        app = app.layer(axum::middleware::from_fn(headers::strict_transport));
    }
    if !state.config.http.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state.config.http.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app = app.layer(
        TraceLayer::new_for_http()
            .make_span_with(ops::request_id::span::<axum::body::Body>)
            .on_response(ops::http::LogResponse)
            .on_failure(ops::http::LogFailure),
    );
    if state.config.ops.metrics_enabled() {
        app = app.layer(ops::http::RecordRequests::layer(state.metrics.clone()));
    }
    app.layer(ops::request_id::AssignRequestId).with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
