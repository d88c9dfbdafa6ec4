//! Liveness (`/healthz`: the process answers, nothing else is checked, so it stays
//! cheap) and readiness (`/readyz`: the database answers with the expected schema and
//! the instance is not draining; see `ops::readiness`).

use super::errors::TimedOut;
use super::schema::Health;
use crate::server::ops::readiness::{self, Readiness};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is up.
///
/// Liveness: answers `ok` whenever the process serves requests. Nothing else is
/// checked, so it is cheap enough to poll every second.
#[utoipa::path(get, path = "/healthz", tag = "health", security(),
    responses((status = 200, body = Health), TimedOut))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The instance should get traffic.
///
/// Readiness: its database answers with every migration this version expects, and
/// it is not shutting down. A newer schema and the market provider's state are
/// reported but never make an instance unready.
#[utoipa::path(get, path = "/readyz", tag = "health", security(),
    responses((status = 200, body = Readiness), TimedOut,
        (status = 503, description = "Not ready: the database does not answer, lacks a migration this version needs, or the instance is draining.", body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = readiness::check(&state).await;
    let status = if readiness.status == "ready" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(readiness))
}
