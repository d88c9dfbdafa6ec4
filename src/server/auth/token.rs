//! JSON Web Tokens (HS256) for sessions. Only HS256 is accepted, so tokens signed
//! with another algorithm, or with `alg: none`, are rejected.

use crate::model::CurrentUser;
use crate::server::db::now_unix;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub name: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation, ttl }
    }

    /// A signed token for `user`, valid for the configured lifetime.
    pub fn issue(&self, user: &CurrentUser) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_at(user, now_unix())
    }

    /// As [`issue`](Self::issue), as if it were `now` (tests make expired tokens with it).
    pub fn issue_at(&self, user: &CurrentUser, now: i64) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user.id.to_string(),
            name: user.username.clone(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The user a valid, unexpired token names; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<CurrentUser> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let id = data.claims.sub.parse().ok()?;
        Some(CurrentUser { id, username: data.claims.name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(3600))
    }

    fn alice() -> CurrentUser {
        CurrentUser { id: 7, username: "alice".into() }
    }

    fn b64(bytes: &[u8]) -> String {
        // URL-safe base64 without padding, enough for hand-made tokens.
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let token = keys().issue(&alice()).unwrap();
        assert_eq!(keys().verify(&token), Some(alice()));
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let keys = keys();
        let two_hours_ago = now_unix() - 7200;
        let token = keys.issue_at(&alice(), two_hours_ago).unwrap();
        assert_eq!(keys.verify(&token), None);
        let fresh = keys.issue_at(&alice(), now_unix() - 60).unwrap();
        assert_eq!(keys.verify(&fresh), Some(alice()));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let other = TokenKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(3600));
        let token = other.issue(&alice()).unwrap();
        assert_eq!(keys().verify(&token), None);
    }

    #[test]
    fn a_tampered_payload_is_rejected() {
        let token = keys().issue(&alice()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged_claims = format!(r#"{{"sub":"1","name":"admin","iat":0,"exp":{}}}"#, now_unix() + 3600);
        let forged = format!("{}.{}.{}", parts[0], b64(forged_claims.as_bytes()), parts[2]);
        assert_eq!(keys().verify(&forged), None);
    }

    #[test]
    fn alg_none_is_rejected() {
        let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64(format!(r#"{{"sub":"7","name":"alice","iat":0,"exp":{}}}"#, now_unix() + 3600).as_bytes());
        assert_eq!(keys().verify(&format!("{header}.{claims}.")), None);
        assert_eq!(keys().verify(&format!("{header}.{claims}")), None);
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(keys().verify(""), None);
        assert_eq!(keys().verify("a.b.c"), None);
    }
}
