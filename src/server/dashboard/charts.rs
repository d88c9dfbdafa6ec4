//! The dashboard's charts, built here as ECharts options with `charming` and sent
//! to the browser as JSON (the browser only draws them: `components::chart`). Doing
//! this on the server keeps charming's option types and their serialisers out of
//! the WASM, where they cost 174 KB (50 KB compressed, a tenth of the dashboard's
//! first-load budget).
//!
//! Percentages are rounded to hundredths; upstream text (industry names) is data
//! in the option, drawn on a canvas or in ECharts' default tooltip, which escapes it.

use crate::model::{
    Allocation, AllocationChart, BENCHMARK_COLOUR, ChartView, DRAWDOWN_COLOUR, DashboardCharts, PALETTE,
    PORTFOLIO_COLOUR, Performance, PerformanceChart, Range,
};
use crate::server::portfolio::service;
use charming::Chart;
use charming::component::{Axis, DataZoom, DataZoomType, Grid};
use charming::element::{
    AreaStyle, AxisLabel, AxisType, Color, ItemStyle, Label, LineStyle, SplitLine, TextStyle, Tooltip, Trigger,
};
use charming::series::{Line, Pie};
use rust_decimal::prelude::ToPrimitive;

/// Both charts of the dashboard, from an already loaded portfolio and its
/// position rows (no IO): the performance chart of `range` in `view`, and the
/// allocation.
pub fn charts_of(
    portfolio: &service::Portfolio,
    positions: &[crate::model::PositionRow],
    range: Range,
    view: ChartView,
) -> DashboardCharts {
    DashboardCharts {
        performance: performance_chart(&portfolio.performance(range), view),
        allocation: allocation_chart(crate::server::portfolio::engine::allocation::by_industry(
            positions,
            portfolio.valuation.cash,
        )),
    }
}

pub fn performance_chart(perf: &Performance, view: ChartView) -> PerformanceChart {
    PerformanceChart {
        range: perf.range,
        view,
        benchmark: perf.benchmark.clone(),
        summary: perf.summary(),
        option: performance_option(perf, view).to_json(),
    }
}

pub fn allocation_chart(allocation: Allocation) -> AllocationChart {
    let option = (!allocation.slices.is_empty()).then(|| allocation_option(&allocation).to_json());
    AllocationChart { allocation, option }
}

trait ToJson {
    fn to_json(&self) -> String;
}

impl ToJson for Chart {
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

const MUTED_TEXT: &str = "#64748b";
const GRID_LINE: &str = "rgba(148,163,184,0.25)";

fn two_places(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn axis_label() -> AxisLabel {
    AxisLabel::new().color(MUTED_TEXT)
}

/// The ECharts option for `perf`: dates on a category axis, percentages rounded to
/// hundredths, a slider to zoom into part of the range, an axis tooltip.
pub fn performance_option(perf: &Performance, view: ChartView) -> Chart {
    let dates: Vec<String> = perf.points.iter().map(|p| p.date.to_string()).collect();
    let line = |name: &str| Line::new().name(name).show_symbol(false).line_style(LineStyle::new().width(2));
    // The palette colours the lines and tooltip dots; the page's legend (HTML, not
    // ECharts', which would add its component to the download) uses the same.
    let (series, colours, tooltip): (Vec<Line>, Vec<&str>, &str) = match view {
        ChartView::Return => (
            vec![
                line("Portfolio").data(perf.points.iter().map(|p| two_places(p.cumulative_twr)).collect()),
                line(&perf.benchmark)
                    .data(perf.points.iter().map(|p| p.benchmark_cumulative.map(two_places)).collect()),
            ],
            vec![PORTFOLIO_COLOUR, BENCHMARK_COLOUR],
            "{b}<br/>{a0}: {c0} %<br/>{a1}: {c1} %",
        ),
        ChartView::Drawdown => (
            vec![
                line("Drawdown")
                    .area_style(AreaStyle::new().color("rgba(225,29,72,0.15)"))
                    .data(perf.points.iter().map(|p| two_places(p.drawdown)).collect()),
            ],
            vec![DRAWDOWN_COLOUR],
            "{b}<br/>{a0}: {c0} %",
        ),
    };
    let mut chart = Chart::new()
        .color(colours.into_iter().map(Color::from).collect())
        .grid(Grid::new().left(48).right(16).top(12).bottom(64))
        .tooltip(Tooltip::new().trigger(Trigger::Axis).formatter(tooltip))
        .x_axis(Axis::new().type_(AxisType::Category).boundary_gap(false).data(dates).axis_label(axis_label()))
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .axis_label(axis_label().formatter("{value} %"))
                .split_line(SplitLine::new().line_style(LineStyle::new().color(GRID_LINE))),
        )
        // Translucent colours, so the slider sits well on the light and dark themes.
        .data_zoom(
            DataZoom::new()
                .type_(DataZoomType::Slider)
                .bottom(8)
                .background_color("rgba(148,163,184,0.08)")
                .filler_color("rgba(5,150,105,0.15)")
                .border_color(GRID_LINE)
                .text_style(TextStyle::new().color(MUTED_TEXT)),
        );
    for s in series {
        chart = chart.series(s);
    }
    chart
}

pub fn allocation_option(allocation: &Allocation) -> Chart {
    let data: Vec<(f64, String)> = allocation
        .slices
        .iter()
        .map(|s| (((s.value.to_f64().unwrap_or(0.0)) * 100.0).round() / 100.0, s.label.clone()))
        .collect();
    Chart::new()
        .color(PALETTE.iter().map(|c| Color::from(*c)).collect())
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .series(
            Pie::new()
                .name("Allocation")
                .radius(vec!["48%", "72%"])
                .center(vec!["50%", "50%"])
                .avoid_label_overlap(true)
                .label(Label::new().show(false))
                .item_style(ItemStyle::new().border_width(2).border_color("rgba(255,255,255,0.6)"))
                .data(data),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Range;
    use crate::model::{PerformancePoint, Slice};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn perf() -> Performance {
        let point = |day, twr: f64, bench: Option<f64>, dd: f64| PerformancePoint {
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            total_value: Decimal::ONE,
            cash: Decimal::ZERO,
            invested: Decimal::ONE,
            daily_return: None,
            cumulative_twr: twr,
            benchmark_cumulative: bench,
            drawdown: dd,
        };
        Performance {
            range: Range::OneMonth,
            benchmark: "SPY".into(),
            points: vec![
                point(2, 0.0, Some(0.0), 0.0),
                point(3, 1.23456, None, 0.0),
                point(4, -0.5, Some(2.0), -1.7178),
            ],
        }
    }

    fn json(chart: &Chart) -> serde_json::Value {
        serde_json::to_value(chart).unwrap()
    }

    /// charming writes a single component as an object and several as an array.
    fn one(value: &serde_json::Value) -> &serde_json::Value {
        value.as_array().map_or(value, |a| &a[0])
    }

    fn series(option: &serde_json::Value) -> Vec<serde_json::Value> {
        option["series"].as_array().cloned().unwrap_or_else(|| vec![option["series"].clone()])
    }

    #[test]
    fn the_return_view_draws_portfolio_and_benchmark_in_percent() {
        let option = json(&performance_option(&perf(), ChartView::Return));
        assert_eq!(one(&option["xAxis"])["data"], serde_json::json!(["2026-03-02", "2026-03-03", "2026-03-04"]));
        let series = series(&option);
        assert_eq!(series.len(), 2);
        assert_eq!(series[0]["name"], "Portfolio");
        assert_eq!(series[0]["data"], serde_json::json!([0.0, 1.23, -0.5]));
        assert_eq!(series[1]["name"], "SPY");
        assert_eq!(series[1]["data"], serde_json::json!([0.0, null, 2.0]), "a missing close is a gap, not a zero");
        assert_eq!(one(&option["tooltip"])["trigger"], "axis");
        assert_eq!(one(&option["dataZoom"])["type"], "slider");
        assert_eq!(option["color"], serde_json::json!(["#059669", "#94a3b8"]));
    }

    #[test]
    fn a_range_with_one_day_has_no_summary_but_still_valid_options() {
        let mut one_day = perf();
        one_day.points.truncate(1);
        let chart = performance_chart(&one_day, ChartView::Return);
        assert_eq!(chart.summary, None);
        let option: serde_json::Value = serde_json::from_str(&chart.option).unwrap();
        assert_eq!(series(&option)[0]["data"], serde_json::json!([0.0]));
        let full = performance_chart(&perf(), ChartView::Drawdown);
        assert_eq!((full.view, full.summary.unwrap().days), (ChartView::Drawdown, 3));
        assert!(full.option.contains("\"Drawdown\""));
    }

    #[test]
    fn the_drawdown_view_is_one_series_at_or_below_zero() {
        let option = json(&performance_option(&perf(), ChartView::Drawdown));
        let series = series(&option);
        assert_eq!(series.len(), 1);
        assert_eq!(series[0]["name"], "Drawdown");
        assert_eq!(series[0]["data"], serde_json::json!([0.0, 0.0, -1.72]));
    }

    #[test]
    fn each_slice_is_a_named_value_and_names_are_data_not_markup() {
        let allocation = Allocation {
            slices: vec![
                Slice { label: "<img src=x onerror=alert(1)>".into(), value: Decimal::new(123456, 2), percent: 60.0 },
                Slice { label: "Cash".into(), value: Decimal::new(82304, 2), percent: 40.0 },
            ],
            unpriced: vec![],
        };
        let option = serde_json::to_value(allocation_option(&allocation)).unwrap();
        let pie = option["series"].as_array().map_or(&option["series"], |a| &a[0]);
        let data = &pie["data"];
        assert_eq!(data[0]["name"], "<img src=x onerror=alert(1)>");
        assert_eq!(data[0]["value"], 1234.56);
        assert_eq!(data[1]["name"], "Cash");
        assert_eq!(pie["type"], "pie");
        assert!(
            option["tooltip"].get("formatter").is_none(),
            "the default tooltip escapes names; a template would not"
        );
    }
}
