//! Each instance's demand in the database (`cluster_instances`), so the leader's
//! one WebSocket and refresher serve every instance's people: every [`BEAT`] an
//! instance writes the symbols its streams want (best first) and those its pages
//! asked for lately, and reads everyone else's. A row not renewed for [`GONE`]
//! belongs to an instance that stopped; it is ignored, and deleted later.

use super::Cluster;
use crate::model::{MarketStatus, Symbol};
use crate::server::db::Db;
use crate::server::state::AppState;
use sqlx::Row;
use std::collections::BTreeSet;
use std::time::Duration;

pub const BEAT: Duration = Duration::from_secs(2);
/// A row older than this is an instance that stopped.
const GONE: Duration = Duration::from_secs(10);
/// Rows of stopped instances are deleted after this long.
const FORGOTTEN: Duration = Duration::from_secs(300);

/// What the other instances want.
#[derive(Debug, Default)]
pub struct Remote {
    /// Each instance's stream wants, best first.
    pub wanted: Vec<Vec<Symbol>>,
    pub requested: Vec<Symbol>,
    /// The leader's calls and WebSocket, as it reported them last.
    pub market: Option<MarketStatus>,
}

/// The lists taken in turn (the first of each, then the second of each, …),
/// without repeats, at most `limit`. Pure.
pub fn interleave(lists: &[Vec<Symbol>], limit: usize) -> Vec<Symbol> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for list in lists {
            if out.len() == limit {
                return out;
            }
            if let Some(symbol) = list.get(i)
                && seen.insert(symbol.clone())
            {
                out.push(symbol.clone());
            }
        }
    }
    out
}

/// Now on PostgreSQL's clock, in milliseconds (one clock for every instance).
pub const DB_NOW_MS: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

/// Writes this instance's demand and reads the others', every [`BEAT`], until the
/// process ends.
pub async fn run(state: AppState) {
    loop {
        if let Err(err) = beat(&state).await {
            tracing::warn!(error = %err, "could not share this instance's demand");
        }
        tokio::time::sleep(BEAT).await;
    }
}

async fn beat(state: &AppState) -> Result<(), sqlx::Error> {
    let wanted = state.live.local_wanted();
    // Only symbols with a quote: a made-up ticker must not reach the leader's jobs.
    let requested: Vec<Symbol> =
        state.market.requested_quote_ages().await.into_iter().filter(|(_, at)| *at > 0).map(|(s, _)| s).collect();
    let market = if state.cluster.role().leads() { Some(state.market.own_status()) } else { None };
    write(&state.db, &state.cluster, &wanted, &requested, market.as_ref()).await?;
    let remote = read(&state.db, &state.cluster.instance_id).await?;
    // A follower's badge shows the leader's state: its prices come from there.
    state.market.set_leader_status(remote.market.clone());
    *state.cluster.remote.lock().unwrap_or_else(|p| p.into_inner()) = remote;
    Ok(())
}

fn encode(symbols: &[Symbol]) -> String {
    serde_json::to_string(symbols).unwrap_or_else(|_| "[]".into())
}

async fn write(
    db: &Db,
    cluster: &Cluster,
    wanted: &[Symbol],
    requested: &[Symbol],
    market: Option<&MarketStatus>,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO cluster_instances (instance_id, wanted, requested, market, seen_ms)
         VALUES ($1, $2, $3, $4, {DB_NOW_MS})
         ON CONFLICT (instance_id) DO UPDATE SET wanted = excluded.wanted, requested = excluded.requested,
           market = excluded.market, seen_ms = excluded.seen_ms"
    );
    sqlx::query(&sql)
        .bind(&cluster.instance_id)
        .bind(encode(wanted))
        .bind(encode(requested))
        .bind(market.and_then(|s| serde_json::to_string(s).ok()))
        .execute(&db.pool)
        .await?;
    let forget = format!("DELETE FROM cluster_instances WHERE seen_ms < {DB_NOW_MS} - $1");
    sqlx::query(&forget).bind(FORGOTTEN.as_millis() as i64).execute(&db.pool).await?;
    Ok(())
}

async fn read(db: &Db, own: &str) -> Result<Remote, sqlx::Error> {
    let sql = format!(
        "SELECT wanted, requested, market FROM cluster_instances
         WHERE instance_id <> $1 AND seen_ms >= {DB_NOW_MS} - $2 ORDER BY seen_ms"
    );
    let rows = sqlx::query(&sql).bind(own).bind(GONE.as_millis() as i64).fetch_all(&db.pool).await?;
    let decode = |text: String| serde_json::from_str::<Vec<Symbol>>(&text).unwrap_or_default();
    let mut remote = Remote::default();
    let mut requested = BTreeSet::new();
    for row in rows {
        remote.wanted.push(decode(row.try_get("wanted")?));
        requested.extend(decode(row.try_get("requested")?));
        // The newest leader's report wins (a leader that stepped down stops
        // writing one).
        if let Some(market) = row.try_get::<Option<String>, _>("market")?.and_then(|t| serde_json::from_str(&t).ok()) {
            remote.market = Some(market);
        }
    }
    remote.requested = requested.into_iter().collect();
    Ok(remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<Symbol> {
        names.iter().map(|n| Symbol::parse(n).unwrap()).collect()
    }

    #[test]
    fn lists_are_taken_in_turn_without_repeats_up_to_the_limit() {
        let lists = [list(&["AAPL", "MSFT", "SPY"]), list(&["TSLA", "SPY"]), list(&["AAPL", "NVDA", "AMD", "ZM"])];
        let names = |v: Vec<Symbol>| v.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(names(interleave(&lists, 50)), ["AAPL", "TSLA", "MSFT", "SPY", "NVDA", "AMD", "ZM"]);
        assert_eq!(names(interleave(&lists, 3)), ["AAPL", "TSLA", "MSFT"]);
        assert!(interleave(&[], 5).is_empty());
    }
}
