//! The theme the person chose, read where it lives: the request's cookie on the
//! server (so the first HTML is already in the right colours), `<html>`'s class in
//! the browser. The shell and the theme switch both ask here.

use leptos::prelude::*;

/// The theme the person chose ("dark", "light"), or "" to follow the system: from
/// the request's cookie on the server, from `<html>`'s class in the browser.
pub fn current_theme() -> &'static str {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|parts| crate::server::forms::preferences::theme_class(&parts.headers))
            .unwrap_or("")
    }
    #[cfg(not(feature = "ssr"))]
    {
        let class = document().document_element().map(|html| html.class_name()).unwrap_or_default();
        match class.as_str() {
            "dark" => "dark",
            "light" => "light",
            _ => "",
        }
    }
}
