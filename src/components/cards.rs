//! The overview's figures: the headline (total value, today, since the start),
//! then groups of cards, each group saying what time it covers. A figure without
//! a value is "—" with its reason written under it, readable on a touch screen
//! (no hover needed) and by screen readers.

use super::live::portfolio_text;
use crate::model::LivePortfolio;
use crate::model::{
    Field, Overview, Stat, StatGroup, Unit, format_money, format_percent_points, format_signed_money,
    format_signed_percent,
};
use leptos::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Tone {
    Plain,
    Gain,
    Loss,
}

impl Tone {
    pub(super) fn of(value: f64) -> Tone {
        if value > 0.0 {
            Tone::Gain
        } else if value < 0.0 {
            Tone::Loss
        } else {
            Tone::Plain
        }
    }

    pub(super) fn of_decimal(value: Decimal) -> Tone {
        Tone::of(value.to_f64().unwrap_or(0.0))
    }

    pub(super) fn classes(self) -> &'static str {
        match self {
            Tone::Gain => "text-emerald-700 dark:text-emerald-400",
            Tone::Loss => "text-rose-700 dark:text-rose-400",
            Tone::Plain => "",
        }
    }
}

/// A percentage given in percent (12.5), signed.
pub(super) fn signed_points(percent: Decimal) -> String {
    format_percent_points(percent.to_f64().unwrap_or(0.0))
}

/// One card: a label, the figure (or "—" and why), and an optional detail line
/// (an empty one is left out).
/// `live`: where the stream has this figure (it then follows prices).
#[component]
fn Card(
    label: &'static str,
    value: Option<String>,
    why: String,
    #[prop(optional)] detail: Option<String>,
    #[prop(optional)] tone: Option<Tone>,
    #[prop(optional)] live: Option<fn(&LivePortfolio) -> Option<String>>,
) -> impl IntoView {
    let color = tone.unwrap_or(Tone::Plain).classes();
    let signed = tone.is_some();
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-3 shadow-sm sm:p-4 dark:border-slate-800 dark:bg-slate-900">
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
            {match value {
                Some(value) => {
                    let value = match live {
                        Some(pick) => portfolio_text(value, signed, pick),
                        None => value.into_any(),
                    };
                    view! { <dd class=format!("mt-1 text-lg font-semibold tabular-nums sm:text-xl {color}")>{value}</dd> }.into_any()
                }
                None => view! {
                    <dd class="mt-1 text-lg font-semibold text-slate-500 sm:text-xl dark:text-slate-400" title=why.clone() aria-label=format!("{label}: not available, {why}")>
                        "—"
                    </dd>
                    <dd class="mt-1 text-xs text-slate-500 dark:text-slate-400" aria-hidden="true">{why.clone()}</dd>
                }.into_any(),
            }}
            {detail.filter(|d| !d.is_empty()).map(|d| view! { <dd class="mt-1 text-xs text-slate-500 dark:text-slate-400">{d}</dd> })}
        </div>
    }
}

/// A titled group of cards.
#[component]
fn Group(title: &'static str, id: &'static str, children: Children) -> impl IntoView {
    view! {
        <div aria-labelledby=id>
            <h3 id=id class="mb-2 text-sm font-semibold text-slate-700 dark:text-slate-300">{title}</h3>
            <dl class="grid grid-cols-2 gap-2 sm:grid-cols-3 sm:gap-3 lg:grid-cols-5">{children()}</dl>
        </div>
    }
}

/// A signed amount with its percentage beside it: `+$12.00 (+1.20 %)`.
fn signed_with_points(amount: Option<Decimal>, percent: Option<Decimal>) -> Option<String> {
    amount.map(|amount| match percent {
        Some(p) => format!("{} ({})", format_signed_money(amount), signed_points(p)),
        None => format_signed_money(amount),
    })
}

/// The first thing on the page: what it is worth, how today went, and how it has
/// done since the first deposit.
#[component]
pub fn Headline(overview: Overview) -> impl IntoView {
    let o = overview;
    let today = signed_with_points(o.day_change, o.day_change_percent);
    let total = signed_with_points(o.total_return, o.total_return_percent);
    let big = "mt-1 text-3xl font-semibold tracking-tight tabular-nums sm:text-4xl";
    let mid = "mt-1 text-xl font-semibold tabular-nums sm:text-2xl";
    let missing = "mt-1 text-xs font-normal text-slate-500 dark:text-slate-400";
    let label = "text-sm font-medium text-slate-500 dark:text-slate-400";
    let figure = move |name: &'static str,
                       class: &'static str,
                       text: Option<String>,
                       tone: Tone,
                       why: String,
                       live: fn(&LivePortfolio) -> Option<String>| {
        let color = tone.classes();
        // The total is never coloured; today and the total return by their sign.
        let signed = name != "Total value";
        view! {
            <div>
                <dt class=label>{name}</dt>
                {match text {
                    Some(text) => view! { <dd class=format!("{class} {color}")>{portfolio_text(text, signed, live)}</dd> }.into_any(),
                    None => view! {
                        <dd class=format!("{class} text-slate-500") aria-label=format!("{name}: not available, {why}")>"—"</dd>
                        <dd class=missing aria-hidden="true">{why}</dd>
                    }.into_any(),
                }}
            </div>
        }
    };
    view! {
        <div class="mt-4 rounded-2xl border border-slate-200 bg-white px-5 py-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <dl class="flex flex-wrap items-end gap-x-10 gap-y-4">
                {figure("Total value", big, o.total_value.map(format_money), Tone::Plain, o.why(Field::TotalValue), |p| p.total_value.map(format_money))}
                {figure("Today", mid, today, o.day_change.map(Tone::of_decimal).unwrap_or(Tone::Plain), o.why(Field::DayChange), |p| signed_with_points(p.day_change, p.day_change_percent))}
                {figure("Total return", mid, total, o.total_return.map(Tone::of_decimal).unwrap_or(Tone::Plain), o.why(Field::TotalReturn), |p| signed_with_points(p.total_return, p.total_return_percent))}
            </dl>
            <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">
                {format!("Total return is since your first deposit: total value − net contributions ({}).", format_money(o.net_contributions))}
                " Today is the move of your positions since the previous close."
            </p>
        </div>
    }
}

/// What the person holds now, and what it has earned so far (all-time).
#[component]
pub fn HoldingsCards(overview: Overview) -> impl IntoView {
    let o = overview;
    view! {
        <Group title="Holdings · now" id="holdings-heading">
            <Card label="Cash" value=Some(format_money(o.cash)) why=String::new() />
            <Card label="Invested" value=Some(format_money(o.invested)) why=String::new() detail="Cost basis of open positions".to_string() />
            <Card label="Market value" value=o.market_value.map(format_money) why=o.why(Field::MarketValue) live=|p| p.market_value.map(format_money) />
            <Card label="Unrealized P&L" value=o.unrealized_pnl.map(format_signed_money) why=o.why(Field::UnrealizedPnl) tone=o.unrealized_pnl.map(Tone::of_decimal).unwrap_or(Tone::Plain) live=|p| p.unrealized_pnl.map(format_signed_money) />
            <Card label="Realized P&L" value=Some(format_signed_money(o.realized_pnl)) why=String::new() tone=Tone::of_decimal(o.realized_pnl) detail="From closed lots, all-time".to_string() />
        </Group>
    }
}

/// The figures that follow the range: returns, income and risk.
#[component]
pub fn RangeCards(overview: Overview) -> impl IntoView {
    let o = overview;
    let cards_of = |group: StatGroup| {
        Stat::ALL.iter().filter_map(|stat| Some((*stat, stat.card()?))).filter(move |(_, card)| card.group == group)
    };
    let stat_card = |(stat, card): (Stat, crate::model::StatCard)| {
        let value = *o.stats.get(stat);
        let text = value.map(|v| match (stat.unit(), card.signed) {
            (Unit::Percent, true) => format_signed_percent(v),
            (Unit::Percent, false) => format!("{:.2} %", v * 100.0),
            (Unit::Ratio, _) => format!("{v:.2}"),
        });
        let tone = if card.signed { value.map(Tone::of).unwrap_or(Tone::Plain) } else { Tone::Plain };
        let detail = match (stat.annualised() && o.short_history && value.is_some(), card.detail) {
            (true, "") => format!("based on {} days", o.history_days),
            (true, detail) => format!("{detail} · based on {} days", o.history_days),
            (false, detail) => detail.to_string(),
        };
        view! { <Card label=card.label value=text why=o.why(stat) tone=tone detail=detail /> }
    };
    let returns: Vec<_> = cards_of(StatGroup::Returns).map(stat_card).collect();
    let risk: Vec<_> = cards_of(StatGroup::Risk).map(stat_card).collect();
    let drawdown_detail = o.max_drawdown_peak.zip(o.max_drawdown_trough).map(|(p, t)| match o.max_drawdown_recovery {
        Some(r) => format!("{p} → {t}, recovered {r}"),
        None => format!("{p} → {t}, not recovered"),
    });
    view! {
        <Group title="Returns and income" id="returns-heading">
            {returns}
            <Card label="Dividends" value=Some(format_money(o.range_dividends)) why=String::new() detail=format!("{} all-time", format_money(o.dividends)) />
        </Group>
        <Group title="Risk" id="risk-heading">
            {risk}
            <Card label="Max drawdown" value=o.max_drawdown.map(|v| format!("{:.2} %", v * 100.0)) why=o.why(Field::MaxDrawdown) detail=drawdown_detail.unwrap_or_default() />
        </Group>
    }
}

/// How the trades went (all-time).
#[component]
pub fn TradingCards(overview: Overview) -> impl IntoView {
    let o = overview;
    view! {
        <Group title="Trading · all-time" id="trading-heading">
            <Card label="Win rate" value=o.win_rate.map(|w| format!("{:.2} %", w.round_dp(2))) why=o.why(Field::WinRate) detail=format!("{} won · {} lost of {} closed", o.winning_trades, o.losing_trades, o.total_trades) />
            <Card label="Trades" value=Some(o.all_trades.to_string()) why=String::new() detail=format!("Buys and sells; {} closed (sells)", o.total_trades) />
            <Card label="Fees" value=Some(format_money(o.fees)) why=String::new() />
        </Group>
    }
}
