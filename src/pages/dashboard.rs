//! `/`: the dashboard: who is signed in, where prices come from, and every
//! overview card (server-rendered: the numbers are in the first HTML).

use crate::api::{get_overview, get_positions};
use crate::components::{OverviewCards, PositionsTable, SignedInLayout};
use crate::model::{PriceSource, Range};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard · Folio" />
        <SignedInLayout content=|user| {
            let overview = Resource::new(|| (), |_| get_overview(Range::All));
            let positions = Resource::new(|| (), |_| get_positions());
            view! {
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h1 class="text-2xl font-semibold tracking-tight">"Welcome back, " {user.username}</h1>
                    <div class="flex gap-2 text-sm">
                        <a href="/activities/new" class="rounded-lg bg-emerald-600 px-3 py-1.5 font-semibold text-white shadow-sm hover:bg-emerald-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500">"Add activity"</a>
                        <a href="/import" class="rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800">"Import CSV"</a>
                    </div>
                </div>
                <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading your portfolio…"</p> }>
                    {move || Suspend::new(async move {
                        match overview.await {
                            Ok(o) => {
                                const BADGE: &str = "mt-2 inline-flex items-center rounded-full px-3 py-1 text-xs font-medium";
                                let (badge, colors) = match o.price_source {
                                    PriceSource::Demo => (
                                        "Demo prices — simulated, not market data".to_string(),
                                        "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
                                    ),
                                    PriceSource::Finnhub if o.stale_symbols.is_empty() => (
                                        "Live · Finnhub".to_string(),
                                        "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200",
                                    ),
                                    PriceSource::Finnhub => (
                                        format!("Stale prices for {} — Finnhub unavailable", o.stale_symbols.join(", ")),
                                        "bg-rose-100 text-rose-900 dark:bg-rose-900/40 dark:text-rose-200",
                                    ),
                                };
                                view! {
                                    <p class=format!("{BADGE} {colors}")>{badge}</p>
                                    <section aria-label="Overview" class="mt-6">
                                        <OverviewCards overview=o />
                                    </section>
                                }.into_any()
                            }
                            Err(err) => view! {
                                <p role="alert" class="mt-6 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
                                    "The overview could not be loaded: " {err.to_string()}
                                </p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <section aria-labelledby="positions-heading" class="mt-8">
                    <h2 id="positions-heading" class="mb-3 text-lg font-semibold">"Positions"</h2>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading positions…"</p> }>
                        {move || Suspend::new(async move {
                            match positions.await {
                                Ok(rows) => view! { <PositionsTable rows /> }.into_any(),
                                Err(err) => view! {
                                    <p role="alert" class="text-sm text-rose-700">"Positions could not be loaded: " {err.to_string()}</p>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }
        } />
    }
}
