//! The HTML shell and the route table.

use crate::pages::{
    DashboardPage, DeleteActivityPage, EditActivityPage, ImportPage, LoginPage, NewActivityPage, NotFoundPage,
    SignupPage, SymbolPage, TradesPage,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = crate::components::current_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                // The dashboard's charts (a small ECharts build); deferred, so it
                // runs before the hydration module without blocking the first paint.
                <script src="/echarts/echarts.folio.js" defer></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/folio.css" />
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
