//! Any path no route matches.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Folio" />
        <main class="mx-auto max-w-xl px-4 py-24 text-center">
            <p class="text-sm font-semibold text-emerald-700 dark:text-emerald-400">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold">"This page does not exist"</h1>
            <p class="mt-4">
                <a href="/" rel="external" class="text-emerald-700 underline dark:text-emerald-400">"Back to the dashboard"</a>
            </p>
        </main>
    }
}
