//! The allocation donut: the priced positions' market value by industry, plus
//! cash (option built by `server::charts`). The summary lists every slice as text.

use super::chart::EChart;
use crate::model::{AllocationChart, format_money};
use leptos::prelude::*;

#[component]
pub fn AllocationPanel(chart: AllocationChart) -> impl IntoView {
    let AllocationChart { allocation, option } = chart;
    let unpriced =
        (!allocation.unpriced.is_empty()).then(|| format!("Left out, no price: {}", allocation.unpriced.join(", ")));
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <EChart label="Allocation by industry" option=Signal::stored(option) height="h-72 sm:h-80">
                {if allocation.slices.is_empty() {
                    view! { <p>"Nothing to allocate yet: no cash and no priced positions."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-0.5">
                            {allocation.slices.iter().map(|s| view! {
                                <li class="flex justify-between gap-3">
                                    <span>{s.label.clone()}</span>
                                    <span class="tabular-nums">{format!("{:.1} % · {}", s.percent, format_money(s.value))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </EChart>
            {unpriced.map(|text| view! { <p class="mt-2 text-xs text-slate-500">{text}</p> })}
        </div>
    }
}
