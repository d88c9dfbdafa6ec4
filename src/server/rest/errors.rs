//! The error answers each operation can give, as OpenAPI response sets. Every one
//! carries the same envelope (`ErrorEnvelope`); these types exist only so the
//! document lists the right statuses for each path.

#![allow(dead_code, reason = "these types are read by the OpenAPI derive, never built")]

use crate::server::error::ErrorEnvelope;
use utoipa::IntoResponses;

/// Answers of every operation that needs a signed-in user.
#[derive(IntoResponses)]
pub enum Unauthorized {
    /// No token or session cookie, or one that is expired, tampered with, signed by
    /// another secret, or names a deleted user.
    #[response(status = 401)]
    Unauthorized(ErrorEnvelope),
}

/// A query parameter that is malformed (400) or out of range (422).
#[derive(IntoResponses)]
pub enum Bad {
    /// The query string cannot be read (bad encoding, repeated parameter).
    #[response(status = 400)]
    BadRequest(ErrorEnvelope),
    /// A parameter is outside its allowed values (`invalid_parameter`).
    #[response(status = 422)]
    Invalid(ErrorEnvelope),
}

/// Answers of the market-data operations beyond sign-in.
#[derive(IntoResponses)]
pub enum MarketErrors {
    /// Not a valid ticker (`invalid_symbol`).
    #[response(status = 400)]
    BadSymbol(ErrorEnvelope),
    /// The market-data provider does not know the symbol.
    #[response(status = 404)]
    UnknownSymbol(ErrorEnvelope),
    /// The provider is unavailable (down, throttling us, rejecting the key) and
    /// nothing is cached. With a cached value the answer is 200 with `stale: true`.
    #[response(status = 503)]
    Unavailable(ErrorEnvelope),
}

/// Answers of a JSON request body that cannot be used.
#[derive(IntoResponses)]
pub enum BadBody {
    /// Not valid JSON (`invalid_json`).
    #[response(status = 400)]
    Syntax(ErrorEnvelope),
    /// Larger than the 1 MiB limit.
    #[response(status = 413)]
    TooLarge(ErrorEnvelope),
    /// Not sent as `application/json`.
    #[response(status = 415)]
    MediaType(ErrorEnvelope),
    /// Fields missing, of the wrong type, or failing a rule.
    #[response(status = 422)]
    Invalid(ErrorEnvelope),
}

/// The answer of any request still unanswered after the server's request timeout
/// (30 s), from the timeout layer in front of every route: a status, no body.
#[derive(IntoResponses)]
pub enum TimedOut {
    /// The answer took longer than the server's request timeout (30 s); no body.
    #[response(status = 408)]
    TimedOut,
}

/// Answers of an operation that writes, when the write cannot be kept; nothing of
/// it is stored, and `Retry-After` says when to try again.
#[derive(IntoResponses)]
pub enum WriteErrors {
    /// The database is read-only, busy or unreachable (`storage_read_only`,
    /// `database_busy`, `database_unavailable`), or a symbol new to the ledger
    /// cannot be checked with the market data right now.
    #[response(status = 503)]
    Unavailable(ErrorEnvelope),
    /// The server's disk is full (`storage_full`).
    #[response(status = 507)]
    Full(ErrorEnvelope),
}

/// Answers of `/api/stream` that refuse a stream.
#[derive(IntoResponses)]
pub enum StreamErrors {
    /// A symbol in `symbols` is not a ticker, or there are more than 5 (`invalid_symbol`).
    #[response(status = 400)]
    BadSymbol(ErrorEnvelope),
    /// This person has too many streams open (`too_many_streams`).
    #[response(status = 429)]
    TooMany(ErrorEnvelope),
    /// The server has no room for another stream, or is stopping (`stream_capacity`).
    #[response(status = 503)]
    Full(ErrorEnvelope),
}
