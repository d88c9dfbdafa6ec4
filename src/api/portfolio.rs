//! The dashboard's data.

use crate::model::{Overview, Range};
use leptos::prelude::*;

/// Every overview card of the signed-in user for `range`.
#[server(output = super::TextJson)]
pub async fn get_overview(range: Range) -> Result<Overview, ServerFnError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::portfolio::overview::overview(&state, user.id, range)
        .await
        .map_err(|e| ServerFnError::new(e.message))
}

/// The signed-in user's positions.
#[server(output = super::TextJson)]
pub async fn get_positions() -> Result<Vec<crate::model::PositionRow>, ServerFnError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::portfolio::service::positions(&state, user.id).await.map_err(|e| ServerFnError::new(e.message))
}

/// Where prices come from and whether the provider is healthy (the price badge).
#[server(output = super::TextJson)]
pub async fn get_market_status() -> Result<crate::model::MarketStatus, ServerFnError> {
    let state = super::app_state()?;
    super::signed_in_user(&state).await?;
    Ok(state.market.status())
}

/// The dashboard's charts for `range` (the performance chart in `view`): ECharts
/// options built on the server, and the figures of their text summaries.
#[server(output = super::TextJson)]
pub async fn get_charts(
    range: Range,
    view: crate::model::ChartView,
) -> Result<crate::model::DashboardCharts, ServerFnError> {
    let state = super::app_state()?;
    let user = super::signed_in_user(&state).await?;
    crate::server::charts::dashboard_charts(&state, user.id, range, view)
        .await
        .map_err(|e| ServerFnError::new(e.message))
}
