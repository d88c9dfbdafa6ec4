//! Folio: a self-hosted stock-portfolio dashboard.
//!
//! One crate, two targets: with `ssr` it is the axum server that renders pages,
//! serves the REST API and runs background jobs; with `hydrate` it is the WASM that
//! makes those pages interactive in the browser.

// Leptos views are deeply nested types; the optimised WASM build of the positions
// table needs more than the default 128 levels to lay them out.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod server_fns;
pub mod wire;

/// Browser entry point: attach to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console for debug builds (the end-to-end tests fail on
    // them); a release build leaves the hook and its formatting code out.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
