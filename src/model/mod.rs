//! Types shared by the server and the browser (they cross the wire as JSON).

mod activity;
mod allocation;
mod charts;
mod cursor;
mod dashboard;
mod error;
mod figures;
mod format;
mod income;
mod live;
mod market;
mod overview;
mod performance;
mod position;
mod range;
mod user;
mod variant;
mod wire_date;

pub use activity::{
    Activity, ActivityKind, ActivityPage, ImportReview, ReviewLine, SplitRatio, SplitSuggestion, activity_error_message,
};
pub use allocation::{Allocation, Slice};
pub use charts::{
    AllocationChart, BENCHMARK_COLOUR, BUY_COLOUR, CONTRIBUTIONS_COLOUR, ChartView, DRAWDOWN_COLOUR, DashboardCharts,
    PALETTE, PORTFOLIO_COLOUR, PerformanceChart, SELL_COLOUR,
};
pub use cursor::Cursor;
pub use dashboard::{Dashboard, HistoryProgress};
pub use error::ApiError;
pub use figures::{Field, PerStat, Stat, StatCard, StatGroup, Unit};
pub use format::{
    format_money, format_percent_points, format_price, format_signed_money, format_signed_percent, round_cents,
};
pub use income::{Income, MonthIncome};
pub use live::{LivePortfolio, LivePosition, LiveQuote, StreamState, StreamStatus};
pub use market::{
    CompanyProfile, LotView, MAX_SEARCH_CHARS, MAX_SYMBOL_LEN, MarketProblem, MarketStatus, PriceSource, Quote,
    SearchHit, SearchQuery, Symbol, SymbolView, safe_url,
};
pub use overview::{Overview, note};
pub use performance::{Performance, PerformancePoint, PerformanceSummary};
pub use position::PositionRow;
pub use range::Range;
pub use user::{AuthSettings, CurrentUser, auth_error_message};
