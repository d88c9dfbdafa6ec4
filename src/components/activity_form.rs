//! The form that adds or changes an activity. It is a plain form post (works with
//! JavaScript off: every field is shown, each labelled with the kinds that use it);
//! once hydrated it shows only the fields of the chosen kind and fills in the
//! current price when a symbol is entered for a buy or sell.

use crate::model::ActivityKind;
use leptos::prelude::*;

/// The text of each field, as the form shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivityValues {
    pub kind: String,
    pub date: String,
    pub symbol: String,
    pub quantity: String,
    pub price: String,
    pub amount: String,
    pub fee: String,
    pub note: String,
    pub numerator: String,
    pub denominator: String,
}

const INPUT: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm \
     focus:border-emerald-500 focus:outline-none focus:ring-2 focus:ring-emerald-500/40 \
     dark:border-slate-700 dark:bg-slate-950";
const LABEL: &str = "text-sm font-medium";
const HINT: &str = "font-normal text-slate-500 dark:text-slate-400";

const KINDS: [(ActivityKind, &str); 7] = [
    (ActivityKind::Buy, "Buy"),
    (ActivityKind::Sell, "Sell"),
    (ActivityKind::Deposit, "Deposit"),
    (ActivityKind::Withdrawal, "Withdrawal"),
    (ActivityKind::Dividend, "Dividend"),
    (ActivityKind::Fee, "Fee"),
    (ActivityKind::Split, "Stock split"),
];

use ActivityKind::{Buy, Deposit, Dividend, Fee, Sell, Split, Withdrawal};
/// Which kinds use each field (the others hide it once hydrated).
const SYMBOL_KINDS: &[ActivityKind] = &[Buy, Sell, Dividend, Split];
const TRADE_KINDS: &[ActivityKind] = &[Buy, Sell];
const AMOUNT_KINDS: &[ActivityKind] = &[Deposit, Withdrawal, Dividend, Fee];
const FEE_KINDS: &[ActivityKind] = &[Buy, Sell, Deposit, Withdrawal, Dividend, Fee];
const SPLIT_KINDS: &[ActivityKind] = &[Split];

#[component]
pub fn ActivityForm(
    /// Where the form posts.
    action: String,
    values: ActivityValues,
    error: Option<&'static str>,
    submit_label: &'static str,
) -> impl IntoView {
    let kind = RwSignal::new(ActivityKind::parse(&values.kind).unwrap_or(ActivityKind::Buy));
    // Until hydration every field shows (the form must work without JavaScript).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let shows = move |kinds: &'static [ActivityKind]| {
        move || if hydrated.get() && !kinds.contains(&kind.get()) { "hidden" } else { "" }
    };
    let price = RwSignal::new(values.price.clone());
    let symbol = RwSignal::new(values.symbol.clone());
    let quote_hint = RwSignal::new(String::new());
    // Suggestions from the market-data search, a moment after typing stops.
    let suggestions = RwSignal::new(Vec::<(String, String)>::new());
    let typed = RwSignal::new(0u32);
    let search = Action::new(move |q: &String| {
        let q = q.clone();
        async move { crate::server_fns::search_symbols(q).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(hits)) = search.value().get() {
            suggestions.set(hits);
        }
    });
    let lookup = Action::new(move |symbol: &String| {
        let symbol = symbol.clone();
        async move { crate::server_fns::get_quote_hint(symbol).await }
    });
    Effect::new(move |_| {
        if let Some(result) = lookup.value().get() {
            match result {
                Ok((name, last)) => {
                    quote_hint.set(format!("{name} · last price {last}"));
                    if kind.get_untracked().is_trade() && price.get_untracked().trim().is_empty() {
                        price.set(last);
                    }
                }
                Err(err) => quote_hint.set(err.message),
            }
        }
    });

    view! {
        <form method="post" action=action class="grid gap-4 sm:grid-cols-2">
            {error.map(|message| view! {
                <p role="alert" class="sm:col-span-2 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
                    {message}
                </p>
            })}
            <div>
                <label for="kind" class=LABEL>"Kind"</label>
                <select
                    id="kind"
                    name="kind"
                    class=INPUT
                    on:change=move |ev| {
                        if let Some(k) = ActivityKind::parse(&event_target_value(&ev)) {
                            kind.set(k);
                        }
                    }
                >
                    {KINDS.iter().map(|(k, label)| view! {
                        <option value=k.as_str() selected=values.kind.eq_ignore_ascii_case(k.as_str())>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="date" class=LABEL>"Date"</label>
                <input id="date" name="date" type="date" required class=INPUT value=values.date.clone() />
            </div>
            <div class=shows(SYMBOL_KINDS)>
                <label for="symbol" class=LABEL>"Symbol " <span class=HINT>"(buy, sell, dividend, split)"</span></label>
                <input
                    id="symbol"
                    name="symbol"
                    type="text"
                    autocapitalize="characters"
                    autocomplete="off"
                    maxlength="20"
                    placeholder="AAPL"
                    class=INPUT
                    value=values.symbol.clone()
                    list="symbol-suggestions"
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        symbol.set(text.clone());
                        typed.update(|n| *n += 1);
                        let generation = typed.get_untracked();
                        if !text.trim().is_empty() {
                            set_timeout(
                                move || {
                                    if typed.get_untracked() == generation {
                                        search.dispatch(text.trim().to_string());
                                    }
                                },
                                std::time::Duration::from_millis(300),
                            );
                        }
                    }
                    on:change=move |_| {
                        let s = symbol.get_untracked().trim().to_string();
                        if !s.is_empty() {
                            lookup.dispatch(s);
                        }
                    }
                />
                <datalist id="symbol-suggestions">
                    {move || suggestions.get().into_iter().map(|(symbol, name)| view! { <option value=symbol>{name}</option> }).collect_view()}
                </datalist>
                <p class="mt-1 text-xs text-slate-500 dark:text-slate-400" aria-live="polite">{move || quote_hint.get()}</p>
            </div>
            <div class=shows(TRADE_KINDS)>
                <label for="quantity" class=LABEL>"Quantity " <span class=HINT>"(buy, sell)"</span></label>
                <input id="quantity" name="quantity" type="text" inputmode="decimal" placeholder="10" class=INPUT value=values.quantity.clone() />
            </div>
            <div class=shows(TRADE_KINDS)>
                <label for="price" class=LABEL>"Price per share " <span class=HINT>"(buy, sell)"</span></label>
                <input
                    id="price"
                    name="price"
                    type="text"
                    inputmode="decimal"
                    placeholder="189.50"
                    class=INPUT
                    prop:value=move || price.get()
                    value=values.price.clone()
                    on:input=move |ev| price.set(event_target_value(&ev))
                />
            </div>
            <div class=shows(AMOUNT_KINDS)>
                <label for="amount" class=LABEL>"Amount " <span class=HINT>"(deposit, withdrawal, dividend, fee)"</span></label>
                <input id="amount" name="amount" type="text" inputmode="decimal" placeholder="1,000.00" class=INPUT value=values.amount.clone() />
            </div>
            <fieldset class=shows(SPLIT_KINDS)>
                <legend class=LABEL>"Split ratio " <span class=HINT>"(split)"</span></legend>
                <div class="flex items-center gap-2">
                    <input id="numerator" name="numerator" type="text" inputmode="decimal" placeholder="10" aria-label="New shares" class=INPUT value=values.numerator.clone() />
                    <span class="mt-1 whitespace-nowrap text-sm">"for every"</span>
                    <input id="denominator" name="denominator" type="text" inputmode="decimal" placeholder="1" aria-label="Shares held before" class=INPUT value=values.denominator.clone() />
                </div>
            </fieldset>
            <div class=shows(FEE_KINDS)>
                <label for="fee" class=LABEL>"Fee or commission " <span class=HINT>"(optional)"</span></label>
                <input id="fee" name="fee" type="text" inputmode="decimal" placeholder="0.00" class=INPUT value=values.fee.clone() />
            </div>
            <div>
                <label for="note" class=LABEL>"Note " <span class=HINT>"(optional)"</span></label>
                <input id="note" name="note" type="text" maxlength="500" class=INPUT value=values.note.clone() />
            </div>
            <div class="sm:col-span-2 flex items-center gap-3">
                <button
                    type="submit"
                    class="rounded-lg bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900"
                >
                    {submit_label}
                </button>
                <a href="/trades" class="text-sm font-medium text-slate-600 hover:underline dark:text-slate-300">"Cancel"</a>
            </div>
        </form>
    }
}
