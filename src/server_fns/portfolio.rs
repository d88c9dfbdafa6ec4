//! The dashboard's data: one call for everything it shows.

use crate::model::ApiError;
use crate::model::{ChartView, Dashboard, Range};
use leptos::prelude::*;

/// Every card, chart, position and recent trade of the signed-in user for `range`,
/// with the performance chart in `view`: one load of their portfolio.
#[server(output = super::TextJson)]
pub async fn get_dashboard(range: Range, view: ChartView) -> Result<Dashboard, ApiError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::dashboard::dashboard(&state, user.id, super::portfolio_key(), range, view)
        .await
        .map_err(ApiError::from)
}
