//! The market-data front door used by every page, route and job.
//!
//! - A value in memory answers at once, fresh or not; a stale one also schedules one
//!   background refresh (stale-while-revalidate), so pages never wait on Finnhub
//!   when anything is cached.
//! - A miss is loaded from the database (a restart starts warm) or, failing that,
//!   fetched; concurrent misses for one symbol share one upstream call (moka's
//!   `try_get_with` coalesces them).
//! - Unknown symbols are remembered for one quote TTL, so they are not re-asked.
//! - Lookups are counted for `/metrics` as hit, stale, miss (this lookup loaded),
//!   coalesced (it waited for another's load) or negative (a remembered unknown).
//! - Upstream failures never produce a price: callers get the last value (stale) or
//!   an error.

use super::{MarketData, MarketError, Upstream, store};
use crate::model::{
    CompanyProfile, MarketProblem, MarketStatus, PriceSource, Quote, SearchHit, SearchQuery, StreamState, StreamStatus,
    Symbol,
};
use crate::server::clock::Clock;
use crate::server::cluster::Role;
use crate::server::cluster::bus::{Announced, Outgoing};
use crate::server::config::MarketConfig;
use crate::server::db::Db;
use crate::server::error::AppError;
use crate::server::ops::metrics::Metrics;
use chrono::NaiveDate;
use moka::future::Cache;
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How many symbols are kept in memory (the database keeps all of them).
const CAPACITY: u64 = 20_000;
/// New quotes a slow listener may fall behind by before it is told it missed some.
const UPDATES_BUFFER: usize = 4_096;
/// A symbol nobody asked for in this long is no longer refreshed in the background.
const REQUESTED_FOR: Duration = Duration::from_secs(24 * 3600);
/// A follower fetches a stale quote itself only when it is this many TTLs old:
/// the leader's refresher did not get to it (it may not know the symbol yet).
const ORPHANED_AFTER: i64 = 3;

/// What a follower needs from the deployment (see `MarketService::join_cluster`).
struct ClusterLink {
    role: watch::Receiver<Role>,
    announce: mpsc::Sender<Outgoing>,
    leader_status: Mutex<Option<MarketStatus>>,
}

/// Whether a quote published is news for the other instances, and whether the
/// database has it yet (the announcer writes it if not).
#[derive(Clone, Copy)]
enum Learned {
    /// Read back from the database or announced by another instance.
    No,
    /// Fetched by this instance, which stored it.
    Stored,
    /// Made here and not stored: a streamed trade.
    NotStored,
}

/// The latest moment a quote speaks for: its REST fetch or a later trade.
fn moment(quote: &Quote) -> i64 {
    quote.fetched_at.max(quote.traded_at.unwrap_or(0))
}

pub struct MarketService {
    upstream: Upstream,
    db: Db,
    pub settings: MarketConfig,
    quotes: Cache<Symbol, Quote>,
    profiles: Cache<Symbol, (CompanyProfile, i64)>,
    unknown: Cache<Symbol, MarketError>,
    searches: Cache<String, Vec<SearchHit>>,
    /// Symbols someone asked for within the last day: what the refresher keeps fresh.
    requested: Cache<Symbol, ()>,
    refreshing: Mutex<HashSet<String>>,
    status: Mutex<MarketStatus>,
    /// The live trade stream's state, shown with `status` (None until one starts).
    stream: Mutex<Option<StreamStatus>>,
    /// Every new quote in memory (fetched, refreshed or moved by a trade), for the
    /// live streams to the browsers (`server::live`). Nobody listening costs nothing.
    updates: tokio::sync::broadcast::Sender<Quote>,
    /// Counts the quotes published: what was computed from the cache at one epoch
    /// holds until it moves.
    epoch: std::sync::atomic::AtomicU64,
    metrics: Arc<Metrics>,
    /// Set when this instance is one of several on one database (`server::cluster`):
    /// its role, and where new quotes go to be announced to the others.
    cluster: std::sync::OnceLock<ClusterLink>,
    /// Ages (TTLs, "stale since") are measured on it, so a test moves time on
    /// instead of sleeping past a TTL.
    clock: Clock,
}

impl MarketService {
    pub fn new(upstream: Upstream, db: Db, settings: MarketConfig, metrics: Arc<Metrics>, clock: Clock) -> Arc<Self> {
        let source = upstream.source();
        Arc::new(Self {
            upstream,
            db,
            quotes: Cache::new(CAPACITY),
            profiles: Cache::new(CAPACITY),
            unknown: Cache::builder().max_capacity(CAPACITY).time_to_live(settings.quote_ttl).build(),
            searches: Cache::builder().max_capacity(1_000).time_to_live(Duration::from_secs(3600)).build(),
            requested: Cache::builder().max_capacity(CAPACITY).time_to_idle(REQUESTED_FOR).build(),
            settings,
            refreshing: Mutex::new(HashSet::new()),
            status: Mutex::new(MarketStatus { source, last_success_at: None, problem: None, stream: None }),
            stream: Mutex::new(None),
            updates: tokio::sync::broadcast::channel(UPDATES_BUFFER).0,
            epoch: std::sync::atomic::AtomicU64::new(0),
            metrics,
            cluster: std::sync::OnceLock::new(),
            clock,
        })
    }

    /// Joins a deployment of several instances: from now on every quote this
    /// instance learns is handed to `announce`, and a follower leaves refreshing to
    /// the leader. Only the first call counts.
    pub fn join_cluster(&self, role: watch::Receiver<Role>, announce: mpsc::Sender<Outgoing>) {
        let _ = self.cluster.set(ClusterLink { role, announce, leader_status: Mutex::default() });
    }

    fn is_follower(&self) -> bool {
        self.cluster.get().is_some_and(|link| !link.role.borrow().leads())
    }

    /// A quote another instance announced: kept (and pushed to this instance's
    /// streams) unless the one in memory is newer.
    pub async fn take_announced(&self, quote: Quote) {
        // An instance misconfigured with the other source (demo beside Finnhub)
        // must not pass its prices off as real ones.
        if quote.source != self.source() {
            return;
        }
        if let Some(cached) = self.quotes.get(&quote.symbol).await
            && moment(&cached) > moment(&quote)
        {
            return;
        }
        self.quotes.insert(quote.symbol.clone(), quote.clone()).await;
        self.publish(&quote, Learned::No);
    }

    /// Counts a finished pass of the refresher (for `/metrics`).
    pub fn note_refresh_pass(&self) {
        self.metrics.refresher_passes.inc();
    }

    /// Now, in seconds since 1970, on the service's clock.
    pub fn now_unix(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// What is left of Finnhub's rate budget (None with demo prices).
    pub fn budget(&self) -> Option<super::limiter::Headroom> {
        match &self.upstream {
            Upstream::Finnhub(client) => Some(client.budget()),
            Upstream::Demo(_) => None,
        }
    }

    /// Counts a demo "call" (Finnhub's client counts each of its own attempts).
    fn count_demo<T>(&self, endpoint: &str, result: &Result<T, MarketError>) {
        if let Upstream::Demo(_) = self.upstream {
            let outcome = match result {
                Ok(_) => "ok",
                Err(MarketError::NotFound(_)) => "not_found",
                Err(_) => "error",
            };
            self.metrics.upstream("demo", endpoint, outcome);
        }
    }

    pub fn source(&self) -> PriceSource {
        self.upstream.source()
    }

    /// The daily closes of `symbol` from `from` to `to`, oldest first, from the
    /// configured source: simulated with demo prices; with Finnhub, the closes in
    /// the database (recorded, fetched by the backfill, or imported from a file by
    /// `viewer`, one per day by `history::store`'s rank). The portfolio's history is built from these.
    pub async fn daily_closes(
        &self,
        symbol: &Symbol,
        from: NaiveDate,
        to: NaiveDate,
        viewer: Option<i64>,
    ) -> Result<Vec<(NaiveDate, Decimal)>, AppError> {
        match self.upstream.source() {
            PriceSource::Demo => Ok(super::demo::DemoMarket::history(symbol, from, to).unwrap_or_default()),
            PriceSource::Finnhub => super::history::store::merged_closes(&self.db, symbol, from, to, viewer).await,
        }
    }

    pub fn status(&self) -> MarketStatus {
        match self.cluster.get() {
            // A follower's prices come through the leader (its refresher, its
            // stream): it shows the leader's state of them.
            Some(link) if !link.role.borrow().leads() => {
                let leader = link.leader_status.lock().unwrap_or_else(|p| p.into_inner()).clone();
                leader.unwrap_or_else(|| MarketStatus {
                    stream: Some(StreamStatus {
                        state: StreamState::Connecting,
                        symbols: 0,
                        last_message_at: None,
                        reason: Some("waiting for the leader instance".into()),
                    }),
                    ..self.own_status()
                })
            }
            _ => self.own_status(),
        }
    }

    /// This instance's own calls and stream (what a leader shares with the others).
    pub fn own_status(&self) -> MarketStatus {
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner()).clone();
        status.stream = self.stream.lock().unwrap_or_else(|p| p.into_inner()).clone();
        status
    }

    /// The leader's state as it last shared it (`cluster::demand`); None: no
    /// leader reported lately.
    pub fn set_leader_status(&self, status: Option<MarketStatus>) {
        if let Some(link) = self.cluster.get() {
            *link.leader_status.lock().unwrap_or_else(|p| p.into_inner()) =
                status.filter(|s| s.source == self.source());
        }
    }

    /// Records the live stream's state (the stream's task calls it on every change).
    pub fn set_stream_status(&self, stream: StreamStatus) {
        *self.stream.lock().unwrap_or_else(|p| p.into_inner()) = Some(stream);
    }

    /// Every quote put in memory from now on (see `updates`).
    pub fn subscribe_updates(&self) -> tokio::sync::broadcast::Receiver<Quote> {
        self.updates.subscribe()
    }

    /// Moves on with every quote published (after it is in the cache).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Tells this instance's listeners and, for a quote this instance learned
    /// (not one it read back or was told), the other instances too (`Learned`).
    fn publish(&self, quote: &Quote, learned: Learned) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        // An error only means nobody is listening.
        let _ = self.updates.send(quote.clone());
        let store = match learned {
            Learned::No => return,
            Learned::Stored => false,
            Learned::NotStored => true,
        };
        if let Some(link) = self.cluster.get()
            && link.announce.try_send(Outgoing { quote: Announced::of(quote), store }).is_err()
        {
            tracing::warn!(symbol = %quote.symbol, "the quote announcements are backed up; this one is not sent");
        }
    }

    /// The quote in memory for `symbol`, as it is (no refresh, not counted as a request).
    pub async fn peek_quote(&self, symbol: &Symbol) -> Option<Quote> {
        self.quotes.get(symbol).await
    }

    /// Moves the cached quote of `symbol` to a trade's price and time. The day's
    /// change stays against the previous close of the REST quote, and `fetched_at`
    /// stays the REST fetch's, so the refresher still brings the close, open and
    /// range up to date every TTL. A trade never makes a quote on its own (without
    /// a REST quote there is no previous close), nor takes one back in time, nor
    /// comes from the future; any of those is ignored (None).
    pub async fn apply_trade(&self, symbol: &Symbol, price: Decimal, time_ms: i64) -> Option<Quote> {
        let cached = self.quotes.get(symbol).await?;
        let moved = super::stream::protocol::moved_quote(&cached, price, time_ms, self.now_unix())?;
        self.quotes.insert(symbol.clone(), moved.clone()).await;
        self.publish(&moved, Learned::NotStored);
        Some(moved)
    }

    /// The latest quote: cached (marked stale past the TTL) or fetched once.
    pub async fn quote(self: &Arc<Self>, symbol: &Symbol) -> Result<Quote, MarketError> {
        self.requested.insert(symbol.clone(), ()).await;
        if let Some(quote) = self.quotes.get(symbol).await {
            let quote = self.freshness(quote);
            self.metrics.cache("quote", if quote.stale { "stale" } else { "hit" });
            return Ok(quote);
        }
        self.load_quote_counted(symbol, true).await
    }

    /// A miss: shared with every concurrent miss for the symbol (one upstream call).
    /// Does not count as a request, so the refresher may use it (nor as a lookup in
    /// the cache metrics).
    pub async fn load_quote(self: &Arc<Self>, symbol: &Symbol) -> Result<Quote, MarketError> {
        self.load_quote_counted(symbol, false).await
    }

    async fn load_quote_counted(self: &Arc<Self>, symbol: &Symbol, counted: bool) -> Result<Quote, MarketError> {
        let count = |result| {
            if counted {
                self.metrics.cache("quote", result);
            }
        };
        if let Some(err) = self.unknown.get(symbol).await {
            count("negative");
            return Err(err);
        }
        let ran = AtomicBool::new(false);
        let fetched = AtomicBool::new(false);
        let load = async {
            ran.store(true, Ordering::Relaxed);
            self.load_or_fetch_quote(symbol, &fetched).await
        };
        let loaded = self.quotes.try_get_with(symbol.clone(), load).await;
        let ran = ran.load(Ordering::Relaxed);
        count(if ran { "miss" } else { "coalesced" });
        match loaded {
            Ok(quote) => {
                if ran {
                    // A fetch stored it already; a quote read from the database is
                    // nothing new to the others.
                    self.publish(&quote, if fetched.load(Ordering::Relaxed) { Learned::Stored } else { Learned::No });
                }
                Ok(self.freshness(quote))
            }
            Err(err) => {
                if let MarketError::NotFound(_) = *err {
                    self.unknown.insert(symbol.clone(), (*err).clone()).await;
                }
                Err((*err).clone())
            }
        }
    }

    /// Quotes of several symbols, concurrently; each with its own outcome.
    pub async fn quotes(self: &Arc<Self>, symbols: &[Symbol]) -> Vec<(Symbol, Result<Quote, MarketError>)> {
        let lookups = symbols.iter().map(|symbol| async move { (symbol.clone(), self.quote(symbol).await) });
        futures::future::join_all(lookups).await
    }

    pub async fn profile(self: &Arc<Self>, symbol: &Symbol) -> Result<CompanyProfile, MarketError> {
        if let Some(entry) = self.profiles.get(symbol).await {
            let stale = self.is_stale(entry.1, self.settings.profile_ttl);
            self.metrics.cache("profile", if stale { "stale" } else { "hit" });
            return Ok(self.profile_freshness(symbol, entry));
        }
        if let Some(err) = self.unknown.get(symbol).await {
            self.metrics.cache("profile", "negative");
            return Err(err);
        }
        let ran = AtomicBool::new(false);
        let load = async {
            ran.store(true, Ordering::Relaxed);
            self.load_or_fetch_profile(symbol).await
        };
        let loaded = self.profiles.try_get_with(symbol.clone(), load).await;
        self.metrics.cache("profile", if ran.load(Ordering::Relaxed) { "miss" } else { "coalesced" });
        match loaded {
            Ok(entry) => Ok(self.profile_freshness(symbol, entry)),
            Err(err) => Err((*err).clone()),
        }
    }

    /// Symbol search (cached for an hour per query). Only a checked `SearchQuery`
    /// reaches the provider.
    pub async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, MarketError> {
        let key = query.as_str().to_lowercase();
        if let Some(hits) = self.searches.get(&key).await {
            return Ok(hits);
        }
        let hits = self.upstream.search(query.as_str()).await;
        self.count_demo("search", &hits);
        let hits = hits.inspect_err(|e| self.note_failure(e))?;
        self.note_success();
        self.searches.insert(key, hits.clone()).await;
        Ok(hits)
    }

    /// Fetches a quote upstream now and stores it (the refresher's path).
    pub async fn refresh_quote(&self, symbol: &Symbol) -> Result<Quote, MarketError> {
        let fetched = self.fetch_quote_unstored(symbol).await?;
        // A trade newer than REST's last price keeps its price; the close, open
        // and range come from REST (a new day starts there). That is what is
        // stored, so the day's close never shows REST's older price meanwhile.
        // Demo trades are simulated: the refresh brings the demo's own price back.
        let quote = match self.quotes.get(symbol).await {
            Some(cached) if self.source() != PriceSource::Demo => {
                super::stream::protocol::merged_with_rest(&cached, fetched)
            }
            _ => fetched,
        };
        // In memory first, as before any await: a trade arriving meanwhile moves
        // this quote rather than being put back by it.
        self.quotes.insert(symbol.clone(), quote.clone()).await;
        self.store_quote(&quote).await;
        self.publish(&quote, Learned::Stored);
        Ok(quote)
    }

    /// Symbols asked for within the last day, with when their quote was fetched
    /// (0 if there is none in memory).
    pub async fn requested_quote_ages(&self) -> Vec<(Symbol, i64)> {
        let mut ages = Vec::new();
        for (symbol, ()) in self.requested.iter() {
            let fetched_at = self.quotes.get(&*symbol).await.map_or(0, |q| q.fetched_at);
            ages.push(((*symbol).clone(), fetched_at));
        }
        ages
    }

    /// When the quote in memory for `symbol` was fetched.
    pub async fn cached_fetched_at(&self, symbol: &Symbol) -> Option<i64> {
        self.quotes.get(symbol).await.map(|q| q.fetched_at)
    }

    pub fn is_refreshing(&self, symbol: &Symbol) -> bool {
        self.refreshing.lock().unwrap_or_else(|p| p.into_inner()).contains(&format!("q:{symbol}"))
    }

    /// Older than `ttl` in whole seconds (so a value is stale at most a second late).
    fn is_stale(&self, fetched_at: i64, ttl: Duration) -> bool {
        self.now_unix().saturating_sub(fetched_at) > ttl.as_secs() as i64
    }

    fn freshness(self: &Arc<Self>, mut quote: Quote) -> Quote {
        // Fresh when fetched within the TTL, or moved by a trade within it.
        let ttl = self.settings.quote_ttl;
        quote.stale = self.is_stale(quote.fetched_at, ttl) && quote.traded_at.is_none_or(|at| self.is_stale(at, ttl));
        if quote.stale {
            let symbol = quote.symbol.clone();
            let follower = self.is_follower();
            self.in_background(format!("q:{symbol}"), move |this| async move {
                if follower {
                    this.catch_up(&symbol).await;
                } else {
                    let _ = this.refresh_quote(&symbol).await;
                }
            });
        }
        quote
    }

    /// A follower's stale quote: the leader refreshes what any instance asks for,
    /// so first the database's copy is taken (an announcement may have been missed);
    /// only a quote the leader has left alone for [`ORPHANED_AFTER`] TTLs is fetched
    /// here (within the shared budget).
    async fn catch_up(&self, symbol: &Symbol) {
        let cached = self.quotes.get(symbol).await;
        if let Ok(Some(stored)) = store::load_quote(&self.db, symbol, self.source()).await
            && cached.as_ref().is_none_or(|c| moment(&stored) > moment(c))
        {
            self.quotes.insert(symbol.clone(), stored.clone()).await;
            self.publish(&stored, Learned::No);
            return;
        }
        let ttl = self.settings.quote_ttl.as_secs() as i64;
        let age = cached.map_or(i64::MAX, |c| self.now_unix().saturating_sub(moment(&c)));
        if age > ttl.saturating_mul(ORPHANED_AFTER) {
            let _ = self.refresh_quote(symbol).await;
        }
    }

    fn profile_freshness(
        self: &Arc<Self>,
        symbol: &Symbol,
        (profile, fetched_at): (CompanyProfile, i64),
    ) -> CompanyProfile {
        if self.is_stale(fetched_at, self.settings.profile_ttl) {
            let symbol = symbol.clone();
            self.in_background(format!("p:{symbol}"), move |this| async move {
                if let Ok(entry) = this.fetch_profile(&symbol).await {
                    this.profiles.insert(symbol, entry).await;
                }
            });
        }
        profile
    }

    /// Runs `job` in a task unless one with the same key is already running.
    fn in_background<F, Fut>(self: &Arc<Self>, key: String, job: F)
    where
        F: FnOnce(Arc<Self>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if !self.refreshing.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone()) {
            return;
        }
        let this = self.clone();
        // Nobody waits on it (the stale value was served): pages keep their share.
        tokio::spawn(super::limiter::as_background(async move {
            job(this.clone()).await;
            this.refreshing.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
        }));
    }

    /// From the database (a restart, or another instance, put it there) or else
    /// upstream; `fetched` says which.
    async fn load_or_fetch_quote(&self, symbol: &Symbol, fetched: &AtomicBool) -> Result<Quote, MarketError> {
        match store::load_quote(&self.db, symbol, self.source()).await {
            Ok(Some(quote)) => Ok(quote),
            Ok(None) | Err(_) => {
                fetched.store(true, Ordering::Relaxed);
                self.fetch_quote(symbol).await
            }
        }
    }

    async fn load_or_fetch_profile(&self, symbol: &Symbol) -> Result<(CompanyProfile, i64), MarketError> {
        match store::load_profile(&self.db, symbol, self.source()).await {
            Ok(Some(entry)) => Ok(entry),
            Ok(None) | Err(_) => self.fetch_profile(symbol).await,
        }
    }

    /// Fetches and stores a quote.
    async fn fetch_quote(&self, symbol: &Symbol) -> Result<Quote, MarketError> {
        let quote = self.fetch_quote_unstored(symbol).await?;
        self.store_quote(&quote).await;
        Ok(quote)
    }

    async fn fetch_quote_unstored(&self, symbol: &Symbol) -> Result<Quote, MarketError> {
        let quote = self.upstream.quote(symbol).await;
        self.count_demo("quote", &quote);
        let mut quote = quote.inspect_err(|e| self.note_failure(e))?;
        quote.fetched_at = self.now_unix();
        self.note_success();
        Ok(quote)
    }

    async fn store_quote(&self, quote: &Quote) {
        if let Err(err) = store::save_quote(&self.db, quote).await {
            tracing::warn!(symbol = %quote.symbol, error = %err, "could not store a quote");
        }
    }

    async fn fetch_profile(&self, symbol: &Symbol) -> Result<(CompanyProfile, i64), MarketError> {
        let profile = self.upstream.profile(symbol).await;
        self.count_demo("profile", &profile);
        let profile = profile.inspect_err(|e| self.note_failure(e))?;
        self.note_success();
        let fetched_at = self.now_unix();
        if let Err(err) = store::save_profile(&self.db, symbol, self.source(), &profile, fetched_at).await {
            tracing::warn!(%symbol, error = %err, "could not store a profile");
        }
        Ok((profile, fetched_at))
    }

    fn note_success(&self) {
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
        status.last_success_at = Some(self.now_unix());
        status.problem = None;
    }

    fn note_failure(&self, err: &MarketError) {
        if let MarketError::NotFound(_) = err {
            return;
        }
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
        let since = match &status.problem {
            Some(problem) if problem.code == err.code() => problem.since,
            _ => {
                // A new problem: the operator sees in the log why prices went stale.
                tracing::warn!(code = err.code(), problem = %err, "market data problem");
                self.now_unix()
            }
        };
        status.problem = Some(MarketProblem { code: err.code().into(), message: err.to_string(), since });
    }
}
