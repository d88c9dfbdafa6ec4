//! The JSON REST API for scripts and other tools, plus health checks. Routes are
//! thin: they validate input, call a service, and wrap the answer.

mod account;
mod activities;
mod auth;
mod dashboard;
pub(crate) mod errors;
mod extract;
mod health;
pub mod market;
pub mod openapi;
mod prices;
pub mod schema;
mod shared_schemas;

use crate::server::doors::{Access, Doors, Kind};
use crate::server::error::AppError;
use axum::http::Method;
use axum::routing::post;

pub use extract::{ApiJson, ApiQuery};

/// The API's routes, each written down with who may use it (see `server::doors`).
pub fn doors() -> Doors {
    use Access::{Member, Public};
    let import_limit = axum::extract::DefaultBodyLimit::max(activities::MAX_IMPORT_BYTES + 1024 * 1024);
    let account_limit =
        axum::extract::DefaultBodyLimit::max(crate::server::portfolio::activities::account_file::MAX_FILE_BYTES);
    let prices_limit = axum::extract::DefaultBodyLimit::max(prices::MAX_PRICES_BYTES + 1024 * 1024);
    Doors::new(Kind::Rest)
        .post("/api/auth/login", Public, auth::login)
        .post("/api/auth/signup", Public, auth::signup)
        .get("/api/auth/me", Member, auth::me)
        .post("/api/auth/logout", Member, auth::logout)
        .post("/api/auth/logout-everywhere", Member, auth::logout_everywhere)
        .get("/api/activities", Member, activities::list)
        .post("/api/activities", Member, activities::create)
        .get("/api/activities/export", Member, activities::export)
        .get("/api/activities/split-suggestions", Member, activities::split_suggestions)
        .on(Method::POST, "/api/activities/import", Member, post(activities::import).layer(import_limit))
        .get("/api/activities/{id}", Member, activities::get)
        .put("/api/activities/{id}", Member, activities::update)
        .delete("/api/activities/{id}", Member, activities::delete)
        .get("/api/account/export", Member, account::export)
        .on(Method::POST, "/api/account/import", Member, post(account::import).layer(account_limit))
        .get("/api/dashboard/overview", Member, dashboard::overview)
        .get("/api/dashboard/positions", Member, dashboard::positions)
        .get("/api/dashboard/trades", Member, dashboard::trades)
        .get("/api/dashboard/performance", Member, dashboard::performance)
        .get("/api/dashboard/income", Member, dashboard::income)
        .get("/api/dashboard/quote/{symbol}", Member, market::quote)
        .get("/api/dashboard/profile/{symbol}", Member, market::profile)
        .get("/api/market/search", Member, market::search)
        .get("/api/market/status", Member, market::status)
        .get("/api/stream", Member, crate::server::live::sse::stream)
        .on(Method::POST, "/api/prices/import", Member, post(prices::import).layer(prices_limit))
        .get("/healthz", Public, health::healthz)
        .get("/readyz", Public, health::readyz)
        .get("/api/openapi.json", Public, openapi::document)
        .get("/docs", Public, openapi::page)
        .get("/redoc", Public, openapi::redoc_page)
        .any("/api/{*rest}", Public, unknown_endpoint)
}

/// The success envelope: `{"status":"success","data":...}`.
pub fn success<T: utoipa::ToSchema>(data: T) -> axum::Json<schema::Envelope<T>> {
    axum::Json(schema::Envelope { status: schema::SuccessStatus::Success, data })
}

/// Unknown API paths answer in the API's error envelope, not with an HTML page.
async fn unknown_endpoint() -> AppError {
    AppError::not_found("No such API endpoint.")
}
