//! Splits the market reported for symbols the person held, which their ledger
//! lacks: each with a one-click form that adds it (a plain form post, so it works
//! without JavaScript). Nothing is applied until the person says so.

use crate::model::SplitSuggestion;
use leptos::prelude::*;

#[component]
pub fn SplitSuggestions(suggestions: Vec<SplitSuggestion>) -> impl IntoView {
    (!suggestions.is_empty()).then(|| {
        view! {
            <section aria-label="Splits missing from your ledger" class="mt-4 space-y-2">
                {suggestions.into_iter().map(|s| view! {
                    <form method="post" action="/activities" class="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                        <input type="hidden" name="kind" value="split" />
                        <input type="hidden" name="symbol" value=s.symbol.to_string() />
                        <input type="hidden" name="date" value=s.date.to_string() />
                        <input type="hidden" name="numerator" value=s.ratio.numerator.normalize().to_string() />
                        <input type="hidden" name="denominator" value=s.ratio.denominator.normalize().to_string() />
                        <p>{s.message()} " — add it to your ledger, or the shares held before it are valued at the price after it."</p>
                        <button type="submit" class="rounded-lg bg-amber-700 px-3 py-1 font-semibold text-white hover:bg-amber-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-500">
                            {format!("Add the {} split", s.symbol)}
                        </button>
                    </form>
                }).collect_view()}
            </section>
        }
    })
}
