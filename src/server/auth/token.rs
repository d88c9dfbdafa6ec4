//! JSON Web Tokens (HS256) for sessions. Only HS256 is accepted, so tokens signed
//! with another algorithm, or with `alg: none`, are rejected.
//!
//! A token can be ended before it expires: each carries a random id (`jti`),
//! which sign-out puts on a deny list, and the user's session version (`ver`),
//! which "sign out everywhere" bumps. Both are checked in the one users lookup
//! every request makes once (`extractor::request_user`).

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
    /// Random id, for revoking this one token (tokens from before it had none).
    #[serde(default)]
    pub jti: String,
    /// The user's session version when it was issued.
    #[serde(default)]
    pub ver: i64,
}

/// What a valid token says.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub user: CurrentUser,
    pub jti: String,
    pub version: i64,
    pub expires_at: i64,
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

    /// A signed token for `user` at session `version`, valid for the configured lifetime.
    pub fn issue(&self, user: &CurrentUser, version: i64) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_at(user, version, now_unix())
    }

    /// As [`issue`](Self::issue), as if it were `now` (tests make expired tokens with it).
    pub fn issue_at(&self, user: &CurrentUser, version: i64, now: i64) -> Result<String, jsonwebtoken::errors::Error> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
        let claims = Claims {
            sub: user.id.to_string(),
            name: user.username.clone(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: id.iter().map(|b| format!("{b:02x}")).collect(),
            ver: version,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// What a valid, unexpired token says; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let id = data.claims.sub.parse().ok()?;
        Some(Verified {
            user: CurrentUser { id, username: data.claims.name },
            jti: data.claims.jti,
            version: data.claims.ver,
            expires_at: data.claims.exp,
        })
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
        let token = keys().issue(&alice(), 0).unwrap();
        let verified = keys().verify(&token).unwrap();
        assert_eq!((verified.user, verified.version), (alice(), 0));
        assert_eq!(verified.jti.len(), 32);
        let again = keys().issue(&alice(), 3).unwrap();
        assert_ne!(keys().verify(&again).unwrap().jti, verified.jti, "every token has its own id");
        assert_eq!(keys().verify(&again).unwrap().version, 3);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let keys = keys();
        let two_hours_ago = now_unix() - 7200;
        let token = keys.issue_at(&alice(), 0, two_hours_ago).unwrap();
        assert_eq!(keys.verify(&token), None);
        let fresh = keys.issue_at(&alice(), 0, now_unix() - 60).unwrap();
        assert_eq!(keys.verify(&fresh).map(|v| v.user), Some(alice()));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let other = TokenKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(3600));
        let token = other.issue(&alice(), 0).unwrap();
        assert_eq!(keys().verify(&token), None);
    }

    #[test]
    fn a_tampered_payload_is_rejected() {
        let token = keys().issue(&alice(), 0).unwrap();
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
