//! `/import`: bring in a CSV file. Upload it, read the dry-run report (what is new,
//! what is already in the ledger, which lines are wrong and why), then import it
//! all at once or fix the file and upload again. Below it, the whole account as one
//! file: download it, or import one from another Folio. Plain form posts throughout.

use crate::components::SignedInLayout;
use crate::model::{ReviewLine, activity_error_message};
use crate::server_fns::get_import_review;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn import_error_message(code: &str) -> &'static str {
    match code {
        "missing_file" => "Choose a CSV file first.",
        "file_too_large" => "The file is larger than 5 MB. Split it and import the parts one after another.",
        "upload_expired" => "That upload has expired (files are kept 15 minutes). Choose the file again.",
        "import_rejected" => "Nothing was imported: some rows cannot be used. Fix them and upload the file again.",
        other => activity_error_message(other),
    }
}

/// What the account import's refusals mean to a person; `at` is the activity's
/// number in the file when one activity is the reason.
fn account_error_message(code: &str, at: Option<usize>) -> String {
    let fixed = match code {
        "missing_file" => "Choose an account file first.",
        "file_too_large" => "The account file is larger than 32 MB.",
        "ledger_not_empty" => {
            "Your ledger already has activities, so nothing was imported. Tick “Replace my current ledger” to put the file’s ledger in its place."
        }
        "not_an_account_file" => "That is not a Folio account file. Nothing was imported.",
        "invalid_account_file" => "The account file cannot be read (damaged, or edited by hand). Nothing was imported.",
        "unsupported_version" => "That account file was written by a newer Folio. Upgrade this one, then import it.",
        "too_many_activities" => "The file has more than 200,000 activities.",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let place = at.map(|n| format!("Activity {n} in the file: ")).unwrap_or_default();
    format!("{place}{} Nothing was imported.", activity_error_message(code))
}

const CARD: &str =
    "mt-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const SECONDARY: &str = "inline-block rounded-lg border border-slate-300 px-4 py-2 text-sm font-semibold hover:bg-slate-100 \
     focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800";
const PRIMARY: &str = "rounded-lg bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 \
     focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900";

#[component]
fn Lines(title: String, lines: Vec<ReviewLine>, total: usize, tone: &'static str) -> impl IntoView {
    (total > 0).then(|| {
        let more = total.saturating_sub(lines.len());
        view! {
            <section class="mt-5">
                <h2 class=format!("text-sm font-semibold {tone}")>{title}</h2>
                <ul class="mt-2 max-h-72 space-y-1 overflow-y-auto rounded-lg bg-slate-50 p-3 text-sm dark:bg-slate-950">
                    {lines.into_iter().map(|l| view! {
                        <li>
                            <span class="mr-2 inline-block min-w-16 text-xs font-medium text-slate-500">
                                {if l.line == 0 { "ledger".to_string() } else { format!("line {}", l.line) }}
                            </span>
                            {l.text}
                        </li>
                    }).collect_view()}
                    {(more > 0).then(|| view! { <li class="text-slate-500">{format!("… and {more} more")}</li> })}
                </ul>
            </section>
        }
    })
}

/// Daily closes the person imports themselves (`date,symbol,close`).
#[component]
fn PricesFileSection() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let number = |name: &str| query.get(name).and_then(|n| n.parse::<usize>().ok()).unwrap_or_default();
    let done = query
        .get("prices")
        .map(|_| format!("{} closes imported; your history was rebuilt with them.", number("prices")));
    let error = query.get("prices_error").map(|code| match code.as_str() {
        "prices_rejected" => format!(
            "{} rows cannot be used (the first on line {}): nothing was imported. Fix the file and import it again.",
            number("count"),
            number("line")
        ),
        "missing_file" => "Choose a prices file first.".to_string(),
        "file_too_large" => "The prices file is larger than 8 MB.".to_string(),
        _ => "The prices file could not be imported. Please try again.".to_string(),
    });
    view! {
        <section class=CARD aria-labelledby="prices-file-heading">
            <h2 id="prices-file-heading" class="text-lg font-semibold">"Daily prices"</h2>
            <p class="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "Without internet access, or for a symbol no source knows: a CSV file with the columns "
                <code>"date, symbol, close"</code>" (closes as traded). Your closes come first in your own history, and only in yours."
            </p>
            {done.map(|message| view! { <p role="status" class="mt-4 text-sm text-emerald-800 dark:text-emerald-300">{message}</p> })}
            {error.map(|message| view! {
                <p role="alert" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">{message}</p>
            })}
            <form method="post" action="/import/prices" enctype="multipart/form-data" class="mt-5 flex flex-wrap items-end gap-4">
                <div>
                    <label for="prices-file" class="text-sm font-medium">"Prices file"</label>
                    <input id="prices-file" name="file" type="file" accept=".csv,text/csv" required class="mt-1 block text-sm" />
                </div>
                <button type="submit" class=PRIMARY>"Import prices"</button>
            </form>
        </section>
    }
}

/// Download the whole account as one file, or bring one in from another Folio.
#[component]
fn AccountFileSection() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let at = query.get("at").and_then(|n| n.parse::<usize>().ok());
    let error = query.get("account_error").map(|code| account_error_message(&code, at));
    view! {
        <section class=CARD aria-labelledby="account-file-heading">
            <h2 id="account-file-heading" class="text-lg font-semibold">"Your whole account"</h2>
            <p class="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "One JSON file with every activity exactly as stored. Keep it as your own copy, or import it into another Folio "
                "(on SQLite or PostgreSQL): the import is all or nothing."
            </p>
            <a href="/api/account/export" download class=format!("mt-4 {SECONDARY}")>"Download account file"</a>
            {error.map(|message| view! {
                <p role="alert" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">{message}</p>
            })}
            <form method="post" action="/account/import" enctype="multipart/form-data" class="mt-5 flex flex-wrap items-end gap-4">
                <div>
                    <label for="account-file" class="text-sm font-medium">"Account file"</label>
                    <input id="account-file" name="file" type="file" accept=".json,application/json" required class="mt-1 block text-sm" />
                </div>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="replace" class="h-4 w-4 rounded border-slate-300" />
                    "Replace my current ledger"
                </label>
                <button type="submit" class=PRIMARY>"Import account"</button>
            </form>
        </section>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    // Resources are made outside the layout's Suspense (see DashboardPage).
    let review = use_query_map().get_untracked().get("review");
    let report = crate::wire::resource(
        move || review.clone(),
        |token| async move {
            match token {
                Some(token) => get_import_review(token).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Import activities · Folio" />
        <SignedInLayout content=move |_| {
            let error = use_query_map().get_untracked().get("error").map(|code| import_error_message(&code));
            view! {
                <h1 class="text-2xl font-semibold tracking-tight">"Import activities"</h1>
                <p class="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                    "A CSV file with a header row naming its columns — " <code>"date, kind, symbol, quantity, price, amount, fee, note"</code>" (and " <code>"numerator, denominator"</code>" for stock splits)"
                    " in any order (date and kind are required). Dates as YYYY-MM-DD; currency signs and thousands separators are fine. "
                    "Up to 50,000 rows and 5 MB. You see what would change before anything is written. "
                    <a href="/api/activities/export" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Export your ledger"</a>
                    " for an example."
                </p>
                {error.map(|message| view! {
                    <p role="alert" class="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200">{message}</p>
                })}
                <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Checking the file…"</p> }>
                    {move || Suspend::new(async move {
                        match report.await {
                            Ok(Some(r)) => {
                                let token = use_query_map().get_untracked().get("review").unwrap_or_default();
                                let importable = r.file_error.is_none() && r.error_count == 0 && r.new_count > 0;
                                view! {
                                    <section class=CARD aria-label="Import check">
                                        <h2 class="text-lg font-semibold">{format!("Checked {}", r.file_name)}</h2>
                                        {r.file_error.clone().map(|message| view! {
                                            <p role="alert" class="mt-3 text-sm text-rose-700 dark:text-rose-400">{"The file cannot be read: "}{message}</p>
                                        })}
                                        {r.file_error.is_none().then(|| view! {
                                            <p class="mt-2 text-sm">
                                                {format!("{} rows: {} new, {} already in your ledger, {} with problems.", r.rows, r.new_count, r.duplicate_count, r.error_count)}
                                            </p>
                                        })}
                                        <Lines title="Problems — nothing is imported until these are fixed".into() lines=r.errors total=r.error_count tone="text-rose-700 dark:text-rose-400" />
                                        <Lines title="New".into() lines=r.new total=r.new_count tone="text-emerald-700 dark:text-emerald-400" />
                                        <Lines title="Already in your ledger (skipped)".into() lines=r.duplicates total=r.duplicate_count tone="text-slate-600 dark:text-slate-300" />
                                        <div class="mt-6 flex flex-wrap items-center gap-3">
                                            {importable.then(|| view! {
                                                <form method="post" action=format!("/import/{token}")>
                                                    <button type="submit" class=PRIMARY>{format!("Import {} activities", r.new_count)}</button>
                                                </form>
                                            })}
                                            <a href="/import" class="text-sm font-medium text-slate-600 hover:underline dark:text-slate-300">"Choose another file"</a>
                                        </div>
                                    </section>
                                }.into_any()
                            }
                            Ok(None) => view! {
                                <section class=CARD>
                                    <form method="post" action="/import" enctype="multipart/form-data" class="flex flex-wrap items-end gap-4">
                                        <div>
                                            <label for="file" class="text-sm font-medium">"CSV file"</label>
                                            <input id="file" name="file" type="file" accept=".csv,text/csv" required class="mt-1 block text-sm" />
                                        </div>
                                        <button type="submit" class=PRIMARY>"Check file"</button>
                                    </form>
                                </section>
                            }.into_any(),
                            Err(err) => view! {
                                <p role="alert" class="mt-6 text-sm text-rose-700 dark:text-rose-400">{err.to_string()}
                                    " " <a href="/import" class="font-medium underline">"Choose the file again"</a></p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <PricesFileSection />
                <AccountFileSection />
            }
        } />
    }
}
