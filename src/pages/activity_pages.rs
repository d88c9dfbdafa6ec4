//! `/activities/new`, `/activities/:id/edit` and `/activities/:id/delete`: adding,
//! changing and deleting one activity. The forms post to `server::forms::ledger`;
//! a refused write comes back here with the rule's code and the values typed.

use crate::components::{ActivityForm, ActivityValues, SignedInLayout};
use crate::model::{Activity, activity_error_message};
use crate::server_fns::{get_activity, get_today};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The values a refused post sent back, if any.
fn returned_values() -> Option<(ActivityValues, &'static str)> {
    let query = use_query_map().get_untracked();
    let code = query.get("error")?;
    let field = |name: &str| query.get(name).unwrap_or_default();
    let values = ActivityValues {
        kind: field("kind"),
        date: field("date"),
        symbol: field("symbol"),
        quantity: field("quantity"),
        price: field("price"),
        amount: field("amount"),
        fee: field("fee"),
        note: field("note"),
        numerator: field("numerator"),
        denominator: field("denominator"),
    };
    Some((values, activity_error_message(&code)))
}

/// The kind a link asked for (`/activities/new?kind=deposit`, the first-run
/// steps), a buy otherwise.
fn chosen_kind() -> String {
    use_query_map()
        .get_untracked()
        .get("kind")
        .and_then(|kind| crate::model::ActivityKind::parse(&kind))
        .map_or("buy", |kind| kind.as_str())
        .to_string()
}

fn values_of(a: &Activity) -> ActivityValues {
    let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    ActivityValues {
        kind: a.kind.as_str().into(),
        date: a.date.to_string(),
        symbol: a.symbol.as_ref().map(|s| s.to_string()).unwrap_or_default(),
        quantity: text(a.quantity),
        price: text(a.price),
        amount: text(a.amount),
        fee: if a.fee.is_zero() { String::new() } else { a.fee.normalize().to_string() },
        note: a.note.clone(),
        numerator: text(a.ratio.map(|r| r.numerator)),
        denominator: text(a.ratio.map(|r| r.denominator)),
    }
}

fn id_param() -> i64 {
    use_params_map().get_untracked().get("id").and_then(|id| id.parse().ok()).unwrap_or(0)
}

const CARD: &str =
    "mt-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn NewActivityPage() -> impl IntoView {
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let today = crate::wire::resource(|| (), |_| get_today());
    view! {
        <Title text="Add activity · Folio" />
        <SignedInLayout content=move |_| {
            view! {
                <h1 class="text-2xl font-semibold tracking-tight">"Add activity"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "A trade, a deposit or withdrawal, a dividend or a fee. It is checked against your whole ledger."
                </p>
                <section class=CARD>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            let (values, error) = match returned_values() {
                                Some((values, error)) => (values, Some(error)),
                                None => (ActivityValues { kind: chosen_kind(), date: today.await.unwrap_or_default(), ..Default::default() }, None),
                            };
                            view! { <ActivityForm action="/activities".to_string() values error submit_label="Add activity" /> }
                        })}
                    </Suspense>
                </section>
            }
        } />
    }
}

#[component]
pub fn EditActivityPage() -> impl IntoView {
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let id = id_param();
    let activity = crate::wire::resource(move || id, get_activity);
    view! {
        <Title text="Edit activity · Folio" />
        <SignedInLayout content=move |_| {
            view! {
                <h1 class="text-2xl font-semibold tracking-tight">"Edit activity"</h1>
                <section class=CARD>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match activity.await {
                                Ok(a) => {
                                    let (values, error) = match returned_values() {
                                        Some((values, error)) => (values, Some(error)),
                                        None => (values_of(&a), None),
                                    };
                                    view! { <ActivityForm action=format!("/activities/{}", a.id) values error submit_label="Save changes" /> }.into_any()
                                }
                                Err(_) => view! { <NoSuchActivity /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }
        } />
    }
}

#[component]
fn NoSuchActivity() -> impl IntoView {
    view! {
        <p role="alert" class="text-sm">
            "That activity does not exist (any more). " <a href="/trades" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Back to your activities"</a>
        </p>
    }
}

#[component]
pub fn DeleteActivityPage() -> impl IntoView {
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let id = id_param();
    let activity = crate::wire::resource(move || id, get_activity);
    view! {
        <Title text="Delete activity · Folio" />
        <SignedInLayout content=move |_| {
            let error = use_query_map().get_untracked().get("error").map(|code| activity_error_message(&code));
            view! {
                <h1 class="text-2xl font-semibold tracking-tight">"Delete activity"</h1>
                <section class=CARD>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match activity.await {
                                Ok(a) => view! {
                                    {error.map(|message| view! {
                                        <p role="alert" class="mb-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">
                                            "It was not deleted: " {message}
                                        </p>
                                    })}
                                    <p class="text-sm">"Delete this activity? Your positions, cash and history are recomputed without it."</p>
                                    <p class="mt-3 rounded-lg bg-slate-100 px-3 py-2 font-medium dark:bg-slate-800">{a.describe()}</p>
                                    <form method="post" action=format!("/activities/{}/delete", a.id) class="mt-5 flex items-center gap-3">
                                        <button type="submit" class="rounded-lg bg-rose-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-rose-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-rose-500 focus-visible:ring-offset-2">
                                            "Delete"
                                        </button>
                                        <a href="/trades" class="text-sm font-medium text-slate-600 hover:underline dark:text-slate-300">"Keep it"</a>
                                    </form>
                                }.into_any(),
                                Err(_) => view! { <NoSuchActivity /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }
        } />
    }
}
