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
                {hydrate.then(|| view! { <Hydration options /> })}
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Leptos' `HydrationScripts` without its `<link rel="preload">` of the WASM: the
/// WASM (about 340 KB compressed) is fetched when the hydration module runs, after
/// the HTML is parsed, so it does not share a slow link with the stylesheet and the
/// page's first paint. Measured with Lighthouse's mobile settings on the dashboard
/// (`scripts/lighthouse.mjs`): LCP 2.7–3.8 s with the preload, 0.8–2.1 s without.
#[component]
fn Hydration(options: LeptosOptions) -> impl IntoView {
    let (js, wasm) = hashed_names(&options);
    let pkg = options.site_pkg_dir.to_string();
    let nonce = leptos::nonce::use_nonce();
    // leptos 0.8's hydration_script.js, started at once (not on idle).
    let script = format!(
        "import('/{pkg}/{js}.js').then(mod => mod.default({{module_or_path: '/{pkg}/{wasm}.wasm'}}).then(() => mod.hydrate()));"
    );
    view! {
        <link rel="modulepreload" href=format!("/{pkg}/{js}.js") />
        <script type="module" nonce=nonce>{script}</script>
    }
}

/// The JS and WASM file names (without extension) of this build: `folio.<hash>` from
/// the hash file cargo-leptos writes beside the binary (`hash-files`), as Leptos
/// reads it.
fn hashed_names(options: &LeptosOptions) -> (String, String) {
    let name = options.output_name.to_string();
    #[cfg(feature = "ssr")]
    if options.hash_files {
        // Read once per process, not on every page: the file only changes with the binary.
        static HASHES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hashes = HASHES.get_or_init(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
                .and_then(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default()
        });
        let hash = |file: &str| {
            hashes
                .lines()
                .filter_map(|line| line.trim().split_once(':'))
                .find(|(name, _)| *name == file)
                .map(|(_, hash)| format!(".{}", hash.trim()))
                .unwrap_or_default()
        };
        return (format!("{name}{}", hash("js")), format!("{name}{}", hash("wasm")));
    }
    let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { name.clone() } else { format!("{name}_bg") };
    (name, wasm)
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
