//! The allocation donut: the priced positions' market value by industry, plus
//! cash (option built by `server::dashboard::charts`). Its legend is an HTML list with each
//! slice's share and value, shown with or without JavaScript.

use super::chart::EChart;
use crate::model::{AllocationChart, PALETTE, format_money};
use leptos::prelude::*;

#[component]
pub fn AllocationPanel(chart: AllocationChart) -> impl IntoView {
    let AllocationChart { allocation, option } = chart;
    let unpriced =
        (!allocation.unpriced.is_empty()).then(|| format!("Left out, no price: {}", allocation.unpriced.join(", ")));
    let empty = allocation.slices.is_empty();
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <EChart label="Allocation by industry" option=Signal::stored(option) height="h-52">
                {if empty {
                    "Nothing to allocate yet: no cash and no priced positions."
                } else {
                    "The donut needs JavaScript; the shares are listed below."
                }}
            </EChart>
            <ul aria-label="Allocation by industry" class="mt-3 space-y-1 text-sm">
                {allocation.slices.iter().enumerate().map(|(i, s)| view! {
                    <li class="flex items-center justify-between gap-3">
                        <span class="flex min-w-0 items-center gap-2">
                            <span aria-hidden="true" class="inline-block h-2.5 w-2.5 shrink-0 rounded-sm" style=format!("background-color:{}", PALETTE[i % PALETTE.len()])></span>
                            <span class="truncate">{s.label.clone()}</span>
                        </span>
                        <span class="whitespace-nowrap tabular-nums text-slate-600 dark:text-slate-300">{format!("{:.1} % · {}", s.percent, format_money(s.value))}</span>
                    </li>
                }).collect_view()}
            </ul>
            {unpriced.map(|text| view! { <p class="mt-2 text-xs text-slate-500">{text}</p> })}
        </div>
    }
}
