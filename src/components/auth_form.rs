//! The card and the username/password form shared by the sign-in and sign-up pages.
//! The form posts straight to the server (no JavaScript needed).

use leptos::prelude::*;

/// A centred card with the product name above it.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="flex min-h-screen items-center justify-center px-4 py-12">
            <div class="w-full max-w-sm">
                <p class="mb-6 text-center text-2xl font-semibold tracking-tight">
                    <span class="text-emerald-600 dark:text-emerald-400">"◆"</span>
                    " Folio"
                </p>
                <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                    <h1 class="mb-5 text-lg font-semibold">{title}</h1>
                    {children()}
                </section>
            </div>
        </main>
    }
}

const INPUT: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm \
     focus:border-emerald-500 focus:outline-none focus:ring-2 focus:ring-emerald-500/40 \
     dark:border-slate-700 dark:bg-slate-950";

/// Username and password fields, an error banner, and a submit button.
#[component]
pub fn CredentialsForm(
    /// Where the form posts (`/auth/login` or `/auth/signup`).
    action: &'static str,
    submit_label: &'static str,
    /// `current-password` or `new-password`, for password managers.
    password_autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<&'static str>>,
    #[prop(into)] username: Signal<String>,
    #[prop(into, optional)] next: Signal<String>,
    #[prop(optional)] password_hint: Option<&'static str>,
) -> impl IntoView {
    view! {
        <form method="post" action=action class="space-y-4">
            <Show when=move || error.get().is_some()>
                <p
                    role="alert"
                    class="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-900 dark:bg-rose-950 dark:text-rose-200"
                >
                    {move || error.get()}
                </p>
            </Show>
            <div>
                <label for="username" class="text-sm font-medium">
                    "Username"
                </label>
                <input
                    id="username"
                    name="username"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    required
                    maxlength="64"
                    class=INPUT
                    value=move || username.get()
                />
            </div>
            <div>
                <label for="password" class="text-sm font-medium">
                    "Password"
                </label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete=password_autocomplete
                    required
                    maxlength="72"
                    class=INPUT
                />
                {password_hint.map(|hint| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p> })}
            </div>
            <input type="hidden" name="next" value=move || next.get() />
            <button
                type="submit"
                class="w-full rounded-lg bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900"
            >
                {submit_label}
            </button>
        </form>
    }
}
