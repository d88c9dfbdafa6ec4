//! The range switch (`?range=1Y`), placed above the figures it changes, with a
//! caption that says exactly which figures follow it and which stay all-time.
//! Links, so the server renders the chosen range and it works without JavaScript.

use super::query::{href_with, pill_class};
use crate::model::Range;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// "the last year", "all of your history".
pub fn range_words(range: Range) -> &'static str {
    match range {
        Range::OneMonth => "the last month",
        Range::ThreeMonths => "the last 3 months",
        Range::SixMonths => "the last 6 months",
        Range::YearToDate => "this year to date",
        Range::OneYear => "the last year",
        Range::All => "all of your history",
    }
}

#[component]
pub fn RangeBar(range: Signal<Range>) -> impl IntoView {
    let query = use_query_map();
    view! {
        <div class="mt-6 flex flex-wrap items-center gap-x-4 gap-y-2">
            <nav aria-label="Range" class="flex flex-wrap gap-1 rounded-lg border border-slate-200 bg-white p-0.5 dark:border-slate-800 dark:bg-slate-900">
                {Range::ALL_RANGES.into_iter().map(|r| view! {
                    <a
                        href=move || href_with(&query.read(), &[("range", r.as_str())])
                        aria-current=move || (range.get() == r).then_some("true")
                        class=move || pill_class(range.get() == r)
                    >{r.as_str()}</a>
                }).collect_view()}
            </nav>
            <p id="range-caption" class="text-xs text-slate-600 dark:text-slate-400">
                {move || format!(
                    "The chart, returns, dividends and risk below cover {}. Total value, today, total return, holdings and trading are all-time.",
                    range_words(range.get()),
                )}
            </p>
        </div>
    }
}
