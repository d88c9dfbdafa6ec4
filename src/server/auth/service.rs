//! Sign-in and sign-up, shared by the JSON API and the browser forms: input rules,
//! the throttle, constant-shape answers for unknown users, and token issuing.

use super::password::{MAX_PASSWORD_BYTES, hash_password, verify_password};
use super::throttle::Refused;
use super::users::{self, username_key};
use crate::model::CurrentUser;
use crate::server::db::now_unix_millis;
use crate::server::error::AppError;
use crate::server::state::AppState;
use std::net::IpAddr;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MIN_USERNAME_CHARS: usize = 3;
pub const MAX_USERNAME_CHARS: usize = 32;

/// A signed-in session: the user and the token that proves it.
pub struct Session {
    pub user: CurrentUser,
    pub token: String,
    pub expires_in: u64,
}

pub fn invalid_credentials() -> AppError {
    AppError::new(axum::http::StatusCode::UNAUTHORIZED, "invalid_credentials", "Wrong username or password.")
}

/// Checks a username against the rules for new accounts and returns it trimmed.
pub fn validate_username(raw: &str) -> Result<&str, AppError> {
    let name = raw.trim();
    let length = name.chars().count();
    let allowed = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !(MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&length) || !allowed {
        return Err(AppError::validation(
            "invalid_username",
            format!(
                "A username has {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters: letters, digits, '.', '_' or '-'."
            ),
        ));
    }
    Ok(name)
}

pub fn validate_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(
            "weak_password",
            format!("A password needs at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::validation(
            "password_too_long",
            format!("A password can be at most {MAX_PASSWORD_BYTES} bytes long."),
        ));
    }
    Ok(())
}

/// Verifies a username and password. Unknown users and wrong passwords get the same
/// answer, after the same amount of work, so neither reveals which names exist.
pub async fn login(state: &AppState, username: &str, password: &str, ip: Option<IpAddr>) -> Result<Session, AppError> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::validation("missing_credentials", "Enter your username and password."));
    }
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::validation(
            "field_too_long",
            format!(
                "A username has at most {MAX_USERNAME_CHARS} characters and a password at most {MAX_PASSWORD_BYTES} bytes."
            ),
        ));
    }
    let key = username_key(username);
    let attempt = state
        .throttle
        .reserve_login(&key, ip, now_unix_millis())
        .await
        .map_err(|refused| refused_by_throttle(state, refused, "sign_in"))?;
    let stored = users::find_by_name(&state.db, username).await?;
    let (hash, user) = match stored {
        Some(stored) => (stored.password_hash.clone(), Some(stored)),
        None => (state.dummy_hash.to_string(), None),
    };
    let verified = verify_password(password.to_string(), hash).await?;
    match user {
        Some(user) if verified => {
            attempt.succeeded().await;
            issue(state, user)
        }
        _ => {
            // Debug-formatted: a name with a line break cannot forge a log line.
            tracing::info!(username = ?key, "failed sign-in");
            state.metrics.sign_in_failures.inc();
            Err(invalid_credentials())
        }
    }
}

fn refused_by_throttle(state: &AppState, refused: Refused, kind: &str) -> AppError {
    match refused {
        Refused::Wait(wait) => {
            state.metrics.auth_throttled.with_label_values(&[kind]).inc();
            AppError::too_many_requests(format!("Too many attempts. Try again in {wait} seconds."), wait)
        }
        Refused::Failed(err) => err,
    }
}

/// Creates an account (unless sign-up is disabled) and signs it in.
pub async fn signup(state: &AppState, username: &str, password: &str, ip: Option<IpAddr>) -> Result<Session, AppError> {
    if !state.config.auth.allow_signup {
        return Err(AppError::forbidden("signup_disabled", "Sign-up is disabled on this server."));
    }
    let username = validate_username(username)?;
    validate_new_password(password)?;
    state
        .throttle
        .reserve_signup(ip, now_unix_millis())
        .await
        .map_err(|refused| refused_by_throttle(state, refused, "sign_up"))?;
    if users::find_by_name(&state.db, username).await?.is_some() {
        return Err(users::taken());
    }
    let hash = hash_password(password.to_string(), state.config.auth.bcrypt_cost).await?;
    let user = users::create(&state.db, username, &hash).await?;
    tracing::info!(username = %user.user.username, "account created");
    issue(state, user)
}

fn issue(state: &AppState, stored: users::StoredUser) -> Result<Session, AppError> {
    let token =
        state.tokens.issue(&stored.user, stored.session_version).map_err(|e| AppError::internal("token signing", e))?;
    Ok(Session { user: stored.user, token, expires_in: state.tokens.ttl.as_secs() })
}

/// Ends the session `token` belongs to (sign-out). A token that is already
/// invalid has nothing to end.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), AppError> {
    match state.tokens.verify(token) {
        Some(verified) => users::revoke_token(&state.db, &verified.jti, verified.expires_at).await,
        None => Ok(()),
    }
}

/// Ends every session of `user`, on every device ("sign out everywhere").
pub async fn sign_out_everywhere(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    users::end_all_sessions(&state.db, user.id).await?;
    tracing::info!(username = %user.username, "signed out everywhere");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        assert_eq!(validate_username("  demo ").unwrap(), "demo");
        assert!(validate_username("a.b_c-9").is_ok());
        for bad in ["", "ab", "has space", "émile", "<script>", &"x".repeat(33)] {
            assert_eq!(validate_username(bad).unwrap_err().code, "invalid_username", "{bad}");
        }
    }

    #[test]
    fn passwords_need_eight_characters_and_fit_bcrypt() {
        assert!(validate_new_password("12345678").is_ok());
        assert_eq!(validate_new_password("1234567").unwrap_err().code, "weak_password");
        assert_eq!(validate_new_password(&"x".repeat(73)).unwrap_err().code, "password_too_long");
    }
}
