//! A new account's dashboard: what Folio needs first, in three steps, instead of
//! a wall of zeros and an empty chart.

use leptos::prelude::*;

#[component]
pub fn Welcome() -> impl IntoView {
    let step = |n: &'static str, href: &'static str, title: &'static str, text: &'static str| {
        view! {
            <li class="flex gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <span aria-hidden="true" class="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-emerald-100 text-sm font-semibold text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200">{n}</span>
                <div>
                    <a href=href class="font-semibold text-emerald-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:text-emerald-400">{title}</a>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{text}</p>
                </div>
            </li>
        }
    };
    view! {
        <section aria-labelledby="welcome-heading" class="mt-6">
            <h2 id="welcome-heading" class="text-lg font-semibold">"Three steps to your first numbers"</h2>
            <p class="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
                "Folio works everything out from your ledger: the cash you put in and the trades you made. Nothing to show yet, so start with one of these."
            </p>
            <ol class="mt-4 grid gap-3 md:grid-cols-3">
                {step("1", "/activities/new?kind=deposit", "Add a deposit", "The cash you moved into your brokerage account, and when.")}
                {step("2", "/activities/new?kind=buy", "Add a trade", "A buy or a sell: symbol, shares, price and date. Prices and charts follow.")}
                {step("3", "/import", "Import a CSV", "Your broker's history in one file; you review it before anything is saved.")}
            </ol>
        </section>
    }
}
