//! `/trades`: the whole ledger, newest first, 50 a page, with edit and delete for
//! each activity, and the way to add one, import a file or export everything.

use crate::components::SignedInLayout;
use crate::model::{Activity, format_money, format_price};
use crate::server_fns::{PAGE_SIZE, get_activity_page};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const TH: &str = "px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
// Below the `sm` breakpoint each row is a card: its cells stack in two columns,
// each named by its `data-label` (the header row is hidden there), empty ones
// left out, so the amount and the actions are on screen without scrolling.
const CELL: &str = "flex items-baseline gap-2 whitespace-nowrap py-0.5 \
     before:text-xs before:text-slate-500 before:content-[attr(data-label)] dark:before:text-slate-400 \
     sm:table-cell sm:px-3 sm:py-2 sm:before:content-none";
const TD: &str = CELL;
const NUM: &str = "sm:text-right tabular-nums";

/// A cell's classes: `extra` added, and left out of a phone's card when empty.
fn cell(value: &str, extra: &str) -> String {
    let empty = if value.is_empty() { "hidden" } else { "" };
    format!("{CELL} {extra} {empty}")
}
const BUTTON: &str = "rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 \
     focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800";

fn notice(kind: &str) -> Option<&'static str> {
    match kind {
        "added" => Some("Activity added. Your positions and history are up to date."),
        "updated" => Some("Activity saved. Your positions and history are up to date."),
        "deleted" => Some("Activity deleted. Your positions and history are up to date."),
        "imported" => Some("Import done. Your positions and history are up to date."),
        "account_imported" => Some("Account imported. Your positions and history are up to date."),
        _ => None,
    }
}

fn decimal(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

#[component]
fn Row(a: Activity) -> impl IntoView {
    let amount = if a.kind.is_trade() {
        a.quantity.zip(a.price).map(|(q, p)| format_money(q * p)).unwrap_or_default()
    } else {
        a.amount.map(format_money).unwrap_or_default()
    };
    let label = a.describe();
    let symbol = a.symbol.as_ref().map(|s| s.to_string()).unwrap_or_default();
    // A split's ratio ("10:1") stands where a trade's quantity would.
    let quantity = a.ratio.map_or_else(|| decimal(a.quantity), |r| r.to_string());
    let price = a.price.map(format_price).unwrap_or_default();
    let fee = if a.fee.is_zero() { String::new() } else { format_money(a.fee) };
    view! {
        <tr class="grid grid-cols-2 gap-x-4 border-b border-slate-100 px-4 py-3 last:border-0 sm:table-row sm:p-0 dark:border-slate-800">
            <td class=TD data-label="Date">{a.date.to_string()}</td>
            <th scope="row" class=format!("{TD} text-left font-medium capitalize") data-label="Kind">{a.kind.as_str()}</th>
            <td class=cell(&symbol, "") data-label="Symbol">{symbol.clone()}</td>
            <td class=cell(&quantity, NUM) data-label="Quantity">{quantity.clone()}</td>
            <td class=cell(&price, NUM) data-label="Price">{price.clone()}</td>
            <td class=cell(&amount, &format!("{NUM} font-medium sm:font-normal")) data-label="Amount">{amount.clone()}</td>
            <td class=cell(&fee, NUM) data-label="Fee">{fee.clone()}</td>
            <td class=cell(&a.note, "col-span-2 max-w-full truncate text-slate-600 sm:max-w-[16rem] dark:text-slate-400") data-label="Note" title=a.note.clone()>{a.note.clone()}</td>
            <td class="col-span-2 mt-1 whitespace-nowrap sm:mt-0 sm:table-cell sm:px-3 sm:py-2 sm:text-right">
                <a href=format!("/activities/{}/edit", a.id) class="font-medium text-emerald-700 hover:underline dark:text-emerald-400" aria-label=format!("Edit: {label}")>"Edit"</a>
                " · "
                <a href=format!("/activities/{}/delete", a.id) class="font-medium text-rose-700 hover:underline dark:text-rose-400" aria-label=format!("Delete: {label}")>"Delete"</a>
            </td>
        </tr>
    }
}

#[component]
pub fn TradesPage() -> impl IntoView {
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let query = use_query_map();
    let before = move || query.read().get("before");
    let page = crate::wire::resource(before, get_activity_page);
    view! {
        <Title text="Activities · Folio" />
        <SignedInLayout content=move |_| {
            let message = query.get_untracked().get("notice").and_then(|n| notice(&n));
            view! {
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <h1 class="text-2xl font-semibold tracking-tight">"Activities"</h1>
                    <div class="flex flex-wrap gap-2">
                        <a href="/activities/new" class="rounded-lg bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500">"Add activity"</a>
                        <a href="/import" class=BUTTON>"Import CSV"</a>
                        <a href="/api/activities/export" class=BUTTON download="">"Export CSV"</a>
                    </div>
                </div>
                {message.map(|m| view! {
                    <p role="status" class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">{m}</p>
                })}
                <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading your activities…"</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            Ok(page) if page.rows.is_empty() => view! {
                                <p class="mt-6 rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700">
                                    "No activities yet. " <a href="/activities/new" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Add your first one"</a> "."
                                </p>
                            }.into_any(),
                            Ok(page) => {
                                let shown = page.rows.len();
                                view! {
                                    <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">
                                        {format!("{} activities in all; {shown} on this page, newest first ({PAGE_SIZE} a page).", page.total)}
                                    </p>
                                    <div class="relative mt-3 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                        <table class="block min-w-full text-sm sm:table">
                                            <caption class="sr-only">"Activities"</caption>
                                            <thead class="hidden border-b border-slate-200 sm:table-header-group dark:border-slate-800">
                                                <tr>
                                                    <th scope="col" class=TH>"Date"</th>
                                                    <th scope="col" class=TH>"Kind"</th>
                                                    <th scope="col" class=TH>"Symbol"</th>
                                                    <th scope="col" class=format!("{TH} text-right")>"Quantity"</th>
                                                    <th scope="col" class=format!("{TH} text-right")>"Price"</th>
                                                    <th scope="col" class=format!("{TH} text-right")>"Amount"</th>
                                                    <th scope="col" class=format!("{TH} text-right")>"Fee"</th>
                                                    <th scope="col" class=TH>"Note"</th>
                                                    <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                                </tr>
                                            </thead>
                                            <tbody class="block sm:table-row-group">
                                                {page.rows.into_iter().map(|a| view! { <Row a /> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                    <nav aria-label="Pages" class="mt-4 flex gap-3 text-sm">
                                        {before().map(|_| view! { <a href="/trades" class=BUTTON>"← Newest"</a> })}
                                        {page.next.map(|next| view! { <a href=format!("/trades?before={next}") class=BUTTON>"Older →"</a> })}
                                    </nav>
                                }.into_any()
                            }
                            Err(err) => view! {
                                <p role="alert" class="mt-6 text-sm text-rose-700 dark:text-rose-400">"Your activities could not be loaded: " {err.to_string()}</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}
