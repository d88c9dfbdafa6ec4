//! The allocation donut: the priced positions' market value by industry, plus
//! cash. Drawn in CSS (a `conic-gradient` ring, `model::Allocation::conic_gradient`),
//! so it is in the first HTML, needs no JavaScript and costs the chart library
//! nothing; its legend is an HTML list with each slice's share and value.

use crate::model::{AllocationChart, PALETTE, format_money};
use leptos::prelude::*;

#[component]
pub fn AllocationPanel(chart: AllocationChart) -> impl IntoView {
    let AllocationChart { allocation } = chart;
    let unpriced =
        (!allocation.unpriced.is_empty()).then(|| format!("Left out, no price: {}", allocation.unpriced.join(", ")));
    let described: Vec<String> = allocation.slices.iter().map(|s| format!("{} {:.1} %", s.label, s.percent)).collect();
    let donut = (!allocation.slices.is_empty()).then(|| {
        // The ring: the gradient masked to leave the middle transparent.
        let style = format!(
            "background:{};-webkit-mask:radial-gradient(farthest-side,transparent 62%,#000 63%);mask:radial-gradient(farthest-side,transparent 62%,#000 63%)",
            allocation.conic_gradient(&PALETTE)
        );
        view! {
            <div data-donut="" role="img" aria-label=format!("Allocation by industry: {}", described.join(", ")) class="mx-auto h-44 w-44 rounded-full" style=style></div>
        }
    });
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            {match donut {
                Some(donut) => donut.into_any(),
                None => view! {
                    <p class="flex h-44 items-center justify-center rounded-lg border border-dashed border-slate-300 p-4 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-300">
                        "Nothing to allocate yet: no cash and no priced positions."
                    </p>
                }.into_any(),
            }}
            <ul aria-label="Allocation by industry" class="mt-4 space-y-1 text-sm">
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
