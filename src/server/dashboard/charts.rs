//! The dashboard's charts, built here as ECharts options with `charming` and sent
//! to the browser as JSON (the browser only draws them: `components::chart`). Doing
//! this on the server keeps charming's option types and their serialisers out of
//! the WASM, where they cost 174 KB (50 KB compressed, a tenth of the dashboard's
//! first-load budget).
//!
//! Percentages are rounded to hundredths; upstream text (industry names) is data
//! in the option, drawn on a canvas or in ECharts' default tooltip, which escapes it.

use crate::model::{
    Activity, ActivityKind, Allocation, AllocationChart, BENCHMARK_COLOUR, BUY_COLOUR, CONTRIBUTIONS_COLOUR, ChartView,
    DRAWDOWN_COLOUR, DashboardCharts, PORTFOLIO_COLOUR, Performance, PerformanceChart, Range, SELL_COLOUR,
};
use crate::server::portfolio::service;
use charming::Chart;
use charming::component::{Axis, Grid};
use charming::element::{
    AreaStyle, AxisLabel, AxisType, Color, LineStyle, LineStyleType, SplitLine, Step, Tooltip, Trigger,
};
use charming::series::Line;
use chrono::NaiveDate;
use rust_decimal::Decimal;
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
    let now = Now {
        date: portfolio.today,
        total_value: portfolio.valuation.total_value,
        net_contributions: portfolio.valuation.net_contributions,
    };
    DashboardCharts {
        performance: performance_chart(&portfolio.performance(range), view, &portfolio.kept.activities, &now),
        allocation: allocation_chart(crate::server::portfolio::engine::allocation::by_industry(
            positions,
            portfolio.valuation.cash,
        )),
    }
}

/// The portfolio as it is now, for the Value view's last point: the history ends
/// at the last close, the headline's total value is live.
pub struct Now {
    pub date: NaiveDate,
    pub total_value: Option<Decimal>,
    pub net_contributions: Decimal,
}

/// The chart of `perf` in `view`; `activities` (the ledger, in date order) gives
/// the Value view its trade markers.
pub fn performance_chart(perf: &Performance, view: ChartView, activities: &[Activity], now: &Now) -> PerformanceChart {
    let mut summary = perf.summary();
    let option = match view {
        ChartView::Value => {
            let points = value_points(perf, now);
            if let (Some(s), Some(last)) = (summary.as_mut(), points.last()) {
                (s.to, s.total_value, s.net_contributions) = (last.date, last.value, last.contributions);
            }
            value_option(&points, activities).to_string()
        }
        _ => performance_option(perf, view).to_json(),
    };
    PerformanceChart { range: perf.range, view, benchmark: perf.benchmark.clone(), summary, option }
}

/// One day of the Value view.
#[derive(Clone, Debug, PartialEq)]
pub struct ValuePoint {
    pub date: NaiveDate,
    pub value: Decimal,
    pub contributions: Decimal,
}

/// The range's closes, ending at today's live value: today's point replaces a
/// close of today or follows the last close. Without a live value (a held symbol
/// has no price) the series ends at the last close. The days before any money
/// came in (the whole history's zero base) are left out: a dollar axis would
/// otherwise start with a jump from nothing.
pub fn value_points(perf: &Performance, now: &Now) -> Vec<ValuePoint> {
    let mut points: Vec<ValuePoint> = perf
        .points
        .iter()
        .skip_while(|p| p.total_value.is_zero() && p.net_contributions.is_zero())
        .map(|p| ValuePoint { date: p.date, value: p.total_value, contributions: p.net_contributions })
        .collect();
    let live = now.total_value.map(|value| ValuePoint { date: now.date, value, contributions: now.net_contributions });
    match (points.last_mut(), live) {
        (Some(last), Some(live)) if last.date == live.date => *last = live,
        (Some(last), Some(live)) if last.date < live.date => points.push(live),
        _ => {}
    }
    points
}

pub fn allocation_chart(allocation: Allocation) -> AllocationChart {
    AllocationChart { allocation }
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

/// Formatter names that `scripts/echarts-entry.mjs` turns into functions in the
/// browser (JSON cannot carry them): money with separators, true minus signs,
/// days in the reader's locale.
mod formatter {
    pub const MONEY_AXIS: &str = "folio:money-axis";
    pub const PERCENT_AXIS: &str = "folio:percent-axis";
    pub const DAY_AXIS: &str = "folio:day-axis";
    pub const MONTH_AXIS: &str = "folio:month-axis";
    pub const MONEY_TOOLTIP: &str = "folio:money-tooltip";
    pub const PERCENT_TOOLTIP: &str = "folio:percent-tooltip";
}

/// The frame every performance view shares: dates on a category axis (labelled
/// by day, or by month past a year), a value axis in `unit` and an axis tooltip.
/// No zoom slider: the range switch picks the period, and ECharts' zoom component
/// cost 8 KB of the dashboard's 500 KB first-load budget.
fn frame(days: &[NaiveDate], money: bool) -> Chart {
    let dates: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    let long = days.first().zip(days.last()).is_some_and(|(a, b)| (*b - *a).num_days() > 400);
    let (axis, tooltip) = if money {
        (formatter::MONEY_AXIS, formatter::MONEY_TOOLTIP)
    } else {
        (formatter::PERCENT_AXIS, formatter::PERCENT_TOOLTIP)
    };
    Chart::new()
        .grid(Grid::new().left(56).right(16).top(12).bottom(28))
        .tooltip(Tooltip::new().trigger(Trigger::Axis).formatter(tooltip))
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .boundary_gap(false)
                .data(dates)
                .axis_label(axis_label().formatter(if long { formatter::MONTH_AXIS } else { formatter::DAY_AXIS })),
        )
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .scale(money)
                .axis_label(axis_label().formatter(axis))
                .split_line(SplitLine::new().line_style(LineStyle::new().color(GRID_LINE))),
        )
}

/// A line of the chart: the portfolio's strong, the others thin and dashed.
fn line(name: &str, strong: bool) -> Line {
    let style =
        if strong { LineStyle::new().width(2.5) } else { LineStyle::new().width(1.5).type_(LineStyleType::Dashed) };
    Line::new().name(name).show_symbol(false).line_style(style)
}

/// The ECharts option of the Return or Drawdown view: percentages rounded to
/// hundredths.
pub fn performance_option(perf: &Performance, view: ChartView) -> Chart {
    // The palette colours the lines and tooltip dots; the page's legend (HTML, not
    // ECharts', which would add its component to the download) uses the same.
    let (series, colours): (Vec<Line>, Vec<&str>) = match view {
        ChartView::Drawdown => (
            vec![
                line("Drawdown", true)
                    .area_style(AreaStyle::new().color("rgba(225,29,72,0.15)"))
                    .data(perf.points.iter().map(|p| two_places(p.drawdown)).collect()),
            ],
            vec![DRAWDOWN_COLOUR],
        ),
        _ => (
            vec![
                line("Portfolio", true).data(perf.points.iter().map(|p| two_places(p.cumulative_twr)).collect()),
                line(&perf.benchmark, false)
                    .data(perf.points.iter().map(|p| p.benchmark_cumulative.map(two_places)).collect()),
            ],
            vec![PORTFOLIO_COLOUR, BENCHMARK_COLOUR],
        ),
    };
    let days: Vec<NaiveDate> = perf.points.iter().map(|p| p.date).collect();
    let mut chart = frame(&days, false).color(colours.into_iter().map(Color::from).collect());
    for s in series {
        chart = chart.series(s);
    }
    chart
}

/// The Value view: total value and net contributions in dollars (the gap between
/// them is the gain), with each buy and sell marked on the value line. Marker
/// points carry the trades in words (`note`), which the tooltip shows.
pub fn value_option(points: &[ValuePoint], activities: &[Activity]) -> serde_json::Value {
    let money = |d: Decimal| two_places(d.to_f64().unwrap_or(0.0));
    let days: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
    let chart = frame(&days, true)
        .color([PORTFOLIO_COLOUR, CONTRIBUTIONS_COLOUR].into_iter().map(Color::from).collect())
        .series(
            line("Total value", true)
                .area_style(AreaStyle::new().color("rgba(5,150,105,0.12)"))
                .data(points.iter().map(|p| money(p.value)).collect()),
        )
        .series(
            line("Net contributions", false)
                .step(Step::End)
                .data(points.iter().map(|p| money(p.contributions)).collect()),
        );
    let mut option = serde_json::to_value(&chart).unwrap_or_default();
    let values: Vec<Decimal> = points.iter().map(|p| p.value).collect();
    let extra = [
        markers(&days, &values, activities, ActivityKind::Buy),
        markers(&days, &values, activities, ActivityKind::Sell),
    ];
    push_series(&mut option, extra);
    option
}

/// A symbol's daily closes in dollars over the held period, with the person's
/// buys and sells marked on the price line (the symbol page).
pub fn price_option(symbol: &str, closes: &[(NaiveDate, Decimal)], activities: &[Activity]) -> serde_json::Value {
    let money = |d: Decimal| two_places(d.to_f64().unwrap_or(0.0));
    let days: Vec<NaiveDate> = closes.iter().map(|(day, _)| *day).collect();
    let chart = frame(&days, true)
        .color(vec![Color::from(PORTFOLIO_COLOUR)])
        .series(line(symbol, true).data(closes.iter().map(|(_, close)| money(*close)).collect()));
    let mut option = serde_json::to_value(&chart).unwrap_or_default();
    let values: Vec<Decimal> = closes.iter().map(|(_, close)| *close).collect();
    let extra = [
        markers(&days, &values, activities, ActivityKind::Buy),
        markers(&days, &values, activities, ActivityKind::Sell),
    ];
    push_series(&mut option, extra);
    option
}

/// A series of trade markers of `kind` drawn at `values` (one per day): a
/// triangle up for a buy, down for a sell, each carrying its trades in words.
fn markers(days: &[NaiveDate], values: &[Decimal], activities: &[Activity], kind: ActivityKind) -> serde_json::Value {
    let (name, colour, rotate) = match kind {
        ActivityKind::Sell => ("Sell", SELL_COLOUR, 180),
        _ => ("Buy", BUY_COLOUR, 0),
    };
    let data: Vec<serde_json::Value> = trades_by_day(days, activities, kind)
        .into_iter()
        .zip(values)
        .map(|(trades, value)| match trades {
            Some(note) => serde_json::json!({ "value": two_places(value.to_f64().unwrap_or(0.0)), "note": note }),
            None => serde_json::Value::Null,
        })
        .collect();
    serde_json::json!({
        "type": "line", "name": name, "data": data, "symbol": "triangle", "symbolSize": 11,
        "symbolRotate": rotate, "showSymbol": true, "itemStyle": { "color": colour },
        "lineStyle": { "width": 0, "opacity": 0 }, "emphasis": { "disabled": true }, "z": 5,
    })
}

/// Appends `extra` to the option's series (charming writes one series as an
/// object, several as an array).
fn push_series(option: &mut serde_json::Value, extra: [serde_json::Value; 2]) {
    match option.get_mut("series") {
        Some(serde_json::Value::Array(series)) => series.extend(extra),
        Some(one) => {
            let first = one.take();
            *one = serde_json::Value::Array([first].into_iter().chain(extra).collect());
        }
        None => option["series"] = serde_json::Value::Array(extra.to_vec()),
    }
}

/// For each point, the trades of `kind` it stands for, in words: those dated on
/// it, or after the point before it (a weekend's trade shows on the Monday).
/// Trades before the first point or after the last are outside the chart.
fn trades_by_day(days: &[NaiveDate], activities: &[Activity], kind: ActivityKind) -> Vec<Option<String>> {
    let mut previous: Option<NaiveDate> = None;
    days.iter()
        .map(|&day| {
            let after = previous.replace(day);
            let words: Vec<String> = activities
                .iter()
                .filter(|a| a.kind == kind && a.date <= day && after.is_none_or(|p| a.date > p))
                .filter(|a| after.is_some() || a.date == day)
                .map(Activity::what)
                .collect();
            (!words.is_empty()).then(|| words.join("; "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PerformancePoint;
    use crate::model::Range;
    use std::str::FromStr;

    fn perf() -> Performance {
        let point = |day, twr: f64, bench: Option<f64>, dd: f64| PerformancePoint {
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            total_value: Decimal::ONE,
            cash: Decimal::ZERO,
            invested: Decimal::ONE,
            net_contributions: Decimal::ONE,
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
        assert!(option.get("dataZoom").is_none(), "the range switch zooms, not a slider");
        assert_eq!(option["color"], serde_json::json!([PORTFOLIO_COLOUR, BENCHMARK_COLOUR]));
        assert_eq!(one(&option["tooltip"])["formatter"], "folio:percent-tooltip");
        assert_eq!(series[1]["lineStyle"]["type"], "dashed", "the benchmark is drawn thinner than the portfolio");
    }

    #[test]
    fn a_range_with_one_day_has_no_summary_but_still_valid_options() {
        let mut one_day = perf();
        one_day.points.truncate(1);
        let chart = performance_chart(&one_day, ChartView::Return, &[], &no_live_value());
        assert_eq!(chart.summary, None);
        let option: serde_json::Value = serde_json::from_str(&chart.option).unwrap();
        assert_eq!(series(&option)[0]["data"], serde_json::json!([0.0]));
        let full = performance_chart(&perf(), ChartView::Drawdown, &[], &no_live_value());
        assert_eq!((full.view, full.summary.unwrap().days), (ChartView::Drawdown, 3));
        assert!(full.option.contains("\"Drawdown\""));
    }

    fn no_live_value() -> Now {
        Now { date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(), total_value: None, net_contributions: Decimal::ONE }
    }

    fn trade(id: i64, kind: ActivityKind, day: u32, symbol: &str) -> Activity {
        Activity {
            symbol: Some(crate::model::Symbol::parse(symbol).unwrap()),
            quantity: Some(Decimal::from(10)),
            price: Some(Decimal::from_str("189.5").unwrap()),
            ..Activity::new(id, kind, NaiveDate::from_ymd_opt(2026, 3, day).unwrap())
        }
    }

    #[test]
    fn the_value_view_draws_money_ending_at_the_live_value_with_trades_marked() {
        let mut perf = perf();
        for (point, (value, put_in)) in perf.points.iter_mut().zip([(1000, 1000), (1010, 1000), (1520, 1500)]) {
            (point.total_value, point.net_contributions) = (Decimal::from(value), Decimal::from(put_in));
        }
        let now = Now {
            date: NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
            total_value: Some(Decimal::from_str("1534.567").unwrap()),
            net_contributions: Decimal::from(1500),
        };
        // A buy on the base day, one after the last close (shown on the next
        // point, today's) and a sell before the range (not shown).
        let ledger = [
            trade(1, ActivityKind::Sell, 1, "KO"),
            trade(2, ActivityKind::Buy, 2, "AAPL"),
            trade(3, ActivityKind::Buy, 5, "MSFT"),
            trade(4, ActivityKind::Sell, 4, "AAPL"),
        ];
        let chart = performance_chart(&perf, ChartView::Value, &ledger, &now);
        let option: serde_json::Value = serde_json::from_str(&chart.option).unwrap();
        assert_eq!(
            one(&option["xAxis"])["data"],
            serde_json::json!(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06"]),
            "today's live value follows the last close"
        );
        let series = series(&option);
        let names: Vec<_> = series.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Total value", "Net contributions", "Buy", "Sell"]);
        assert_eq!(series[0]["data"], serde_json::json!([1000.0, 1010.0, 1520.0, 1534.57]));
        assert_eq!(series[1]["data"], serde_json::json!([1000.0, 1000.0, 1500.0, 1500.0]));
        assert_eq!(series[1]["step"], "end");
        assert_eq!(series[2]["data"][0], serde_json::json!({"value": 1000.0, "note": "Buy 10 AAPL at $189.50"}));
        assert_eq!(series[2]["data"][1], serde_json::Value::Null);
        assert_eq!(series[2]["data"][2], serde_json::Value::Null);
        assert_eq!(series[2]["data"][3], serde_json::json!({"value": 1534.57, "note": "Buy 10 MSFT at $189.50"}));
        assert_eq!(series[3]["data"][0], serde_json::Value::Null, "a sell before the range is not drawn");
        assert_eq!(series[3]["data"][2]["note"], "Sell 10 AAPL at $189.50");
        assert_eq!(series[3]["symbolRotate"], 180);
        assert_eq!(one(&option["tooltip"])["formatter"], "folio:money-tooltip");
        assert_eq!(one(&option["yAxis"])["axisLabel"]["formatter"], "folio:money-axis");
        let summary = chart.summary.unwrap();
        assert_eq!((summary.to, summary.total_value), (now.date, Decimal::from_str("1534.567").unwrap()));
        // Without a live value the series ends at the last close; a live value
        // of the last close's day replaces it.
        let unpriced = Now { total_value: None, ..now };
        assert_eq!(value_points(&perf, &unpriced).len(), 3);
        let same_day =
            Now { date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(), total_value: Some(Decimal::ONE), ..unpriced };
        let points = value_points(&perf, &same_day);
        assert_eq!((points.len(), points[2].value), (3, Decimal::ONE));
        // The zero base before the first deposit is not drawn in dollars.
        (perf.points[0].total_value, perf.points[0].net_contributions) = (Decimal::ZERO, Decimal::ZERO);
        assert_eq!(value_points(&perf, &unpriced).first().map(|p| p.date), Some(perf.points[1].date));
    }

    #[test]
    fn the_drawdown_view_is_one_series_at_or_below_zero() {
        let option = json(&performance_option(&perf(), ChartView::Drawdown));
        let series = series(&option);
        assert_eq!(series.len(), 1);
        assert_eq!(series[0]["name"], "Drawdown");
        assert_eq!(series[0]["data"], serde_json::json!([0.0, 0.0, -1.72]));
    }
}
