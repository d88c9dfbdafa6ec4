//! What `/readyz` checks: this instance should get traffic only while its database
//! answers, its schema is exactly the one it was built for, and it is not shutting
//! down. The market provider's state is reported but does not make an instance
//! unready: with Finnhub down every instance serves the last prices, marked stale,
//! and taking them all out of a load balancer would help nobody.

use crate::model::MarketStatus;
use crate::server::db::MigrationState;
use crate::server::state::AppState;
use serde::Serialize;
use std::sync::atomic::Ordering;

#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready`, or `not_ready` (then the answer is a 503).
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub database: &'static str,
    /// `ok`, `pending` (this binary expects migrations the database lacks),
    /// `newer` (the database has migrations this binary does not know) or
    /// `unknown` (the database did not answer).
    pub migrations: &'static str,
    /// `ok`, `degraded` (the last call failed; prices are served stale) or
    /// `key_rejected`; never a reason to take the instance out of service.
    pub market: &'static str,
    /// `finnhub` or `demo`.
    pub market_source: &'static str,
    /// `standalone`: this instance runs the background jobs itself (leader and
    /// follower come with several instances sharing one database).
    pub role: &'static str,
    /// True once shutdown has begun: finish, take no new work.
    pub draining: bool,
}

/// Checks the database (one query, which also reads the migrations) and reads the rest.
pub async fn check(state: &AppState) -> Readiness {
    let migrations = state.db.migration_state().await;
    let draining = state.draining.load(Ordering::Relaxed);
    assess(migrations.ok(), &state.market.status(), draining)
}

/// The verdict from what was read (pure, so each case is tested).
pub fn assess(migrations: Option<MigrationState>, market: &MarketStatus, draining: bool) -> Readiness {
    let (database, migrations) = match migrations {
        None => ("unreachable", "unknown"),
        Some(MigrationState::Current) => ("ok", "ok"),
        Some(MigrationState::Pending) => ("ok", "pending"),
        Some(MigrationState::Newer) => ("ok", "newer"),
    };
    let market_state = match &market.problem {
        None => "ok",
        Some(problem) if problem.code == "market_data_key_rejected" => "key_rejected",
        Some(_) => "degraded",
    };
    let ready = database == "ok" && migrations == "ok" && !draining;
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
        }
    }

    #[test]
    fn ready_only_with_the_database_the_schema_and_no_shutdown() {
        let ok = assess(Some(MigrationState::Current), &market(None), false);
        assert_eq!((ok.status, ok.database, ok.migrations, ok.market), ("ready", "ok", "ok", "ok"));
        assert_eq!(ok.market_source, "finnhub");
        assert_eq!(assess(None, &market(None), false).status, "not_ready");
        assert_eq!(assess(None, &market(None), false).database, "unreachable");
        assert_eq!(assess(Some(MigrationState::Pending), &market(None), false).status, "not_ready");
        assert_eq!(assess(Some(MigrationState::Newer), &market(None), false).migrations, "newer");
        let draining = assess(Some(MigrationState::Current), &market(None), true);
        assert_eq!((draining.status, draining.draining), ("not_ready", true));
    }

    #[test]
    fn a_failing_market_is_reported_but_keeps_the_instance_in_service() {
        let degraded = assess(Some(MigrationState::Current), &market(Some("market_data_unavailable")), false);
        assert_eq!((degraded.status, degraded.market), ("ready", "degraded"));
        let rejected = assess(Some(MigrationState::Current), &market(Some("market_data_key_rejected")), false);
        assert_eq!((rejected.status, rejected.market), ("ready", "key_rejected"));
    }
}
