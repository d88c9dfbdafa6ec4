//! Server functions: the browser's calls into the server. Each one authenticates,
//! calls a service in `server/`, and maps the error; no business logic lives here.

mod session;

pub use session::{GetAuthSettings, GetCurrentUser, get_auth_settings, get_current_user};

/// The shared server state, provided to every server function by `leptos_routes`.
#[cfg(feature = "ssr")]
pub(crate) fn app_state() -> Result<crate::server::state::AppState, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context().ok_or_else(|| leptos::prelude::ServerFnError::new("server state is missing"))
}
