//! Reusable pieces of the pages.

mod auth_form;
mod cards;
mod layout;
mod positions;

pub use auth_form::{AuthCard, CredentialsForm};
pub use cards::OverviewCards;
pub use layout::SignedInLayout;
pub use positions::PositionsTable;
