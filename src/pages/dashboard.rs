//! `/`: the dashboard. First what the portfolio is worth, how today went and how
//! it has done since the start; then the holdings (all-time), the range switch
//! and the figures it changes (returns, income, risk, the chart); then trading,
//! income by month, the positions and the latest activity. A new account sees its
//! first steps instead. Server-rendered: the numbers are in the first HTML. The
//! range (`?range=`) and chart view (`?chart=`) live in the URL; once hydrated,
//! prices and the figures that follow them move with every trade (`/api/stream`,
//! see `components::live`) and everything refreshes every minute without a reload.

use crate::components::{
    AllocationPanel, Headline, HoldingsCards, IncomeBars, LiveDot, PerformancePanel, PositionsTable, PriceBadge,
    RangeBar, RangeCards, SignedInLayout, SplitSuggestions, TradingCards, Welcome, provide_live,
};
use crate::model::{ActivityKind, ApiError, ChartView, Dashboard, Range, format_signed_money};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// How often the hydrated dashboard asks for fresh prices.
#[cfg(feature = "hydrate")]
const REFRESH_SECONDS: u64 = 60;

const PANEL: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";

/// A part of the page drawn from the dashboard's one response, with its own
/// loading line. The overview's part says why when the dashboard could not be
/// loaded; the others then show nothing (one message, not five). `show` is boxed
/// so every part shares one instance of the Transition's code in the WASM.
fn part(
    dashboard: crate::wire::JsonResource<Result<Dashboard, ApiError>>,
    what: &'static str,
    show: impl Fn(Dashboard) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    let show: std::sync::Arc<dyn Fn(Dashboard) -> AnyView + Send + Sync> = std::sync::Arc::new(show);
    view! {
        <Transition fallback=move || view! { <p class="mt-4 text-sm text-slate-500">{format!("Loading {what}…")}</p> }>
            {move || {
                let show = show.clone();
                Suspend::new(async move {
                    match dashboard.await {
                        Ok(d) => show(d),
                        Err(_) if what != "overview" => ().into_any(),
                        Err(err) => view! {
                            <p role="alert" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
                                {format!("The {what} could not be loaded: {err}")}
                            </p>
                        }.into_any(),
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}

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
    let dashboard =
        crate::wire::resource(move || (range.get(), chart_view.get()), |(range, view)| get_dashboard(range, view));
    // Prices and the figures that follow them, live once hydrated (`/api/stream`).
    provide_live(None);
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
            let name = user.username.clone();
            view! {
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    {part(dashboard, "greeting", move |d| {
                        let greeting = if d.first_run { "Welcome to Folio, " } else { "Welcome back, " };
                        view! { <h1 class="text-2xl font-semibold tracking-tight">{greeting} {name.clone()}</h1> }.into_any()
                    })}
                    <div class="flex gap-2 text-sm">
                        <a href="/activities/new" class="rounded-lg bg-emerald-700 px-3 py-1.5 font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500">"Add activity"</a>
                        <a href="/import" class="rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800">"Import CSV"</a>
                    </div>
                </div>
                {part(dashboard, "welcome", move |d| d.first_run.then(|| view! { <Welcome /> }).into_any())}
                // The overview: what it is worth now, then the range switch right
                // above the chart and the figures it changes, then the all-time
                // figures. The section and the charts are outside the dashboard's
                // Transitions (re-rendered with each answer, the charts would be torn
                // down and drawn again every minute); a new account's page hides
                // them by CSS (`.hide-on-first-run`, while the welcome shows).
                <section aria-labelledby="overview-heading" class="hide-on-first-run">
                    <h2 id="overview-heading" class="sr-only">"Overview"</h2>
                    {part(dashboard, "overview", move |d| view! {
                        <PriceBadge overview=d.overview.clone() status=Some(d.market) />
                        <LiveDot />
                        <SplitSuggestions suggestions=d.split_suggestions />
                        <Headline overview=d.overview />
                    }.into_any())}
                    <RangeBar range=range.into() />
                    <section aria-labelledby="performance-heading" class="mt-4">
                        <h3 id="performance-heading" class="sr-only">"Performance"</h3>
                        <div class="grid gap-4 lg:grid-cols-3">
                            <div class="lg:col-span-2">
                                <PerformancePanel range=range.into() view=chart_view.into() dashboard />
                            </div>
                            <div>
                                <h4 class="sr-only">"Allocation"</h4>
                                {part(dashboard, "allocation", move |d| view! { <AllocationPanel chart=d.charts.allocation /> }.into_any())}
                            </div>
                        </div>
                    </section>
                    {part(dashboard, "figures", move |d| view! {
                        <div class="mt-6 space-y-4"><RangeCards overview=d.overview.clone() /></div>
                        <div class="mt-8 space-y-4 border-t border-slate-200 pt-6 dark:border-slate-800">
                            <HoldingsCards overview=d.overview.clone() />
                            <TradingCards overview=d.overview />
                        </div>
                    }.into_any())}
                </section>
                {part(dashboard, "positions", move |d| {
                    (!d.first_run).then(|| view! {
                        <section aria-labelledby="positions-heading" class="mt-8">
                            <h2 id="positions-heading" class="mb-3 text-lg font-semibold">"Positions"</h2>
                            <PositionsTable rows=d.positions />
                        </section>
                        <section aria-labelledby="income-heading" class="mt-8">
                            <h2 id="income-heading" class="mb-3 text-lg font-semibold">"Dividends by month"</h2>
                            <div class=PANEL><IncomeBars income=d.income /></div>
                        </section>
                        <section aria-labelledby="recent-heading" class="mt-8">
                            <div class="mb-3 flex items-baseline justify-between">
                                <h2 id="recent-heading" class="text-lg font-semibold">"Recent activity"</h2>
                                <a href="/trades" class="text-sm font-medium text-emerald-700 hover:underline dark:text-emerald-400">"All activities →"</a>
                            </div>
                            <RecentActivity rows=d.recent_activity />
                        </section>
                    }).into_any()
                })}
            }
        } />
    }
}

/// The newest trades, dividends and fees, each with its amount of money.
#[component]
fn RecentActivity(rows: Vec<crate::model::Activity>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No trades, dividends or fees yet."</p> }.into_any();
    }
    view! {
        <ul class="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm shadow-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
            {rows.into_iter().map(|a| {
                // The cash each one moved: out for buys and fees, in for sells and dividends.
                let plain = "text-slate-600 dark:text-slate-300";
                let (total, tone) = match a.kind {
                    ActivityKind::Buy => (a.quantity.zip(a.price).map(|(q, p)| format_signed_money(-(q * p + a.fee))), plain),
                    ActivityKind::Sell => (a.quantity.zip(a.price).map(|(q, p)| format_signed_money(q * p - a.fee)), plain),
                    ActivityKind::Dividend => (a.amount.map(format_signed_money), "text-emerald-700 dark:text-emerald-400"),
                    ActivityKind::Split => (None, plain),
                    _ => (a.amount.map(|x| format_signed_money(-x)), "text-rose-700 dark:text-rose-400"),
                };
                view! {
                    <li class="flex items-center justify-between gap-3 px-4 py-2">
                        <span class="min-w-0">
                            <span class="block truncate">{a.what()}</span>
                            <span class="block text-xs text-slate-500 dark:text-slate-400">{a.date.to_string()}</span>
                        </span>
                        <span class=format!("shrink-0 tabular-nums {tone}")>{total.unwrap_or_default()}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

use crate::server_fns::get_dashboard;
