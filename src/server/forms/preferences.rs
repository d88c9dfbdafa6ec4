//! Choices a person makes about how Folio looks, kept in a cookie so the server
//! renders them in the first HTML (no flash of the wrong theme) and so they work
//! without JavaScript: `POST /theme` with `theme` = system, light or dark.

use super::auth::safe_next;
use crate::server::doors::{Access, Doors, Kind};
use axum::extract::Form;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub const THEME_COOKIE: &str = "folio_theme";

pub fn doors() -> Doors {
    Doors::new(Kind::Form).post("/theme", Access::Public, set_theme)
}

#[derive(Deserialize)]
struct ThemeForm {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    next: String,
}

/// The class for `<html>`: "dark", "light", or "" to follow the system.
pub fn theme_class(headers: &HeaderMap) -> &'static str {
    match crate::server::auth::extractor::cookie_value(headers, THEME_COOKIE) {
        Some("dark") => "dark",
        Some("light") => "light",
        _ => "",
    }
}

async fn set_theme(Form(form): Form<ThemeForm>) -> Response {
    let cookie = match form.theme.as_str() {
        "dark" | "light" => format!("{THEME_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", form.theme),
        _ => format!("{THEME_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0"),
    };
    let mut response = Redirect::to(safe_next(&form.next)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_themes_become_a_class() {
        let with = |cookie: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            theme_class(&headers)
        };
        assert_eq!(with("folio_theme=dark"), "dark");
        assert_eq!(with("a=b; folio_theme=light"), "light");
        assert_eq!(with("folio_theme=\" onload=alert(1)"), "");
        assert_eq!(theme_class(&HeaderMap::new()), "");
    }
}
