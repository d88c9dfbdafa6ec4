//! Server functions: the browser's calls into the server. Each one authenticates,
//! calls a service in `server/`, and maps the error; no business logic lives here.

mod ledger;
mod portfolio;
mod session;
mod symbol;

pub use ledger::{
    GetActivity, GetActivityPage, GetImportReview, GetQuoteHint, GetToday, PAGE_SIZE, SearchSymbols, get_activity,
    get_activity_page, get_import_review, get_quote_hint, get_today, search_symbols,
};
pub use portfolio::{
    GetCharts, GetMarketStatus, GetOverview, GetPositions, get_charts, get_market_status, get_overview, get_positions,
};
pub use session::{GetAuthSettings, GetCurrentUser, get_auth_settings, get_current_user};
pub use symbol::{GetSymbolView, get_symbol_view};

/// The shared server state, provided to every server function by `leptos_routes`.
#[cfg(feature = "ssr")]
pub(crate) fn app_state() -> Result<crate::server::state::AppState, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context().ok_or_else(|| leptos::prelude::ServerFnError::new("server state is missing"))
}

/// The user the request's session cookie names.
#[cfg(feature = "ssr")]
pub(crate) async fn signed_in_user(
    state: &crate::server::state::AppState,
) -> Result<crate::model::CurrentUser, leptos::prelude::ServerFnError> {
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    crate::server::auth::extractor::user_from_headers(state, &headers)
        .await
        .map_err(|e| leptos::prelude::ServerFnError::new(e.message))
}
