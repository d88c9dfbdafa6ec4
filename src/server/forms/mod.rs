//! Every browser form post in one place: plain HTML forms that answer with a
//! redirect (post/redirect/get), so signing in, changing the ledger, importing and
//! choosing a theme all work with JavaScript off. Each handler checks its input and
//! calls a service; errors travel back to the page as a code in the query string.
//!
//! - [`auth`]: sign-in, sign-up, sign-out.
//! - [`ledger`]: add, change and delete an activity.
//! - [`import`]: a CSV upload and its confirmation, an account file.
//! - [`preferences`]: the theme cookie.

pub mod auth;
pub mod import;
pub mod ledger;
pub mod preferences;

use crate::server::doors::Doors;
use axum::response::{IntoResponse, Redirect, Response};

/// Every form route, each with its access rule.
pub fn doors() -> Doors {
    auth::doors().merge(ledger::doors()).merge(import::doors()).merge(preferences::doors())
}

/// A form posted without a session goes to the sign-in page.
fn sign_in_first() -> Response {
    Redirect::to("/login").into_response()
}
