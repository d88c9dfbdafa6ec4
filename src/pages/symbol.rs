//! `/symbol/:symbol`: one company — its quote and profile (logo, name, exchange,
//! industry, market capitalisation, web site), the price over the time the person
//! has held it with their trades marked, what the position has returned (unrealized,
//! realized, dividends), its open lots in FIFO order with cost and age, and the
//! activities in it. Demo and stale labels appear only when true. A symbol no
//! market data knows is a proper not-found page (HTTP 404).

use crate::components::{EChart, SignedInLayout, live_text};
use crate::model::{
    PriceSource, Symbol, SymbolView, format_money, format_percent_points, format_price, format_signed_money, safe_url,
};
use crate::server_fns::get_symbol_view;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use rust_decimal::prelude::ToPrimitive;

const CARD: &str = "rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900";

fn fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="mt-0.5 font-medium">{if value.is_empty() { "—".to_string() } else { value }}</dd>
        </div>
    }
}

/// The day's change with its percentage: `+$2.69 (+1.44 %)`.
fn change_text(change: Option<rust_decimal::Decimal>, percent: Option<rust_decimal::Decimal>) -> Option<String> {
    let change = format_signed_money(change?);
    Some(match percent {
        Some(p) => format!("{change} ({:+.2} %)", p.round_dp(2)),
        None => change,
    })
}

/// Market capitalisation from Finnhub's millions: `$2.85 T`, `$263.0 B`.
fn market_cap(millions: Option<f64>) -> String {
    match millions {
        Some(m) if m >= 1_000_000.0 => format!("${:.2} T", m / 1_000_000.0),
        Some(m) if m >= 1_000.0 => format!("${:.1} B", m / 1_000.0),
        Some(m) if m > 0.0 => format!("${m:.0} M"),
        _ => String::new(),
    }
}

#[component]
fn Details(view_: SymbolView) -> impl IntoView {
    let p = view_.profile.clone();
    let logo = safe_url(&p.logo);
    let web = safe_url(&p.weburl);
    let initials: String = view_.symbol.chars().take(2).collect();
    let name = if p.name.is_empty() { view_.symbol.clone() } else { p.name.clone() };
    view! {
        <div class="flex items-center gap-4">
            {if logo.is_empty() {
                view! { <span aria-hidden="true" class="flex h-12 w-12 items-center justify-center rounded-xl bg-slate-200 font-bold text-slate-700 dark:bg-slate-700 dark:text-slate-200">{initials}</span> }.into_any()
            } else {
                view! { <img src=logo alt="" class="h-12 w-12 rounded-xl bg-white object-contain" /> }.into_any()
            }}
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{name}</h1>
                <p class="text-sm text-slate-600 dark:text-slate-400">{format!("{} · {}", view_.symbol, p.exchange)}</p>
            </div>
        </div>
        <crate::components::SplitSuggestions suggestions=view_.split_suggestions.clone() />
        <div class="mt-6 grid gap-4 lg:grid-cols-3">
            <section aria-label="Quote" class=CARD>
                <h2 class="text-sm font-semibold text-slate-500 dark:text-slate-400">"Quote"</h2>
                {match (&view_.quote, &view_.quote_problem) {
                    (Some(q), _) => {
                        let tone = match q.change {
                            Some(c) if c.is_sign_negative() && !c.is_zero() => "text-rose-700 dark:text-rose-400",
                            Some(c) if !c.is_zero() => "text-emerald-700 dark:text-emerald-400",
                            _ => "",
                        };
                        let symbol = view_.symbol.clone();
                        let live_price = {
                            let symbol = symbol.clone();
                            move |live: &crate::components::Live| live.quote(&symbol, |q| q.current_price.map(format_money))
                        };
                        let live_change = move |live: &crate::components::Live| {
                            live.quote(&symbol, |q| change_text(q.day_change, q.day_change_pct))
                        };
                        view! {
                            <p class="mt-2 text-3xl font-semibold tabular-nums">{live_text(format_money(q.price), false, live_price)}</p>
                            <p class=format!("text-sm tabular-nums {tone}")>
                                {live_text(change_text(q.change, q.change_percent).unwrap_or_else(|| "—".into()), true, live_change)}
                            </p>
                            <dl class="mt-4 grid grid-cols-2 gap-3 text-sm">
                                {fact("Open", format_money(q.open))}
                                {fact("Previous close", format_money(q.previous_close))}
                                {fact("Day low", format_money(q.low))}
                                {fact("Day high", format_money(q.high))}
                            </dl>
                            {(q.source == PriceSource::Demo).then(|| view! {
                                <p class="mt-3 inline-block rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-200">"Demo price — simulated, not market data"</p>
                            })}
                            // Past its refresh time while Finnhub answers is a routine
                            // refresh, not news; only a failing provider makes it stale.
                            {(q.stale && q.source == PriceSource::Finnhub).then(|| view_.market.problem.clone()).flatten().map(|p| view! {
                                <p class="mt-3 text-xs text-amber-700 dark:text-amber-300">{format!("Stale: the last price seen; {}", p.message)}</p>
                            })}
                        }.into_any()
                    }
                    (None, problem) => view! {
                        <p class="mt-2 text-3xl font-semibold">"—"</p>
                        <p class="text-sm text-slate-600 dark:text-slate-400">{problem.clone().unwrap_or_default()}</p>
                    }.into_any(),
                }}
            </section>
            <section aria-label="Company" class=CARD>
                <h2 class="text-sm font-semibold text-slate-500 dark:text-slate-400">"Company"</h2>
                <dl class="mt-3 grid grid-cols-2 gap-3 text-sm">
                    {fact("Industry", p.industry.clone())}
                    {fact("Country", p.country.clone())}
                    {fact("Market cap", market_cap(p.market_capitalization))}
                    {fact("Listed since", p.ipo.clone())}
                </dl>
                {(!web.is_empty()).then(|| view! {
                    <a href=web.clone() rel="noopener noreferrer" target="_blank" class="mt-4 inline-block text-sm font-medium text-emerald-700 underline dark:text-emerald-400">{web.clone()}</a>
                })}
            </section>
            <section aria-label="Your position" class=CARD>
                <h2 class="text-sm font-semibold text-slate-500 dark:text-slate-400">"Your position"</h2>
                {match view_.position.clone() {
                    Some(pos) => view! {
                        <dl class="mt-3 grid grid-cols-2 gap-3 text-sm">
                            {fact("Quantity", pos.quantity.normalize().to_string())}
                            {fact("Average cost", format_price(pos.average_cost))}
                            {fact("Market value", pos.market_value.map(format_money).unwrap_or_default())}
                            {fact("Unrealized P&L", pos.unrealized_pnl.map(|u| format!("{} ({})", format_signed_money(u), pos.unrealized_pnl_pct.map(|p| format_percent_points(p.to_f64().unwrap_or(0.0))).unwrap_or_default())).unwrap_or_default())}
                        </dl>
                    }.into_any(),
                    None => view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"You hold none."</p> }.into_any(),
                }}
                <dl class="mt-3 grid grid-cols-2 gap-3 border-t border-slate-100 pt-3 text-sm dark:border-slate-800">
                    {fact("Realized P&L", format_signed_money(view_.realized))}
                    {fact("Dividends received", format_money(view_.dividends))}
                    {fact("Return on it", position_return(&view_))}
                </dl>
                <a href="/activities/new" class="mt-4 inline-block text-sm font-medium text-emerald-700 underline dark:text-emerald-400">"Record a trade"</a>
            </section>
        </div>
        <PriceHistory view_=view_.clone() />
        <Lots view_=view_.clone() />
        <section aria-labelledby="symbol-activities" class="mt-8">
            <h2 id="symbol-activities" class="mb-3 text-lg font-semibold">{format!("Your activities in {}", view_.symbol)}</h2>
            {if view_.activities.is_empty() {
                view! { <p class="text-sm text-slate-500">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm shadow-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                        {view_.activities.iter().map(|a| view! {
                            <li class="flex justify-between gap-3 px-4 py-2">
                                <span>{a.describe()}</span>
                                <a href=format!("/activities/{}/edit", a.id) class="font-medium text-emerald-700 hover:underline dark:text-emerald-400">"Edit"</a>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Unrealized + realized + dividends: all the position has earned, in dollars
/// ("—" while the held shares have no price).
fn position_return(v: &SymbolView) -> String {
    let unrealized = match &v.position {
        Some(p) => p.unrealized_pnl,
        None => Some(rust_decimal::Decimal::ZERO),
    };
    unrealized.map(|u| format_signed_money(u + v.realized + v.dividends)).unwrap_or_default()
}

/// The daily closes over the held period with the trades marked; in words
/// without JavaScript.
#[component]
fn PriceHistory(view_: SymbolView) -> impl IntoView {
    let Some(((from, first), (to, last))) = view_.price_span else {
        return view! {
            <section aria-labelledby="price-heading" class="mt-8">
                <h2 id="price-heading" class="mb-3 text-lg font-semibold">"Price while you held it"</h2>
                <p class="text-sm text-slate-500">
                    {if view_.activities.is_empty() { "You have no activities in it yet." } else { "Not enough daily closes recorded yet to draw the price." }}
                </p>
            </section>
        }
        .into_any();
    };
    let (first_f, last_f) = (first.to_f64().unwrap_or(0.0), last.to_f64().unwrap_or(0.0));
    let change = if first_f == 0.0 { 0.0 } else { (last_f / first_f - 1.0) * 100.0 };
    let label = format!("{} daily closes with your trades marked", view_.symbol);
    let option = Signal::derive(move || view_.price_chart.clone());
    view! {
        <section aria-labelledby="price-heading" class="mt-8">
            <h2 id="price-heading" class="mb-3 text-lg font-semibold">"Price while you held it"</h2>
            <div class=CARD>
                <ul aria-label="Legend" class="mb-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-300">
                    <li>"Daily close"</li>
                    <li><span aria-hidden="true" style=format!("color:{}", crate::model::BUY_COLOUR)>"▲ "</span>"Buy"</li>
                    <li><span aria-hidden="true" style=format!("color:{}", crate::model::SELL_COLOUR)>"▼ "</span>"Sell"</li>
                </ul>
                <EChart label option height="h-64">
                    <p>{format!("{from} to {to}: {} to {} ({})", format_price(first), format_price(last), format_percent_points(change))}</p>
                    <p class="text-xs text-slate-500">"The interactive chart needs JavaScript."</p>
                </EChart>
            </div>
        </section>
    }
    .into_any()
}

/// The open lots, oldest first: what the next sell takes (FIFO).
#[component]
fn Lots(view_: SymbolView) -> impl IntoView {
    if view_.lots.is_empty() {
        return ().into_any();
    }
    let th = "px-3 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
    let td = "whitespace-nowrap px-3 py-2 text-right tabular-nums";
    view! {
        <section aria-labelledby="lots-heading" class="mt-8">
            <h2 id="lots-heading" class="mb-1 text-lg font-semibold">"Open lots"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"Oldest first: a sell takes shares from the top (FIFO)."</p>
            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <table class="min-w-full text-sm">
                    <caption class="sr-only">{format!("Open lots of {}", view_.symbol)}</caption>
                    <thead class="border-b border-slate-200 dark:border-slate-800">
                        <tr>
                            <th scope="col" class=format!("{th} text-left")>"Bought"</th>
                            <th scope="col" class=format!("{th} text-right")>"Shares"</th>
                            <th scope="col" class=format!("{th} text-right")>"Cost"</th>
                            <th scope="col" class=format!("{th} text-right")>"Per share"</th>
                            <th scope="col" class=format!("{th} text-right")>"Held"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {view_.lots.iter().map(|lot| view! {
                            <tr>
                                <th scope="row" class="whitespace-nowrap px-3 py-2 text-left font-normal">{lot.opened_at.to_string()}</th>
                                <td class=td>{lot.quantity.normalize().to_string()}</td>
                                <td class=td>{format_money(lot.cost)}</td>
                                <td class=td>{format_price(lot.unit_cost)}</td>
                                <td class=td>{held(lot.age_days)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// "12 days", "1 year 3 months" (a year is 365 days and a month 30 here).
fn held(days: i64) -> String {
    let plural = |n: i64, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    match days {
        d if d < 60 => plural(d.max(0), "day"),
        d if d < 365 => plural(d / 30, "month"),
        d if d % 365 < 30 => plural(d / 365, "year"),
        d => format!("{} {}", plural(d / 365, "year"), plural(d % 365 / 30, "month")),
    }
}

/// leptos_meta writes `<title>` unescaped, and the path is the visitor's to choose:
/// only a valid ticker (letters, digits, `.` and `-`) reaches the title.
fn page_title(raw: &str) -> String {
    match Symbol::parse(raw) {
        Ok(symbol) => format!("{symbol} · Folio"),
        Err(_) => "Symbol not found · Folio".to_string(),
    }
}

#[component]
pub fn SymbolPage() -> impl IntoView {
    let symbol = use_params_map().get_untracked().get("symbol").unwrap_or_default();
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let data = crate::wire::resource(
        {
            let symbol = symbol.clone();
            move || symbol.clone()
        },
        get_symbol_view,
    );
    // Its quote moves with the trades once hydrated (see components::live).
    crate::components::provide_live(crate::model::Symbol::parse(&symbol).ok().map(|s| s.to_string()));
    view! {
        <Title text=page_title(&symbol) />
        <SignedInLayout content=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(view_) => view! { <Details view_ /> }.into_any(),
                            Err(err) => view! {
                                <h1 class="text-2xl font-semibold tracking-tight">"Symbol not found"</h1>
                                <p role="alert" class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                                    {err.to_string()}
                                    " " <a href="/" rel="external" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Back to the dashboard"</a>
                                </p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

#[cfg(test)]
mod tests {
    use super::{held, page_title};

    #[test]
    fn a_lot_s_age_reads_as_days_months_and_years() {
        assert_eq!(held(0), "0 days");
        assert_eq!(held(1), "1 day");
        assert_eq!(held(59), "59 days");
        assert_eq!(held(90), "3 months");
        assert_eq!(held(365), "1 year");
        assert_eq!(held(365 + 95), "1 year 3 months");
        assert_eq!(held(800), "2 years 2 months");
    }

    #[test]
    fn only_a_valid_ticker_reaches_the_title() {
        assert_eq!(page_title("aapl"), "AAPL · Folio");
        assert_eq!(page_title("BRK.B"), "BRK.B · Folio");
        for hostile in ["</title><img src=x onerror=alert(1)>", "A\"B", "<script>", "AAPL<"] {
            let title = page_title(hostile);
            assert_eq!(title, "Symbol not found · Folio", "{hostile}");
        }
    }
}
