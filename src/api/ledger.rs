//! The ledger's data for the trades page and the activity forms.

use crate::model::{Activity, ActivityPage};
use leptos::prelude::*;

/// Activities per page of `/trades`.
pub const PAGE_SIZE: usize = 50;

/// A page of the signed-in user's activities, newest first, older than `before`
/// (`date_id`, from the previous page's `next`).
#[server]
pub async fn get_activity_page(before: Option<String>) -> Result<ActivityPage, ServerFnError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    let all =
        crate::server::portfolio::activities::list(&state, user.id).await.map_err(|e| ServerFnError::new(e.message))?;
    let cursor = before.as_deref().and_then(|raw| {
        let (date, id) = raw.split_once('_')?;
        Some((date.parse::<chrono::NaiveDate>().ok()?, id.parse::<i64>().ok()?))
    });
    let older: Vec<&Activity> = all.iter().filter(|a| cursor.is_none_or(|c| (a.date, a.id) < c)).collect();
    let rows: Vec<Activity> = older.iter().take(PAGE_SIZE).map(|a| (*a).clone()).collect();
    let next = (older.len() > PAGE_SIZE).then(|| rows.last().map(|a| format!("{}_{}", a.date, a.id))).flatten();
    Ok(ActivityPage { rows, total: all.len(), next })
}

/// One of the signed-in user's activities.
#[server]
pub async fn get_activity(id: i64) -> Result<Activity, ServerFnError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::portfolio::activities::get(&state, user.id, id).await.map_err(|e| ServerFnError::new(e.message))
}

/// For the activity form: the company's name and its last price (as text), or
/// why there is none.
#[server]
pub async fn get_quote_hint(symbol: String) -> Result<(String, String), ServerFnError> {
    let state = super::app_state()?;
    super::signed_in_user(&state).await?;
    let symbol = crate::model::Symbol::parse(&symbol).map_err(ServerFnError::new)?;
    let quote = state.market.quote(&symbol).await.map_err(|e| ServerFnError::new(e.to_string()))?;
    let name = state.market.profile(&symbol).await.map(|p| p.name).unwrap_or_else(|_| symbol.to_string());
    Ok((name, quote.price.round_dp(2).to_string()))
}

/// Today's date on the server (UTC), the form's default date.
#[server]
pub async fn get_today() -> Result<String, ServerFnError> {
    Ok(chrono::Utc::now().date_naive().to_string())
}
