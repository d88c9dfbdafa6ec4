//! Running Folio in production: what an operator reads rather than a user.
//!
//! - [`metrics`]: every counter, histogram and gauge, in one registry per running
//!   app, rendered in Prometheus' text format at `/metrics`.
//! - [`http`]: the per-request metrics middleware (routes recorded by their template,
//!   never the raw path) and the protected `/metrics` endpoint.
//! - [`request_id`]: an id per request, taken from `X-Request-Id` when well-formed,
//!   carried in every log line of the request and in the answer.
//! - [`logging`]: text or JSON log lines (`FOLIO_LOG_FORMAT`).
//! - [`readiness`]: what `/readyz` checks (database, migrations, draining) and reports.

pub mod http;
pub mod logging;
pub mod metrics;
pub mod readiness;
pub mod request_id;
