//! The ledger's data for the trades page and the activity forms.

use crate::model::ApiError;
use crate::model::{Activity, ActivityPage};
use leptos::prelude::*;

/// Activities per page of `/trades`.
pub const PAGE_SIZE: usize = 50;

/// A page of the signed-in user's activities, newest first, older than `before`
/// (`date_id`, from the previous page's `next`).
#[server(output = super::TextJson)]
pub async fn get_activity_page(before: Option<String>) -> Result<ActivityPage, ApiError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    let all = crate::server::portfolio::activities::list(&state, user.id).await?;
    use crate::model::Cursor;
    // A cursor that is not one this page wrote shows the newest page.
    let cursor = before.as_deref().and_then(Cursor::parse);
    let older: Vec<&Activity> = all.iter().filter(|a| cursor.is_none_or(|c| c.is_before(a))).collect();
    let rows: Vec<Activity> = older.iter().take(PAGE_SIZE).map(|a| (*a).clone()).collect();
    let next = (older.len() > PAGE_SIZE).then(|| rows.last().map(|a| Cursor::after(a).to_string())).flatten();
    Ok(ActivityPage { rows, total: all.len(), next })
}

/// Trades, dividends and fees shown on the dashboard.
pub const RECENT_ACTIVITY: usize = 6;

/// One of the signed-in user's activities.
#[server(output = super::TextJson)]
pub async fn get_activity(id: i64) -> Result<Activity, ApiError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::portfolio::activities::get(&state, user.id, id).await.map_err(ApiError::from)
}

/// For the activity form: the company's name and its last price (as text), or
/// why there is none.
#[server(output = super::TextJson)]
pub async fn get_quote_hint(symbol: String) -> Result<(String, String), ApiError> {
    let state = super::app_state()?;
    super::signed_in_user(&state).await?;
    use crate::server::error::AppError;
    let symbol = crate::model::Symbol::parse(&symbol).map_err(|why| AppError::validation("invalid_symbol", why))?;
    let quote = state.market.quote(&symbol).await?;
    let name = state.market.profile(&symbol).await.map(|p| p.name).unwrap_or_else(|_| symbol.to_string());
    Ok((name, quote.price.round_dp(2).to_string()))
}

/// Today's date on the server (UTC), the form's default date.
#[server(output = super::TextJson)]
pub async fn get_today() -> Result<String, ApiError> {
    Ok(super::app_state()?.clock.today().to_string())
}

/// The dry-run report of a file uploaded on `/import` (by its token).
#[server(output = super::TextJson)]
pub async fn get_import_review(token: String) -> Result<crate::model::ImportReview, ApiError> {
    use crate::model::{ImportReview, ReviewLine};
    use crate::server::portfolio::activities::import;
    const LISTED: usize = 100;
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    let (file_name, bytes) = state.uploads.get(user.id, &token).await?.ok_or_else(|| {
        let message = "That upload has expired. Choose the file again.";
        crate::server::error::AppError::new(axum::http::StatusCode::NOT_FOUND, "upload_expired", message)
    })?;
    let mut review = ImportReview {
        file_name,
        file_error: None,
        rows: 0,
        new_count: 0,
        duplicate_count: 0,
        error_count: 0,
        new: vec![],
        duplicates: vec![],
        errors: vec![],
    };
    match import::run(&state, user.id, &bytes, true).await {
        Ok(outcome) => {
            let listing = outcome.listing(LISTED);
            let line = |line: usize, a: &crate::model::Activity| ReviewLine { line, text: a.describe() };
            review.rows = listing.rows;
            review.new_count = listing.new_count;
            review.duplicate_count = listing.duplicate_count;
            review.error_count = listing.error_count;
            review.new = listing.new.iter().map(|(n, a)| line(*n, a)).collect();
            review.duplicates = listing.duplicates.iter().map(|(n, a, _)| line(*n, a)).collect();
            review.errors =
                listing.errors.iter().map(|e| ReviewLine { line: e.line, text: e.message.clone() }).collect();
        }
        Err((err, _)) => review.file_error = Some(err.message),
    }
    Ok(review)
}

/// Symbols matching what was typed in the activity form: (symbol, description),
/// at most 10.
#[server(output = super::TextJson)]
pub async fn search_symbols(q: String) -> Result<Vec<(String, String)>, ApiError> {
    let state = super::app_state()?;
    super::signed_in_user(&state).await?;
    // Suggestions: text that is no valid search simply has none.
    let Ok(q) = crate::model::SearchQuery::parse(&q) else {
        return Ok(vec![]);
    };
    let hits = state.market.search(&q).await?;
    Ok(hits.into_iter().take(10).map(|h| (h.symbol, h.description)).collect())
}
