//! What `/readyz` checks: this instance should get traffic only while its database
//! answers with every migration this binary expects, and it is not shutting down.
//!
//! Reported without making the instance unready:
//! - a schema *newer* than the binary (a newer Folio migrated the shared database):
//!   in a rolling upgrade the old instances keep serving until they are replaced,
//!   instead of all dropping out the moment the first new one migrates;
//! - the market provider's state: with Finnhub down every instance serves the last
//!   prices, marked stale, and taking them all out of service would help nobody.

use crate::model::MarketStatus;
use crate::server::db::MigrationState;
use crate::server::state::AppState;
use serde::Serialize;
use std::sync::atomic::Ordering;

#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready`, or `not_ready` (then the answer is a 503).
    pub status: &'static str,
    /// `ok`, `unreachable` (no connection) or `error` (it answered the check with
    /// an error; the log says which).
    pub database: &'static str,
    /// `ok`, `pending` (this binary expects migrations the database lacks: not
    /// ready), `newer` (the database also has migrations this binary does not know:
    /// still ready) or `unknown` (the check failed).
    pub migrations: &'static str,
    /// `ok`, `degraded` (the last call failed; prices are served stale) or
    /// `key_rejected`; never a reason to take the instance out of service.
    pub market: &'static str,
    /// `finnhub` or `demo`.
    pub market_source: &'static str,
    /// `standalone` (SQLite: this process runs every job), `leader` (holds the
    /// PostgreSQL leader lock: runs the refresher, the Finnhub stream, the snapshot
    /// and backup jobs) or `follower` (serves requests; the leader runs the jobs).
    pub role: &'static str,
    /// True once shutdown has begun: finish, take no new work.
    pub draining: bool,
}

/// Checks the database (one query, which also reads the migrations) and reads the rest.
pub async fn check(state: &AppState) -> Readiness {
    let migrations = state.db.migration_state().await.map_err(|err| {
        let unreachable = matches!(
            err,
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
        );
        tracing::warn!(error = %err, "readiness: the migration check failed");
        if unreachable { Problem::Unreachable } else { Problem::Error }
    });
    let draining = state.draining.load(Ordering::Relaxed);
    let mut readiness = assess(migrations, &state.market.status(), draining);
    readiness.role = state.cluster.role().as_str();
    readiness
}

/// Why the database check gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Unreachable,
    Error,
}

/// The verdict from what was read (pure, so each case is tested).
pub fn assess(migrations: Result<MigrationState, Problem>, market: &MarketStatus, draining: bool) -> Readiness {
    let (database, migrations) = match migrations {
        Err(Problem::Unreachable) => ("unreachable", "unknown"),
        Err(Problem::Error) => ("error", "unknown"),
        Ok(MigrationState::Current) => ("ok", "ok"),
        Ok(MigrationState::Pending) => ("ok", "pending"),
        Ok(MigrationState::Newer) => ("ok", "newer"),
    };
    let market_state = match &market.problem {
        None => "ok",
        Some(problem) if problem.code == "market_data_key_rejected" => "key_rejected",
        Some(_) => "degraded",
    };
    let ready = database == "ok" && matches!(migrations, "ok" | "newer") && !draining;
    Readiness {
        status: if ready { "ready" } else { "not_ready" },
        database,
        migrations,
        market: market_state,
        market_source: market.source.as_str(),
        role: "standalone",
        draining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MarketProblem, PriceSource};

    fn market(problem: Option<&str>) -> MarketStatus {
        MarketStatus {
            source: PriceSource::Finnhub,
            last_success_at: None,
            problem: problem.map(|code| MarketProblem { code: code.into(), message: "x".into(), since: 0 }),
            stream: None,
        }
    }

    #[test]
    fn ready_only_with_the_database_the_schema_and_no_shutdown() {
        let ok = assess(Ok(MigrationState::Current), &market(None), false);
        assert_eq!((ok.status, ok.database, ok.migrations, ok.market), ("ready", "ok", "ok", "ok"));
        assert_eq!(ok.market_source, "finnhub");
        let down = assess(Err(Problem::Unreachable), &market(None), false);
        assert_eq!((down.status, down.database), ("not_ready", "unreachable"));
        let failed = assess(Err(Problem::Error), &market(None), false);
        assert_eq!((failed.status, failed.database, failed.migrations), ("not_ready", "error", "unknown"));
        assert_eq!(assess(Ok(MigrationState::Pending), &market(None), false).status, "not_ready");
        let newer = assess(Ok(MigrationState::Newer), &market(None), false);
        assert_eq!((newer.status, newer.migrations), ("ready", "newer"), "old instances serve through an upgrade");
        let draining = assess(Ok(MigrationState::Current), &market(None), true);
        assert_eq!((draining.status, draining.draining), ("not_ready", true));
    }

    #[test]
    fn a_failing_market_is_reported_but_keeps_the_instance_in_service() {
        let degraded = assess(Ok(MigrationState::Current), &market(Some("market_data_unavailable")), false);
        assert_eq!((degraded.status, degraded.market), ("ready", "degraded"));
        let rejected = assess(Ok(MigrationState::Current), &market(Some("market_data_key_rejected")), false);
        assert_eq!((rejected.status, rejected.market), ("ready", "key_rejected"));
    }
}
