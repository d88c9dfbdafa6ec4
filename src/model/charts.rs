//! The dashboard's charts as the browser receives them: ECharts options built on
//! the server (JSON text, see `server::charts`) and the figures of the text summary
//! shown without JavaScript. Building options on the server keeps the chart
//! library's types out of the WASM.

use super::{Allocation, PerformanceSummary, Range};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceChart {
    pub range: Range,
    pub benchmark: String,
    /// `None` when the range has fewer than two days (nothing to draw).
    pub summary: Option<PerformanceSummary>,
    /// Cumulative return of the portfolio and the benchmark.
    pub returns_option: String,
    /// Drawdown from the running peak.
    pub drawdown_option: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocationChart {
    pub allocation: Allocation,
    /// `None` when there is nothing to allocate.
    pub option: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardCharts {
    pub performance: PerformanceChart,
    pub allocation: AllocationChart,
}
