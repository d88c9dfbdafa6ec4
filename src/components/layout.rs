//! The frame of every signed-in page: a header with the product name, the user and
//! a sign-out button, around the page's content. It loads the signed-in user once
//! and hands it to the page.

use crate::model::CurrentUser;
use crate::server_fns::get_current_user;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn SignedInLayout<F, V>(
    /// Renders the page body for the signed-in user.
    content: F,
) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let user = crate::wire::resource(|| (), |_| get_current_user());
    view! {
        <Suspense fallback=|| view! { <p class="p-8 text-sm text-slate-500">"Loading…"</p> }>
            {move || {
                let content = content.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(user) => {
                            view! {
                                <Header username=user.username.clone() />
                                <main class="mx-auto max-w-7xl px-4 py-6 sm:px-6">{content(user)}</main>
                            }
                                .into_any()
                        }
                        Err(_) => view! { <Redirect path="/login" /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Header(username: String) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <div class="relative mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
                <div class="flex items-center gap-5">
                    <a href="/" rel="external" class="text-lg font-semibold tracking-tight">
                        <span class="text-emerald-600 dark:text-emerald-400">"◆"</span>
                        " Folio"
                    </a>
                    <nav aria-label="Main" class="flex gap-4 text-sm font-medium text-slate-600 dark:text-slate-300">
                        // A full page load (`rel="external"`): the dashboard's HTML brings the
                        // chart library, which the other pages do not load.
                        <a href="/" rel="external" class="hover:text-slate-900 hover:underline dark:hover:text-white">"Dashboard"</a>
                        <a href="/trades" class="hover:text-slate-900 hover:underline dark:hover:text-white">"Activities"</a>
                    </nav>
                </div>
                <div class="flex items-center gap-2 text-sm sm:gap-3">
                    <ThemeToggle />
                    <AccountMenu username />
                    <form method="post" action="/auth/logout">
                        <button
                            type="submit"
                            class="whitespace-nowrap rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800"
                        >
                            "Sign out"
                        </button>
                    </form>
                </div>
            </div>
        </header>
    }
}

/// Who is signed in, and "Sign out everywhere" (a `<details>` disclosure: it opens
/// without JavaScript, and the button is a plain form post).
#[component]
fn AccountMenu(username: String) -> impl IntoView {
    let initial: String = username.chars().take(1).collect();
    view! {
        // On a phone the panel spans the header (the positioned ancestor), not the
        // narrow space left of the summary.
        <details class="sm:relative">
            <summary
                class="flex max-w-[9rem] cursor-pointer list-none items-center gap-1 rounded-lg px-2 py-1.5 text-slate-600 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:text-slate-300 dark:hover:bg-slate-800"
                title="Your account"
            >
                // A phone shows the initial only, so the header keeps to one screen width.
                <span aria-hidden="true" class="flex h-6 w-6 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold uppercase text-slate-700 sm:hidden dark:bg-slate-700 dark:text-slate-200">
                    {initial}
                </span>
                <span class="sr-only sm:not-sr-only sm:truncate">{username.clone()}</span>
                <span aria-hidden="true" class="text-xs">"▾"</span>
            </summary>
            <div class="absolute inset-x-4 z-20 mt-2 rounded-xl sm:inset-x-auto sm:right-0 sm:w-64 border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                <p class="text-slate-600 dark:text-slate-400">"Signed in as " <strong class="text-slate-900 dark:text-white">{username}</strong></p>
                <form method="post" action="/auth/logout-everywhere" class="mt-3">
                    <button
                        type="submit"
                        class="w-full rounded-lg border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-slate-800"
                    >
                        "Sign out everywhere"
                    </button>
                </form>
                <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"Ends every session of this account: other browsers, devices and API tokens."</p>
            </div>
        </details>
    }
}

/// `path` with `search` as its query, whether or not `search` starts with `?`.
fn with_query(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_string(),
        query => format!("{path}?{query}"),
    }
}

/// System, light or dark: a form post that sets a cookie, so the choice is
/// remembered and rendered by the server (works without JavaScript).
#[component]
fn ThemeToggle() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    // The router's `search` has no leading `?`: without one, `/?range=1M` came back
    // from the theme form as the unknown page `/range=1M`.
    let next = move || with_query(&location.pathname.get(), &location.search.get());
    let current = super::current_theme();
    let button = move |value: &'static str, label: &'static str| {
        let pressed = current == value;
        view! {
            <button
                type="submit"
                name="theme"
                value=if value.is_empty() { "system" } else { value }
                aria-pressed=if pressed { "true" } else { "false" }
                class=if pressed {
                    "rounded-md bg-slate-200 px-2 py-1 font-medium dark:bg-slate-700"
                } else {
                    "rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <form method="post" action="/theme" aria-label="Theme" class="flex items-center gap-0.5 rounded-lg border border-slate-300 p-0.5 text-xs dark:border-slate-700">
            <input type="hidden" name="next" value=next />
            {button("", "Auto")}
            {button("light", "Light")}
            {button("dark", "Dark")}
        </form>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_theme_form_comes_back_to_the_same_page_and_query() {
        assert_eq!(super::with_query("/", "range=1M"), "/?range=1M");
        assert_eq!(super::with_query("/", "?range=1M"), "/?range=1M");
        assert_eq!(super::with_query("/trades", ""), "/trades");
    }
}
