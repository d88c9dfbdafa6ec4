//! `/`: the dashboard: where prices come from, every overview card, the
//! performance and allocation charts, the positions and the latest trades.
//! Server-rendered: the numbers are in the first HTML. The range (`?range=`) and
//! chart view (`?chart=`) live in the URL; once hydrated, prices and figures
//! refresh every minute without a reload.

use crate::components::{AllocationPanel, OverviewCards, PerformancePanel, PositionsTable, PriceBadge, SignedInLayout};
use crate::model::{ChartView, Range, format_money};
use crate::server_fns::get_dashboard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// How often the hydrated dashboard asks for fresh prices.
#[cfg(feature = "hydrate")]
const REFRESH_SECONDS: u64 = 60;

#[component]
pub fn DashboardPage() -> impl IntoView {
    // The resources are made here, outside the layout's Suspense: made inside it,
    // a second pass of that Suspense (which happens when a nested resource resolves
    // at the wrong moment) made a second set, all serialised into the HTML and
    // every server function run again.
    let query = use_query_map();
    let range = Memo::new(move |_| query.with(|q| q.get("range").and_then(|r| Range::parse(&r))).unwrap_or_default());
    let chart_view = Memo::new(move |_| query.with(|q| ChartView::from_query(q.get("chart").as_deref())));
    // One call for everything: the server loads the portfolio once for all of it.
    let dashboard = Resource::new(move || (range.get(), chart_view.get()), |(range, view)| get_dashboard(range, view));
    #[cfg(feature = "hydrate")]
    {
        let every = std::time::Duration::from_secs(REFRESH_SECONDS);
        if let Ok(timer) = set_interval_with_handle(move || dashboard.refetch(), every) {
            on_cleanup(move || timer.clear());
        }
    }
    view! {
        <Title text="Dashboard · Folio" />
        <SignedInLayout content=move |user| {
            view! {
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h1 class="text-2xl font-semibold tracking-tight">"Welcome back, " {user.username}</h1>
                    <div class="flex gap-2 text-sm">
                        <a href="/activities/new" class="rounded-lg bg-emerald-700 px-3 py-1.5 font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500">"Add activity"</a>
                        <a href="/import" class="rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800">"Import CSV"</a>
                    </div>
                </div>
                <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading your portfolio…"</p> }>
                    {move || Suspend::new(async move {
                        match dashboard.await {
                            Ok(d) => {
                                let (o, status) = (d.overview, Some(d.market));
                                view! {
                                    <PriceBadge overview=o.clone() status />
                                    <section aria-labelledby="overview-heading" class="mt-6">
                                        <h2 id="overview-heading" class="sr-only">"Overview"</h2>
                                        <p class="mb-2 text-xs text-slate-500 dark:text-slate-400">
                                            {format!("Returns and risk over {}", range_words(o.range))}
                                        </p>
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
                </Transition>
                <section aria-labelledby="performance-heading" class="mt-8">
                    <h2 id="performance-heading" class="mb-3 text-lg font-semibold">"Performance"</h2>
                    <div class="grid gap-4 lg:grid-cols-3">
                        <div class="lg:col-span-2">
                            <PerformancePanel range=range.into() view=chart_view.into() dashboard />
                        </div>
                        <div>
                            <h3 class="sr-only">"Allocation"</h3>
                            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading allocation…"</p> }>
                                {move || Suspend::new(async move {
                                    match dashboard.await {
                                        Ok(d) => view! { <AllocationPanel chart=d.charts.allocation /> }.into_any(),
                                        Err(err) => view! {
                                            <p role="alert" class="text-sm text-rose-700 dark:text-rose-400">"The allocation could not be loaded: " {err.to_string()}</p>
                                        }.into_any(),
                                    }
                                })}
                            </Transition>
                        </div>
                    </div>
                </section>
                <section aria-labelledby="positions-heading" class="mt-8">
                    <h2 id="positions-heading" class="mb-3 text-lg font-semibold">"Positions"</h2>
                    <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading positions…"</p> }>
                        {move || Suspend::new(async move {
                            match dashboard.await {
                                Ok(d) => view! { <PositionsTable rows=d.positions /> }.into_any(),
                                Err(err) => view! {
                                    <p role="alert" class="text-sm text-rose-700 dark:text-rose-400">"Positions could not be loaded: " {err.to_string()}</p>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
                <section aria-labelledby="recent-heading" class="mt-8">
                    <div class="mb-3 flex items-baseline justify-between">
                        <h2 id="recent-heading" class="text-lg font-semibold">"Recent trades"</h2>
                        <a href="/trades" class="text-sm font-medium text-emerald-700 hover:underline dark:text-emerald-400">"All activities →"</a>
                    </div>
                    <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading trades…"</p> }>
                        {move || Suspend::new(async move {
                            let trades: Vec<_> = match dashboard.await {
                                Ok(d) => d.recent_trades,
                                Err(err) => return view! {
                                    <p role="alert" class="text-sm text-rose-700 dark:text-rose-400">"Trades could not be loaded: " {err.to_string()}</p>
                                }.into_any(),
                            };
                            if trades.is_empty() {
                                return view! { <p class="text-sm text-slate-500">"No trades yet."</p> }.into_any();
                            }
                            view! {
                                <ul class="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm shadow-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                    {trades.into_iter().map(|a| {
                                        let total = a.quantity.zip(a.price).map(|(q, p)| format_money(q * p)).unwrap_or_default();
                                        view! {
                                            <li class="flex items-center justify-between gap-3 px-4 py-2">
                                                <span>{a.describe()}</span>
                                                <span class="tabular-nums text-slate-600 dark:text-slate-300">{total}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        })}
                    </Transition>
                </section>
            }
        } />
    }
}

/// "the last year", "all of your history", for the cards' range line.
fn range_words(range: Range) -> &'static str {
    match range {
        Range::OneMonth => "the last month",
        Range::ThreeMonths => "the last 3 months",
        Range::SixMonths => "the last 6 months",
        Range::YearToDate => "this year to date",
        Range::OneYear => "the last year",
        Range::All => "all of your history",
    }
}
