//! `/`: the dashboard. For now it greets the signed-in user; the overview cards,
//! positions, chart and trades arrive with the portfolio engine.

use crate::components::SignedInLayout;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard · Folio" />
        <SignedInLayout content=|user| {
            view! {
                <h1 class="text-2xl font-semibold tracking-tight">"Welcome back, " {user.username}</h1>
                <p class="mt-2 max-w-prose text-sm text-slate-600 dark:text-slate-400">
                    "Your portfolio overview, positions and performance will appear here."
                </p>
            }
        } />
    }
}
