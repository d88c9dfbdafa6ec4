//! The error every server function returns: the same stable code and safe message
//! as the REST API's error envelope, so a page shows the message as it is and can
//! branch on the code. The server turns its `AppError` into this in one place
//! (`server::error`), which also sets the response's HTTP status there.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable identifier (`not_found`, `storage_full`, `market_data_unavailable`, ...).
    pub code: String,
    /// Human-readable and safe to display.
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError { code: code.to_string(), message: message.into() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = crate::server_fns::TextJsonEncoding;

    /// Failures of the call itself (the network, an unreadable answer), not of
    /// the work it asked for.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(why) => {
                ApiError::new("network_error", format!("The server could not be reached ({why}). Try again."))
            }
            other => ApiError::new("internal_error", format!("Something went wrong: {other}")),
        }
    }
}
