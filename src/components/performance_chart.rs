//! The performance chart over the range in the URL (`?range=1Y`, switched by
//! `RangeBar` above the cards): cumulative time-weighted return of the portfolio
//! against the benchmark, money over time (total value and net contributions,
//! trades marked) or the drawdown (`?chart=return|value|drawdown`). The views are
//! links, so the server renders the chosen one and the text summary works without
//! JavaScript.

use super::chart::EChart;
use super::query::{href_with, pill_class};
use crate::model::{
    ApiError, BENCHMARK_COLOUR, BUY_COLOUR, CONTRIBUTIONS_COLOUR, ChartView, DRAWDOWN_COLOUR, Dashboard,
    HistoryProgress, PORTFOLIO_COLOUR, PerformanceChart, Range, SELL_COLOUR, format_money, format_percent_points,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The view switch, the legend, the chart and its summary.
#[component]
pub fn PerformancePanel(
    range: Signal<Range>,
    view: Signal<ChartView>,
    dashboard: crate::wire::JsonResource<Result<Dashboard, ApiError>>,
) -> impl IntoView {
    let query = use_query_map();
    let option = Signal::derive(move || {
        let chart = dashboard.get()?.ok()?.charts.performance;
        chart.summary.as_ref()?;
        Some(chart.option)
    });
    // The legend is HTML: readable in both themes and by screen readers.
    let legend = move || {
        let benchmark =
            dashboard.get().and_then(|r| r.ok()).map(|d| d.charts.performance.benchmark).unwrap_or_default();
        let entries = match view.get() {
            ChartView::Return => {
                vec![("Portfolio (time-weighted)".to_string(), PORTFOLIO_COLOUR), (benchmark, BENCHMARK_COLOUR)]
            }
            ChartView::Value => vec![
                ("Total value".to_string(), PORTFOLIO_COLOUR),
                ("Net contributions (money put in)".to_string(), CONTRIBUTIONS_COLOUR),
                ("▲ Buy".to_string(), BUY_COLOUR),
                ("▼ Sell".to_string(), SELL_COLOUR),
            ],
            ChartView::Drawdown => vec![("Drawdown from the peak".to_string(), DRAWDOWN_COLOUR)],
        };
        entries
            .into_iter()
            .map(|(name, colour)| view! {
                <li class="flex items-center gap-1.5">
                    <span aria-hidden="true" class="inline-block h-0.5 w-4 rounded" style=format!("background-color:{colour}")></span>
                    {name}
                </li>
            })
            .collect_view()
    };
    let label = Signal::derive(move || match view.get() {
        ChartView::Return => format!("Cumulative return against the benchmark, {}", range.get().as_str()),
        ChartView::Value => format!("Total value and net contributions in dollars, {}", range.get().as_str()),
        ChartView::Drawdown => format!("Drawdown, {}", range.get().as_str()),
    });
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="mb-3 flex flex-wrap items-center justify-between gap-2">
                <p class="text-xs text-slate-500 dark:text-slate-400">{move || format!("Over {}", super::range_words(range.get()))}</p>
                <nav aria-label="Chart view" class="flex gap-1">
                    {ChartView::ALL.into_iter().map(|v| view! {
                        <a
                            href=move || href_with(&query.read(), &[("chart", v.key())])
                            aria-current=move || (view.get() == v).then_some("true")
                            class=move || pill_class(view.get() == v)
                        >{v.label()}</a>
                    }).collect_view()}
                </nav>
            </div>
            // Resources are read only inside a Transition: read outside one, a pending
            // resource makes the enclosing Suspense render its children again.
            <ul aria-label="Legend" class="mb-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-300">
                <Transition fallback=|| ()>{legend}</Transition>
            </ul>
            <EChart label option height="h-72 sm:h-80">
                <Transition fallback=|| view! { <p>"Loading the performance series…"</p> }>
                    {move || dashboard.get().map(|result| match result {
                        Ok(d) => summary(&d.charts.performance, d.history.as_ref()).into_any(),
                        Err(err) => view! { <p role="alert" class="text-rose-700 dark:text-rose-400">"The performance series could not be loaded: " {err.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </EChart>
        </div>
    }
}

/// What the fetching of an imported ledger's price history has come to, and why
/// any symbol failed (it is tried again later).
fn loading(progress: &HistoryProgress) -> impl IntoView + use<> {
    view! {
        <p role="status" class="font-medium text-amber-800 dark:text-amber-300">{progress.message()}</p>
        {progress.failures.iter().map(|(symbol, why)| view! {
            <p class="text-xs">{format!("{symbol}: {why} (Folio tries again later)")}</p>
        }).collect_view()}
    }
}

/// The chart in words (while history is being fetched, first what is happening).
fn summary(chart: &PerformanceChart, history: Option<&HistoryProgress>) -> impl IntoView + use<> {
    let progress = history.map(loading);
    let Some(s) = chart.summary.clone() else {
        return match progress {
            Some(progress) => progress.into_any(),
            None => view! {
                <p>"Not enough history to chart yet: the chart needs at least two days of portfolio values in this range."</p>
            }
            .into_any(),
        };
    };
    let benchmark = match s.benchmark {
        Some(b) => format!("{} {}", chart.benchmark, format_percent_points(b)),
        None => format!("{}: no closes in this range", chart.benchmark),
    };
    let money = (chart.view == ChartView::Value).then(|| {
        view! {
            <p>{format!(
                "Total value {} on {} · net contributions {} · gain {}",
                format_money(s.total_value),
                s.to,
                format_money(s.net_contributions),
                crate::model::format_signed_money(s.total_value - s.net_contributions),
            )}</p>
        }
    });
    view! {
        {progress}
        <p class="font-medium text-slate-900 dark:text-slate-100">{format!("{} to {} ({} days)", s.from, s.to, s.days)}</p>
        {money}
        <p>{format!("Portfolio {} (time-weighted) · {}", format_percent_points(s.portfolio), benchmark)}</p>
        // The figure is a positive size, as on the card and in the API (METRICS.md);
        // only the drawdown line itself runs below zero.
        <p>{format!("Max drawdown {:.2} %, at its deepest on {}", s.deepest_drawdown.abs(), s.deepest_on)}</p>
        <p class="text-xs text-slate-500">"The interactive chart needs JavaScript."</p>
    }
    .into_any()
}
