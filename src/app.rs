//! The HTML shell and the route table.

use crate::pages::{
    DashboardPage, DeleteActivityPage, EditActivityPage, ImportPage, LoginPage, NewActivityPage, NotFoundPage,
    SignupPage, SymbolPage, TradesPage,
};
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = crate::components::current_theme();
    let path = request_path().unwrap_or_default();
    let charts = crate::components::draws_charts(&path);
    // The sign-in pages are plain forms that post to the server: they need no
    // WASM, so they load none (a first visit downloads a few kilobytes).
    let hydrate = !STATIC_PAGES.contains(&path.as_str());
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="description" content="Folio: your stock portfolio's value, returns and risk, computed from your own ledger, with every number explained." />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                // The charts (a small ECharts build), only on the pages that draw
                // them; deferred, so it runs before the hydration module without
                // blocking the first paint. Other pages load it when they need it.
                {charts.then(|| view! { <script src=crate::components::ECHARTS_SCRIPT defer></script> })}
                <HashedStylesheet options=options.clone() id="leptos" />
                {hydrate.then(|| view! { <HydrationScripts options /> })}
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Pages served as plain HTML and CSS, without the WASM.
const STATIC_PAGES: [&str; 2] = ["/login", "/signup"];

/// The path of the request being rendered (the shell is rendered on the server only).
fn request_path() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().map(|parts| parts.uri.path().to_string())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Folio" />
        <Router>
            <Routes fallback=NotFoundPage>
                // Async: the server waits for the page's data and sends complete
                // HTML, so every number is in the first response and pages work
                // without JavaScript (out-of-order streaming would need it).
                <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/trades") view=TradesPage ssr=SsrMode::Async />
                <Route path=path!("/import") view=ImportPage ssr=SsrMode::Async />
                <Route path=path!("/symbol/:symbol") view=SymbolPage ssr=SsrMode::Async />
                <Route path=path!("/activities/new") view=NewActivityPage ssr=SsrMode::Async />
                <Route path=path!("/activities/:id/edit") view=EditActivityPage ssr=SsrMode::Async />
                <Route path=path!("/activities/:id/delete") view=DeleteActivityPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
