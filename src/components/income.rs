//! Dividends by month: twelve bars drawn in HTML and CSS (no chart library: the
//! figures are in the first HTML, readable without JavaScript and by screen
//! readers, and each bar says its month and amount). The bars' heights come
//! worked out from the server (`MonthIncome::bar_permille`).

use crate::model::{Income, format_money};
use leptos::prelude::*;

#[component]
pub fn IncomeBars(income: Income) -> impl IntoView {
    if income.months.iter().all(|m| m.bar_permille == 0) {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-400">
                "No dividends in the last 12 months. Record one with "
                <a href="/activities/new?kind=dividend" class="font-medium text-emerald-700 hover:underline dark:text-emerald-400">"Add activity"</a>
                "."
            </p>
        }
        .into_any();
    }
    let bars = income
        .months
        .iter()
        .map(|m| {
            let text = format!("{}: {}", m.label(), format_money(m.dividends));
            let height = format!("height:{}.{}%", m.bar_permille / 10, m.bar_permille % 10);
            let short = m.label().chars().take(3).collect::<String>();
            view! {
                <li class="flex min-w-0 flex-1 flex-col items-center gap-1" title=text.clone()>
                    <span class="sr-only">{text.clone()}</span>
                    <div class="flex h-28 w-full items-end" aria-hidden="true">
                        <div class="w-full rounded-t bg-emerald-600 dark:bg-emerald-500" style=height></div>
                    </div>
                    <span class="text-[10px] text-slate-500 dark:text-slate-400" aria-hidden="true">{short}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
            {format!("{} in the last 12 months · {} all-time", format_money(income.last_12_months), format_money(income.all_time))}
        </p>
        <ul aria-label="Dividends by month" class="flex items-end gap-1">{bars}</ul>
    }
    .into_any()
}
