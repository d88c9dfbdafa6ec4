//! Accounts and sessions: bcrypt passwords, HS256 JWTs, the login throttle, and the
//! two ways a request proves who it is (a `Bearer` header for API clients, an
//! HttpOnly cookie for the browser).

pub mod extractor;
pub mod guard;
pub mod password;
pub mod same_origin;
pub mod service;
pub mod throttle;
pub mod token;
pub mod users;

/// Name of the browser session cookie that carries the JWT.
pub const SESSION_COOKIE: &str = "folio_token";
