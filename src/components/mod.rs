//! Reusable pieces of the pages.

mod auth_form;
mod layout;

pub use auth_form::{AuthCard, CredentialsForm};
pub use layout::SignedInLayout;
