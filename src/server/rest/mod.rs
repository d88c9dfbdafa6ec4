//! The JSON REST API for scripts and other tools, plus health checks. Routes are
//! thin: they validate input, call a service, and wrap the answer.

mod activities;
mod auth;
mod dashboard;
mod errors;
mod extract;
mod health;
pub mod market;
pub mod openapi;
pub mod schema;

use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::Router;
use axum::routing::{any, get, post};

pub use extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/signup", post(auth::signup))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/logout-everywhere", post(auth::logout_everywhere))
        .route("/api/activities", get(activities::list).post(activities::create))
        .route("/api/activities/export", get(activities::export))
        .route(
            "/api/activities/import",
            post(activities::import)
                .layer(axum::extract::DefaultBodyLimit::max(activities::MAX_IMPORT_BYTES + 1024 * 1024)),
        )
        .route("/api/activities/{id}", get(activities::get).put(activities::update).delete(activities::delete))
        .route("/api/dashboard/overview", get(dashboard::overview))
        .route("/api/dashboard/positions", get(dashboard::positions))
        .route("/api/dashboard/trades", get(dashboard::trades))
        .route("/api/dashboard/performance", get(dashboard::performance))
        .route("/api/dashboard/quote/{symbol}", get(market::quote))
        .route("/api/dashboard/profile/{symbol}", get(market::profile))
        .route("/api/market/search", get(market::search))
        .route("/api/market/status", get(market::status))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::page))
        .route("/api/{*rest}", any(unknown_endpoint))
}

/// The success envelope: `{"status":"success","data":...}`.
pub fn success<T: utoipa::ToSchema>(data: T) -> axum::Json<schema::Envelope<T>> {
    axum::Json(schema::Envelope { status: schema::SuccessStatus::Success, data })
}

/// Unknown API paths answer in the API's error envelope, not with an HTML page.
async fn unknown_endpoint() -> AppError {
    AppError::not_found("No such API endpoint.")
}
