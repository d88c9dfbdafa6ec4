//! Reusable pieces of the pages.

mod activity_form;
mod allocation_chart;
mod auth_form;
mod badge;
mod cards;
mod chart;
mod layout;
mod performance_chart;
mod positions;
mod query;
mod theme;

pub use activity_form::{ActivityForm, ActivityValues};
pub use allocation_chart::AllocationPanel;
pub use auth_form::{AuthCard, CredentialsForm};
pub use badge::PriceBadge;
pub use cards::OverviewCards;
pub use layout::SignedInLayout;
pub use performance_chart::PerformancePanel;
pub use positions::PositionsTable;
pub use theme::current_theme;
