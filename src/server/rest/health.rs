//! Liveness (`/healthz`: the process answers, nothing else is checked, so it stays
//! cheap) and readiness (`/readyz`: the database answers with the expected schema and
//! the instance is not draining; see `ops::readiness`).

use super::schema::Health;
use crate::server::ops::readiness::{self, Readiness};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(), responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The instance should get traffic: its database answers, its schema is the one
/// this version expects, and it is not shutting down. The market provider's state
/// is reported but never makes an instance unready.
#[utoipa::path(get, path = "/readyz", tag = "health", security(),
    responses((status = 200, body = Readiness),
        (status = 503, description = "Not ready: the database does not answer, its schema differs, or the instance is draining.", body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = readiness::check(&state).await;
    let status = if readiness.status == "ready" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(readiness))
}
