//! Reusable pieces of the pages.

mod activity_form;
mod allocation_chart;
mod auth_form;
mod badge;
mod cards;
mod chart;
mod income;
mod layout;
mod live;
mod performance_chart;
mod positions;
mod query;
mod range_bar;
mod split_suggestions;
mod theme;
mod welcome;

pub use activity_form::{ActivityForm, ActivityValues};
pub use allocation_chart::AllocationPanel;
pub use auth_form::{AuthCard, CredentialsForm};
pub use badge::PriceBadge;
pub use cards::{Headline, HoldingsCards, RangeCards, TradingCards};
pub use chart::{ECHARTS_SCRIPT, EChart, draws_charts};
pub use income::IncomeBars;
pub use layout::SignedInLayout;
pub use live::{Live, LiveDot, live_text, provide_live};
pub use performance_chart::PerformancePanel;
pub use positions::PositionsTable;
pub use range_bar::{RangeBar, range_words};
pub use split_suggestions::SplitSuggestions;
pub use theme::current_theme;
pub use welcome::Welcome;
