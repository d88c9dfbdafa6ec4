//! The positions table: a real `<table>`, scrolling sideways on narrow screens.
//! Company names and logos come from upstream and are only ever rendered as text
//! or as an `<img src>` that is http(s) or a local path.

use crate::model::{PositionRow, format_money, format_signed_money};
use leptos::prelude::*;
use rust_decimal::Decimal;

fn tone(value: Option<Decimal>) -> &'static str {
    match value {
        Some(v) if v > Decimal::ZERO => "text-emerald-700 dark:text-emerald-400",
        Some(v) if v < Decimal::ZERO => "text-rose-700 dark:text-rose-400",
        _ => "",
    }
}

fn signed_percent(value: Option<Decimal>) -> String {
    match value {
        Some(v) if v > Decimal::ZERO => format!("+{:.2} %", v.round_dp(2)),
        Some(v) if v < Decimal::ZERO => format!("−{:.2} %", v.abs().round_dp(2)),
        Some(_) => "0.00 %".into(),
        None => "—".into(),
    }
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".into())
}

#[component]
fn Logo(symbol: String, logo: Option<String>) -> impl IntoView {
    let initials: String = symbol.chars().take(2).collect();
    match logo {
        Some(src) => view! { <img src=src alt="" class="h-7 w-7 rounded-md bg-white object-contain" loading="lazy" /> }.into_any(),
        None => view! {
            <span aria-hidden="true" class="flex h-7 w-7 items-center justify-center rounded-md bg-slate-200 text-[10px] font-bold text-slate-700 dark:bg-slate-700 dark:text-slate-200">
                {initials}
            </span>
        }.into_any(),
    }
}

const TH: &str = "px-3 py-2 text-right text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
const TD: &str = "whitespace-nowrap px-3 py-2 text-right tabular-nums";

#[component]
pub fn PositionsTable(rows: Vec<PositionRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700">
                "No open positions yet."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm">
                <caption class="sr-only">"Open positions"</caption>
                <thead class="border-b border-slate-200 dark:border-slate-800">
                    <tr>
                        <th scope="col" class="px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Symbol"</th>
                        <th scope="col" class=TH>"Quantity"</th>
                        <th scope="col" class=TH>"Avg cost"</th>
                        <th scope="col" class=TH>"Price"</th>
                        <th scope="col" class=TH>"Day change"</th>
                        <th scope="col" class=TH>"Market value"</th>
                        <th scope="col" class=TH>"Unrealized P&L"</th>
                        <th scope="col" class=TH>"Weight"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {rows.into_iter().map(|p| {
                        let stale = p.stale.unwrap_or(false);
                        view! {
                            <tr>
                                <th scope="row" class="px-3 py-2 text-left font-normal">
                                    <div class="flex items-center gap-3">
                                        <Logo symbol=p.symbol.clone() logo=p.logo.clone() />
                                        <div>
                                            <div class="font-semibold">{p.symbol.clone()}</div>
                                            <div class="max-w-[14rem] truncate text-xs text-slate-500 dark:text-slate-400">
                                                {p.company_name.clone().unwrap_or_default()}
                                                {p.industry.clone().map(|i| format!(" · {i}"))}
                                            </div>
                                        </div>
                                    </div>
                                </th>
                                <td class=TD>{p.quantity.to_string()}</td>
                                <td class=TD>{format_money(p.average_cost)}</td>
                                <td class=TD>
                                    {or_dash(p.current_price.map(format_money))}
                                    {stale.then(|| view! { <span class="ml-1 text-xs text-amber-700" title="Older than the quote TTL">"stale"</span> })}
                                </td>
                                <td class=format!("{TD} {}", tone(p.day_change))>
                                    {or_dash(p.day_change.map(format_signed_money))}
                                    <div class="text-xs">{signed_percent(p.day_change_pct)}</div>
                                </td>
                                <td class=TD>{or_dash(p.market_value.map(format_money))}</td>
                                <td class=format!("{TD} {}", tone(p.unrealized_pnl))>
                                    {or_dash(p.unrealized_pnl.map(format_signed_money))}
                                    <div class="text-xs">{signed_percent(p.unrealized_pnl_pct)}</div>
                                </td>
                                <td class=TD>{or_dash(p.weight.map(|w| format!("{:.1} %", w.round_dp(1))))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
