//! Quotes between instances: what one instance learns (a REST fetch or refresh, a
//! streamed trade on the leader) is written to `stock_quotes` and announced on the
//! `folio_quotes` channel with `NOTIFY`; every other instance `LISTEN`s, puts the
//! quote in its cache and pushes it to its own live streams.
//!
//! Announcements are gathered for [`BATCH`] (a busy stream moves a symbol up to 4
//! times a second): the quotes nobody stored yet (streamed trades) are written,
//! then one `NOTIFY` per [`PER_NOTIFY`] quotes carries them whole (PostgreSQL
//! allows 8,000 bytes), so a listener needs no query. A notification lost while a listener reconnects costs
//! freshness only: its quotes are read from the database on the next miss, and the
//! refresher's next pass announces them again.

use crate::model::Quote;
use crate::server::db::Db;
use crate::server::market::service::MarketService;
use crate::server::market::store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub const CHANNEL: &str = "folio_quotes";
const BATCH: Duration = Duration::from_millis(100);
/// Quotes per notification: about 300 bytes each, well under the 8,000 allowed.
const PER_NOTIFY: usize = 20;
/// Quotes waiting to be announced; beyond it the newest are dropped (and logged):
/// a stuck database must not grow the memory without bound.
pub const QUEUE: usize = 4_096;

/// One quote as it travels: `traded_at` is server-side state the API never shows,
/// but a follower needs it to know a traded quote is fresh.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Announced {
    pub quote: Quote,
    pub traded_at: Option<i64>,
}

impl Announced {
    pub fn of(quote: &Quote) -> Self {
        Self { quote: quote.clone(), traded_at: quote.traded_at }
    }

    pub fn into_quote(self) -> Quote {
        Quote { traded_at: self.traded_at, ..self.quote }
    }
}

/// What `MarketService` hands the announcer: a quote it learned, and whether it
/// still has to be written (a fetched quote was stored by the fetch; writing it
/// again a moment later would put its close back over anything written since).
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub quote: Announced,
    pub store: bool,
}

/// One notification's payload.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    from: String,
    quotes: Vec<Announced>,
}

/// Announces what `MarketService` hands over (writing what is not stored yet),
/// until the process ends.
pub async fn announce(db: Db, instance_id: String, mut queue: mpsc::Receiver<Outgoing>) {
    while let Some(first) = queue.recv().await {
        tokio::time::sleep(BATCH).await;
        // The newest quote of each symbol in the batch (the last one handed over).
        let mut batch = BTreeMap::new();
        batch.insert(first.quote.quote.symbol.clone(), first);
        while let Ok(next) = queue.try_recv() {
            batch.insert(next.quote.quote.symbol.clone(), next);
        }
        let outgoing: Vec<Outgoing> = batch.into_values().collect();
        if let Err(err) = write(&db, &outgoing).await {
            tracing::warn!(error = %err, "could not write quotes for the other instances");
        }
        let quotes: Vec<Announced> = outgoing.into_iter().map(|o| o.quote).collect();
        for chunk in quotes.chunks(PER_NOTIFY) {
            let payload = Payload { from: instance_id.clone(), quotes: chunk.to_vec() };
            let Ok(text) = serde_json::to_string(&payload) else { continue };
            if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(text).execute(&db.pool).await {
                tracing::warn!(error = %err, "could not announce quotes to the other instances");
            }
        }
    }
}

/// Stores the quotes nobody stored yet (see [`Outgoing`]).
async fn write(db: &Db, outgoing: &[Outgoing]) -> Result<(), crate::server::error::AppError> {
    for o in outgoing.iter().filter(|o| o.store) {
        store::save_quote(db, &o.quote.quote).await?;
    }
    Ok(())
}

/// Listens for the other instances' quotes and takes them in, until the process
/// ends. sqlx's listener reconnects by itself after a lost connection.
pub async fn listen(url: String, instance_id: String, market: Arc<MarketService>) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "could not listen for the other instances' quotes; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "could not listen for the other instances' quotes; trying again");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.recv().await {
                Ok(notification) => take_in(&market, &instance_id, notification.payload()).await,
                Err(err) => {
                    tracing::warn!(error = %err, "listening for quotes failed; listening again");
                    break;
                }
            }
        }
    }
}

async fn take_in(market: &Arc<MarketService>, own: &str, text: &str) {
    let payload: Payload = match serde_json::from_str(text) {
        Ok(payload) => payload,
        Err(err) => {
            tracing::warn!(error = %err, "an announcement of quotes could not be read");
            return;
        }
    };
    if payload.from == own {
        return;
    }
    for announced in payload.quotes {
        market.take_announced(announced.into_quote()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PriceSource, Symbol};
    use rust_decimal::Decimal;

    #[test]
    fn a_full_notification_fits_postgres_limit_and_keeps_the_trade_time() {
        let quote = Quote {
            symbol: Symbol::parse("BRK.B").unwrap(),
            price: Decimal::new(123_456_789, 4),
            change: Some(Decimal::new(-123_4567, 4)),
            change_percent: Some(Decimal::new(-1_2345, 4)),
            high: Decimal::new(123_456_789, 4),
            low: Decimal::new(123_456_789, 4),
            open: Decimal::new(123_456_789, 4),
            previous_close: Decimal::new(123_456_789, 4),
            as_of: 1_790_000_000,
            fetched_at: 1_790_000_000,
            source: PriceSource::Finnhub,
            stale: false,
            traded_at: Some(1_790_000_123),
        };
        let payload = Payload { from: "0123456789abcdef".into(), quotes: vec![Announced::of(&quote); PER_NOTIFY] };
        let text = serde_json::to_string(&payload).unwrap();
        assert!(text.len() < 8_000, "{} bytes", text.len());
        let back: Payload = serde_json::from_str(&text).unwrap();
        assert_eq!(back.quotes[0].clone().into_quote(), quote, "traded_at travels too");
    }
}
