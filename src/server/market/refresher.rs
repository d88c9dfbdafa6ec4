//! Keeps the quotes people look at fresh without waiting for a page to ask: every
//! tick, the benchmark and every symbol someone requested within the last day
//! (holdings are requested by every overview) that is past its TTL is refreshed,
//! most stale first. The rate limiter spaces the calls, so a
//! long list simply takes longer; it never exceeds the budget.

use super::service::MarketService;
use crate::model::Symbol;
use std::sync::Arc;
use std::time::Duration;

/// Starts the refresher; it runs until the process ends (or is aborted).
/// `also` names symbols other instances asked for, read on every pass.
pub fn spawn(
    service: Arc<MarketService>,
    every: Duration,
    also: impl Fn() -> Vec<Symbol> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Nobody waits on these: pages keep their share of the budget.
            super::limiter::as_background(refresh_due_with(&service, also())).await;
        }
    })
}

/// One pass: refreshes what is due; returns how many symbols it refreshed.
pub async fn refresh_due(service: &Arc<MarketService>) -> usize {
    refresh_due_with(service, Vec::new()).await
}

/// [`refresh_due`], counting `also` as requested here.
pub async fn refresh_due_with(service: &Arc<MarketService>, also: Vec<Symbol>) -> usize {
    let due = due_symbols(service, also).await;
    let mut refreshed = 0;
    for symbol in due {
        if service.is_refreshing(&symbol) {
            continue;
        }
        // Nothing in memory yet: join (or start) the shared load instead of racing it.
        let result = match service.cached_fetched_at(&symbol).await {
            Some(_) => service.refresh_quote(&symbol).await,
            None => service.load_quote(&symbol).await,
        };
        match result {
            Ok(_) => refreshed += 1,
            Err(err) => tracing::debug!(%symbol, error = %err, "refresh failed; the cached value stays"),
        }
    }
    service.note_refresh_pass();
    refreshed
}

/// Tracked symbols past their TTL, most stale first (never fetched counts as oldest).
async fn due_symbols(service: &MarketService, also: Vec<Symbol>) -> Vec<Symbol> {
    let ttl = service.settings.quote_ttl.as_secs() as i64;
    let now = service.now_unix();
    let mut tracked = service.requested_quote_ages().await;
    for symbol in std::iter::once(service.settings.benchmark.clone()).chain(also) {
        if !tracked.iter().any(|(s, _)| *s == symbol) {
            let fetched_at = service.cached_fetched_at(&symbol).await.unwrap_or(0);
            tracked.push((symbol, fetched_at));
        }
    }
    tracked.retain(|(_, fetched_at)| now - fetched_at > ttl);
    tracked.sort_by_key(|(_, fetched_at)| *fetched_at);
    tracked.into_iter().map(|(symbol, _)| symbol).collect()
}
