//! Reusable pieces of the pages.

mod activity_form;
mod auth_form;
mod badge;
mod cards;
mod layout;
mod positions;

pub use activity_form::{ActivityForm, ActivityValues};
pub use auth_form::{AuthCard, CredentialsForm};
pub use badge::PriceBadge;
pub use cards::OverviewCards;
pub use layout::SignedInLayout;
pub use positions::PositionsTable;
