//! Keeps the hub's list of wanted symbols: every second, or as soon as someone
//! starts or stops watching, the symbols held by the people with a stream open
//! (valued at the cached prices, from their kept portfolio states), the benchmark,
//! the symbols open pages follow (`?symbols=`) and what the refresher tracks, cut to `FINNHUB_WS_SYMBOLS` by
//! `market::stream::demand::choose`. With several instances this instance's list is
//! shared (`server::cluster::demand`) and the stream follows every instance's.

use crate::model::Symbol;
use crate::server::market::stream::demand::choose;
use crate::server::state::AppState;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(1);

/// Runs until the process ends.
pub async fn run(state: AppState) {
    loop {
        let local = wanted(&state).await;
        state.live.set_local_wanted(local.clone());
        state.live.set_wanted(state.cluster.merged_wanted(local, state.market.settings.stream_symbols));
        tokio::select! {
            () = state.live.watchers_changed.notified() => {}
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}

/// The symbols the upstream stream should follow now, best first.
pub async fn wanted(state: &AppState) -> Vec<Symbol> {
    let mut held: HashMap<Symbol, Decimal> = HashMap::new();
    for user_id in state.live.watching() {
        let Some(kept) = state.portfolios.peek(user_id) else { continue };
        for (symbol, lots) in &kept.ledger.lots {
            let quantity: Decimal = lots.iter().map(|lot| lot.quantity).sum();
            let price = state.market.peek_quote(symbol).await.map_or(Decimal::ZERO, |q| q.price);
            *held.entry(symbol.clone()).or_default() += quantity * price;
        }
    }
    // Only symbols with a quote (followed or looked at): a ticker that does not
    // exist must not take a place in the stream.
    let tracked: Vec<Symbol> =
        state.market.requested_quote_ages().await.into_iter().filter(|(_, at)| *at > 0).map(|(s, _)| s).collect();
    let mut followed = Vec::new();
    for symbol in state.live.followed() {
        if state.market.peek_quote(&symbol).await.is_some() {
            followed.push(symbol);
        }
    }
    let market = &state.market.settings;
    choose(&market.benchmark, &held, &followed, &tracked, market.stream_symbols)
}
