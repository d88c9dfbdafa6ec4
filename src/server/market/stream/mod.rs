//! Live prices in: one stream of trades for the whole server, moving the cached
//! quotes between REST refreshes. With an API key it is Finnhub's WebSocket
//! (`finnhub`); with demo prices, simulated trades (`demo`). Either follows a list
//! of wanted symbols that `server::live` keeps (`demand` picks them); the moved
//! quotes reach the browsers through `MarketService::subscribe_updates`.

pub mod demand;
pub mod demo;
pub mod finnhub;
pub mod protocol;

use super::service::MarketService;
use crate::model::{StreamState, StreamStatus, Symbol};
use crate::server::config::MarketConfig;
use crate::server::ops::metrics::Metrics;
use std::sync::Arc;
use tokio::sync::watch;

/// Starts the stream that fits the configuration: Finnhub's with a key (unless
/// `FINNHUB_STREAM=false`), demo ticks without one.
pub fn spawn(
    config: &MarketConfig,
    market: Arc<MarketService>,
    wanted: watch::Receiver<Vec<Symbol>>,
    metrics: Arc<Metrics>,
) -> Option<tokio::task::JoinHandle<()>> {
    if !config.stream {
        market.set_stream_status(StreamStatus {
            state: StreamState::Off,
            symbols: 0,
            last_message_at: None,
            reason: Some("FINNHUB_STREAM is off".into()),
        });
        return None;
    }
    Some(match &config.finnhub_api_key {
        Some(key) => {
            let upstream = finnhub::Upstream {
                url: config.ws_url.clone(),
                key: key.clone(),
                connect_timeout: config.finnhub_timeout,
            };
            tokio::spawn(finnhub::run(upstream, market, wanted, metrics))
        }
        None => tokio::spawn(demo::run(market, wanted)),
    })
}
