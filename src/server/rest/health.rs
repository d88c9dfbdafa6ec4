//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database
//! answers too), for load balancers and `make run`'s wait loop.

use super::schema::Health;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", security(), responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", database: None })
}

/// The process is up and its database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", security(),
    responses((status = 200, body = Health), (status = 503, description = "The database does not answer.", body = Health)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if state.db.is_reachable().await {
        (StatusCode::OK, Json(Health { status: "ready", database: Some("ok") }))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database: Some("unreachable") }))
    }
}
