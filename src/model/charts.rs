//! The dashboard's charts as the browser receives them: ECharts options built on
//! the server (JSON text, see `server::dashboard::charts`) and the figures of the text summary
//! shown without JavaScript. Building options on the server keeps the chart
//! library's types out of the WASM.

use super::{Allocation, PerformanceSummary, Range};
use serde::{Deserialize, Deserializer, Serialize};

/// Which picture of the performance series (`?chart=return|value|drawdown`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum ChartView {
    /// Cumulative return of the portfolio and the benchmark.
    #[default]
    Return,
    /// Money over time: total value and net contributions, with the trades marked.
    Value,
    /// Fall from the running peak.
    Drawdown,
}

impl ChartView {
    pub const ALL: [ChartView; 3] = [ChartView::Return, ChartView::Value, ChartView::Drawdown];

    pub fn from_query(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or_default();
        Self::ALL.into_iter().find(|v| v.key().eq_ignore_ascii_case(raw)).unwrap_or_default()
    }

    /// Its value in the URL.
    pub const fn key(self) -> &'static str {
        match self {
            ChartView::Return => "return",
            ChartView::Value => "value",
            ChartView::Drawdown => "drawdown",
        }
    }

    /// Its name on the switch.
    pub const fn label(self) -> &'static str {
        match self {
            ChartView::Return => "Return",
            ChartView::Value => "Value",
            ChartView::Drawdown => "Drawdown",
        }
    }
}

impl ChartView {
    /// Its name in JSON (the variant's, as `Serialize` writes it).
    const fn wire_name(self) -> &'static str {
        match self {
            ChartView::Return => "Return",
            ChartView::Value => "Value",
            ChartView::Drawdown => "Drawdown",
        }
    }
}

/// By its name, exactly as written (`"Value"`): see `model::variant`.
impl<'de> Deserialize<'de> for ChartView {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::variant::by_name(deserializer, &ChartView::ALL, ChartView::wire_name, "Return, Value or Drawdown")
    }
}

/// Line colours: the chart draws with them and the page's legend shows them. The
/// portfolio's line is the strongest in both themes; the benchmark and the money
/// put in are thinner, dashed and mid-grey, readable on white and on slate.
pub const PORTFOLIO_COLOUR: &str = "#059669";
pub const BENCHMARK_COLOUR: &str = "#64748b";
pub const CONTRIBUTIONS_COLOUR: &str = "#64748b";
pub const DRAWDOWN_COLOUR: &str = "#e11d48";
/// Trade markers on the Value view.
pub const BUY_COLOUR: &str = "#0284c7";
pub const SELL_COLOUR: &str = "#d97706";

/// Allocation slice colours, in slice order; they repeat after ten.
pub const PALETTE: [&str; 10] =
    ["#059669", "#0284c7", "#7c3aed", "#d97706", "#db2777", "#0d9488", "#4f46e5", "#65a30d", "#dc2626", "#64748b"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceChart {
    pub range: Range,
    pub view: ChartView,
    pub benchmark: String,
    /// `None` when the range has fewer than two days (nothing to draw).
    pub summary: Option<PerformanceSummary>,
    /// The ECharts option of `view`.
    pub option: String,
}

/// The allocation donut's data (drawn in CSS: `components::allocation_chart`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocationChart {
    pub allocation: Allocation,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardCharts {
    pub performance: PerformanceChart,
    pub allocation: AllocationChart,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_comes_from_the_query() {
        assert_eq!(ChartView::from_query(Some("DrawDown")), ChartView::Drawdown);
        assert_eq!(ChartView::from_query(Some("value")), ChartView::Value);
        assert_eq!(ChartView::from_query(Some("bogus")), ChartView::Return);
        assert_eq!(ChartView::from_query(None), ChartView::Return);
        crate::model::variant::assert_names_round_trip(&ChartView::ALL, ChartView::wire_name);
    }
}
