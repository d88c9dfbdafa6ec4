//! Server functions: the browser's calls into the server. Each one authenticates,
//! calls a service in `server/`, and maps the error; no business logic lives here.

mod ledger;
mod portfolio;
mod session;
mod symbol;

pub use ledger::{
    GetActivity, GetActivityPage, GetImportReview, GetQuoteHint, GetToday, PAGE_SIZE, RECENT_ACTIVITY, SearchSymbols,
    get_activity, get_activity_page, get_import_review, get_quote_hint, get_today, search_symbols,
};
pub use portfolio::{GetDashboard, get_dashboard};
pub use session::{GetAuthSettings, GetCurrentUser, get_auth_settings, get_current_user};
pub use symbol::{GetSymbolView, get_symbol_view};

/// Server-function responses as JSON, decoded from text: the same entry point
/// (`wire::from_json`) that hydration uses for server-rendered resources, so the
/// WASM holds one deserializer per response type instead of two (the stock `Json`
/// codec reads bytes with `from_slice`, which monomorphises a second copy of every
/// deserializer; together they were a tenth of the WASM).
pub struct TextJsonEncoding;

impl leptos::server_fn::ContentType for TextJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl leptos::server_fn::FormatType for TextJsonEncoding {
    const FORMAT_TYPE: leptos::server_fn::Format = leptos::server_fn::Format::Text;
}

impl<T: serde::Serialize> leptos::server_fn::Encodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<leptos::server_fn::Bytes, Self::Error> {
        serde_json::to_vec(output).map(leptos::server_fn::Bytes::from)
    }
}

impl<T: serde::de::DeserializeOwned> leptos::server_fn::Decodes<T> for TextJsonEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: leptos::server_fn::Bytes) -> Result<T, Self::Error> {
        // Not UTF-8 is not JSON either; `from_str` reports it as a syntax error.
        crate::wire::from_json(std::str::from_utf8(&bytes).unwrap_or("\u{0}"))
    }
}

/// The output encoding of every server function here (`#[server(output = TextJson)]`).
pub type TextJson = leptos::server_fn::codec::Post<TextJsonEncoding>;

/// The shared server state, provided to every server function by `leptos_routes`.
#[cfg(feature = "ssr")]
pub(crate) fn app_state() -> Result<crate::server::state::AppState, crate::model::ApiError> {
    leptos::prelude::use_context().ok_or_else(|| {
        crate::server::error::AppError::internal("server function", "the server state is missing").into()
    })
}

/// The user the request's session names, checked once per request (the page
/// guard, the layout and every server function of one page render share it).
#[cfg(feature = "ssr")]
pub(crate) async fn signed_in_user(
    state: &crate::server::state::AppState,
) -> Result<crate::model::CurrentUser, crate::model::ApiError> {
    use crate::server::error::AppError;
    let parts: axum::http::request::Parts = leptos::prelude::use_context()
        .ok_or_else(|| AppError::internal("server function", "the request is missing"))?;
    Ok(crate::server::auth::extractor::request_user(state, &parts).await?)
}

/// The key of the user's kept portfolio, read by this request's session check.
#[cfg(feature = "ssr")]
pub(crate) fn portfolio_key() -> Option<crate::server::portfolio::state::Key> {
    let parts: axum::http::request::Parts = leptos::prelude::use_context()?;
    crate::server::auth::extractor::request_portfolio_key(&parts)
}
