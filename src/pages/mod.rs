//! One module per route.

mod activity_pages;
mod dashboard;
mod import;
mod login;
mod not_found;
mod signup;
mod symbol;
mod trades;

pub use activity_pages::{DeleteActivityPage, EditActivityPage, NewActivityPage};
pub use dashboard::DashboardPage;
pub use import::ImportPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use signup::SignupPage;
pub use symbol::SymbolPage;
pub use trades::TradesPage;
