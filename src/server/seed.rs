//! The demo account, so a fresh install has something to sign in with.
//! Created only when the database has no users at all and `FOLIO_SEED_DEMO` is on.

use super::auth::{password::hash_password, users};
use super::error::AppError;
use super::state::AppState;

pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo123";

/// Creates `demo` / `demo123` on an empty database; returns whether it did.
pub async fn seed_demo(state: &AppState) -> Result<bool, AppError> {
    if !state.config.seed_demo || users::count(&state.db).await? > 0 {
        return Ok(false);
    }
    let hash = hash_password(DEMO_PASSWORD.to_string(), state.config.bcrypt_cost).await?;
    match users::create(&state.db, DEMO_USERNAME, &hash).await {
        Ok(_) => {
            tracing::info!("created the demo user (demo / demo123)");
            Ok(true)
        }
        // Another instance seeded it first.
        Err(err) if err.code == "username_taken" => Ok(false),
        Err(err) => Err(err),
    }
}
