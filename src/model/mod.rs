//! Types shared by the server and the browser (they cross the wire as JSON).

mod user;

pub use user::{AuthSettings, CurrentUser, auth_error_message};
