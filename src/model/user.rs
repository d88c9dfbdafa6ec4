//! Who is signed in, and what the sign-in pages may offer.

use serde::{Deserialize, Serialize};

/// The signed-in user, as the pages see them.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
}

/// Server settings the sign-in and sign-up pages need to render correctly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSettings {
    pub allow_signup: bool,
    /// The demo account is seeded on this server, so the sign-in page may say so.
    pub demo_hint: bool,
}

/// What the sign-in and sign-up pages say for an error code the server sent back.
/// Codes, not texts, travel in the URL, so nobody can make the page say anything else.
pub fn auth_error_message(code: &str) -> &'static str {
    match code {
        "invalid_credentials" => "Wrong username or password.",
        "missing_credentials" => "Enter your username and password.",
        "field_too_long" => "That username or password is too long.",
        "rate_limited" => "Too many failed sign-in attempts. Wait a minute, then try again.",
        "invalid_username" => "A username has 3 to 32 characters: letters, digits, '.', '_' or '-'.",
        "weak_password" => "A password needs at least 8 characters.",
        "password_too_long" => "A password can be at most 72 bytes long.",
        "username_taken" => "That username is already taken.",
        "signup_disabled" => "Sign-up is disabled on this server.",
        _ => "Something went wrong. Please try again.",
    }
}
