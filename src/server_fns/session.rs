//! Who is signed in, and what the sign-in pages may offer.

use crate::model::ApiError;
use crate::model::{AuthSettings, CurrentUser};
use leptos::prelude::*;

/// The signed-in user (from the session cookie), or an error when there is none.
#[server(output = super::TextJson)]
pub async fn get_current_user() -> Result<CurrentUser, ApiError> {
    let state = super::app_state()?;
    super::signed_in_user(&state).await
}

#[server(output = super::TextJson)]
pub async fn get_auth_settings() -> Result<AuthSettings, ApiError> {
    let state = super::app_state()?;
    Ok(AuthSettings { allow_signup: state.config.auth.allow_signup, demo_hint: state.config.portfolio.seed_demo })
}
