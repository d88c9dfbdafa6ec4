//! The positions table: a real `<table>`, scrolling sideways on narrow screens.
//! Company names and logos come from upstream and are only ever rendered as text
//! or as an `<img src>` that is http(s) or a local path; a logo that fails to load
//! gives way to the monogram.
//!
//! Columns sort by links (`?sort=market_value&dir=desc`): the server renders the
//! sorted table, so sorting works without JavaScript, and once hydrated the router
//! re-sorts in place without a reload.

use super::live::live_text;
use crate::model::{LivePosition, PositionRow, format_money, format_signed_money};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// The sortable columns: (query key, header label, right-aligned).
const COLUMNS: [(&str, &str); 8] = [
    ("symbol", "Symbol"),
    ("quantity", "Quantity"),
    ("average_cost", "Avg cost"),
    ("price", "Price"),
    ("day_change", "Day change"),
    ("market_value", "Market value"),
    ("unrealized_pnl", "Unrealized P&L"),
    ("weight", "Weight"),
];

/// Orders rows by `key`; rows without the figure go last either way.
pub fn sort_rows(rows: &mut [PositionRow], key: &str, descending: bool) {
    let figure = |p: &PositionRow| -> Option<Decimal> {
        match key {
            "quantity" => Some(p.quantity),
            "average_cost" => Some(p.average_cost),
            "price" => p.current_price,
            "day_change" => p.day_change_pct,
            "market_value" => p.market_value,
            "unrealized_pnl" => p.unrealized_pnl,
            "weight" => p.weight,
            _ => None,
        }
    };
    rows.sort_by(|a, b| {
        let order = if key == "symbol" {
            a.symbol.cmp(&b.symbol)
        } else {
            match (figure(a), figure(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        let order = if descending { order.reverse() } else { order };
        order.then_with(|| a.symbol.cmp(&b.symbol))
    });
}

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

/// A cell that follows the live stream (`pick` reads the figure from a position of
/// the latest `portfolio` event); "—" stays "—".
fn live_cell(server: Option<String>, symbol: &str, signed: bool, pick: fn(&LivePosition) -> Option<String>) -> AnyView {
    match server.filter(|s| s != "—") {
        Some(text) => {
            let symbol = symbol.to_string();
            live_text(text, signed, move |live| live.position(&symbol, pick))
        }
        None => "—".into_any(),
    }
}

fn weight_text(weight: Option<Decimal>) -> Option<String> {
    weight.map(|w| format!("{:.1} %", w.round_dp(1)))
}

/// A fixed-size tile: the monogram, covered by the logo once it has loaded (a
/// logo that is slow or missing never collapses the row or shows a blank square).
/// The tile is light in both themes, since logos are drawn for light backgrounds.
#[component]
fn Logo(symbol: String, logo: Option<String>) -> impl IntoView {
    let initials: String = symbol.chars().take(2).collect();
    let failed = RwSignal::new(logo.is_none());
    let loaded = RwSignal::new(false);
    let image = NodeRef::<leptos::html::Img>::new();
    // A logo that loaded or failed before hydration fired its event too early for us.
    Effect::new(move |_| {
        if let Some(img) = image.get()
            && img.complete()
        {
            if img.natural_width() == 0 { failed.set(true) } else { loaded.set(true) }
        }
    });
    view! {
        <span data-logo="" class="relative flex h-7 w-7 shrink-0 items-center justify-center overflow-hidden rounded-md bg-slate-200 text-[10px] font-bold text-slate-700 dark:bg-slate-300 dark:text-slate-800">
            <span aria-hidden="true">{initials}</span>
            {move || (!failed.get()).then(|| view! {
                <img
                    node_ref=image
                    src=logo.clone().unwrap_or_default()
                    alt=""
                    class=move || format!("absolute inset-0 h-full w-full bg-white object-contain p-0.5 {}", if loaded.get() { "" } else { "opacity-0" })
                    loading="lazy"
                    on:load=move |_| loaded.set(true)
                    on:error=move |_| failed.set(true)
                />
            })}
        </span>
    }
}

/// The first column, pinned to the left edge when the table scrolls sideways.
const PINNED: &str = "sticky left-0 z-10 bg-white shadow-[1px_0_0_0_rgb(226_232_240)] dark:bg-slate-900 dark:shadow-[1px_0_0_0_rgb(30_41_59)]";
const TH_BASE: &str = "px-3 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
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
    let query = use_query_map();
    view! {
        <p class="mb-2 text-xs text-slate-500 sm:hidden dark:text-slate-400" aria-hidden="true">"Swipe the table sideways for more columns →"</p>
        <div class="relative overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm">
                <caption class="sr-only">"Open positions"</caption>
                <thead class="border-b border-slate-200 dark:border-slate-800">
                    <tr>
                        {COLUMNS.iter().map(|(key, label)| {
                            let key = *key;
                            // The symbol column stays put while the others scroll under it.
                            let align = if key == "symbol" { format!("text-left {PINNED}") } else { "text-right".to_string() };
                            let state = move || {
                                let q = query.read();
                                let active = q.get("sort").as_deref() == Some(key);
                                let descending = q.get("dir").as_deref() != Some("asc");
                                (active, descending)
                            };
                            view! {
                                <th
                                    scope="col"
                                    class=format!("{TH_BASE} {align}")
                                    aria-sort=move || match state() {
                                        (true, true) => "descending",
                                        (true, false) => "ascending",
                                        _ => "none",
                                    }
                                >
                                    <a
                                        class="inline-flex items-center gap-1 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:hover:text-white"
                                        href=move || {
                                            let (active, descending) = state();
                                            // A second click flips the order; a new column starts
                                            // high to low (symbols A to Z).
                                            let dir = match (active, descending) {
                                                (true, true) => "asc",
                                                (true, false) => "desc",
                                                _ if key == "symbol" => "asc",
                                                _ => "desc",
                                            };
                                            super::query::href_with(&query.read(), &[("sort", key), ("dir", dir)])
                                        }
                                    >
                                        {*label}
                                        <span aria-hidden="true">{move || match state() {
                                            (true, true) => "▼",
                                            (true, false) => "▲",
                                            _ => "",
                                        }}</span>
                                    </a>
                                </th>
                            }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {move || {
                        let q = query.read();
                        let mut rows = rows.clone();
                        // Unsorted, rows keep the service's order.
                        if let Some(key) = q.get("sort") {
                            sort_rows(&mut rows, &key, q.get("dir").as_deref() != Some("asc"));
                        }
                        rows.into_iter().map(|p| {
                        let stale = p.stale.unwrap_or(false);
                        view! {
                            <tr>
                                <th scope="row" class=format!("px-3 py-2 text-left font-normal {PINNED}")>
                                    <div class="flex items-center gap-2 sm:gap-3">
                                        <Logo symbol=p.symbol.clone() logo=p.logo.clone() />
                                        <div>
                                            <a href=format!("/symbol/{}", p.symbol) class="font-semibold hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500">{p.symbol.clone()}</a>
                                            <div class="max-w-[6rem] truncate text-xs text-slate-500 sm:max-w-[14rem] dark:text-slate-400">
                                                {p.company_name.clone().unwrap_or_default()}
                                                {p.industry.clone().map(|i| format!(" · {i}"))}
                                            </div>
                                        </div>
                                    </div>
                                </th>
                                <td class=TD>{p.quantity.normalize().to_string()}</td>
                                <td class=TD>{format_money(p.average_cost)}</td>
                                <td class=TD>
                                    {live_cell(p.current_price.map(format_money), &p.symbol, false, |x| x.current_price.map(format_money))}
                                    {stale.then(|| view! { <span class="ml-1 text-xs text-amber-700 dark:text-amber-300" title="Older than the quote TTL">"stale"</span> })}
                                </td>
                                <td class=format!("{TD} {}", tone(p.day_change))>
                                    {live_cell(p.day_change.map(format_signed_money), &p.symbol, true, |x| x.day_change.map(format_signed_money))}
                                    <div class="text-xs">{live_cell(Some(signed_percent(p.day_change_pct)), &p.symbol, true, |x| Some(signed_percent(x.day_change_pct)))}</div>
                                </td>
                                <td class=TD>{live_cell(p.market_value.map(format_money), &p.symbol, false, |x| x.market_value.map(format_money))}</td>
                                <td class=format!("{TD} {}", tone(p.unrealized_pnl))>
                                    {live_cell(p.unrealized_pnl.map(format_signed_money), &p.symbol, true, |x| x.unrealized_pnl.map(format_signed_money))}
                                    <div class="text-xs">{live_cell(Some(signed_percent(p.unrealized_pnl_pct)), &p.symbol, true, |x| Some(signed_percent(x.unrealized_pnl_pct)))}</div>
                                </td>
                                <td class=TD>{live_cell(weight_text(p.weight), &p.symbol, false, |x| weight_text(x.weight))}</td>
                            </tr>
                        }
                    }).collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(symbol: &str, market_value: Option<i64>) -> PositionRow {
        PositionRow {
            id: 0,
            symbol: symbol.into(),
            company_name: None,
            quantity: Decimal::ONE,
            average_cost: Decimal::ONE,
            cost_basis: Decimal::ONE,
            current_price: None,
            market_value: market_value.map(Decimal::from),
            unrealized_pnl: None,
            unrealized_pnl_pct: None,
            day_change: None,
            day_change_pct: None,
            industry: None,
            logo: None,
            opened_at: chrono::NaiveDate::MIN,
            weight: None,
            price_as_of: None,
            price_source: None,
            stale: None,
        }
    }

    fn symbols(rows: &[PositionRow]) -> Vec<&str> {
        rows.iter().map(|r| r.symbol.as_str()).collect()
    }

    #[test]
    fn rows_sort_either_way_with_missing_figures_last() {
        let mut rows = vec![row("B", Some(5)), row("A", None), row("C", Some(9))];
        sort_rows(&mut rows, "market_value", true);
        assert_eq!(symbols(&rows), ["C", "B", "A"]);
        sort_rows(&mut rows, "market_value", false);
        assert_eq!(symbols(&rows), ["B", "C", "A"]);
        sort_rows(&mut rows, "symbol", false);
        assert_eq!(symbols(&rows), ["A", "B", "C"]);
    }
}
