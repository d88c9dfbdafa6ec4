//! The overview cards: one figure each, with a sign and colour for gains and
//! losses, and "—" with the reason (on hover and focus) when there is no figure.

use crate::model::{Field, Overview, Stat, Unit, format_money, format_signed_money, format_signed_percent};
use leptos::prelude::*;
use rust_decimal::Decimal;

#[derive(Clone, Copy, PartialEq)]
enum Tone {
    Plain,
    Gain,
    Loss,
}

fn tone_of(value: f64) -> Tone {
    if value > 0.0 {
        Tone::Gain
    } else if value < 0.0 {
        Tone::Loss
    } else {
        Tone::Plain
    }
}

fn tone_of_decimal(value: Decimal) -> Tone {
    tone_of(if value.is_sign_negative() && !value.is_zero() {
        -1.0
    } else if value.is_zero() {
        0.0
    } else {
        1.0
    })
}

/// One card: a label, the figure (or "—" and why), and an optional detail line
/// (an empty one is left out).
#[component]
fn Card(
    label: &'static str,
    value: Option<String>,
    why: String,
    #[prop(optional)] detail: Option<String>,
    #[prop(optional)] tone: Option<Tone>,
) -> impl IntoView {
    let color = match tone.unwrap_or(Tone::Plain) {
        Tone::Gain => "text-emerald-700 dark:text-emerald-400",
        Tone::Loss => "text-rose-700 dark:text-rose-400",
        Tone::Plain => "",
    };
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
            {match value {
                Some(value) => view! { <dd class=format!("mt-1 text-xl font-semibold tabular-nums {color}")>{value}</dd> }.into_any(),
                None => view! {
                    <dd class="mt-1 text-xl font-semibold text-slate-500 dark:text-slate-400" title=why.clone() tabindex="0" aria-label=format!("{label}: not available, {why}")>
                        "—"
                    </dd>
                }.into_any(),
            }}
            {detail.filter(|d| !d.is_empty()).map(|d| view! { <dd class="mt-1 text-xs text-slate-500 dark:text-slate-400">{d}</dd> })}
        </div>
    }
}

#[component]
pub fn OverviewCards(overview: Overview) -> impl IntoView {
    let o = overview;
    // The statistics' cards, in the order `model::figures` lists them.
    let stat_cards: Vec<_> = Stat::ALL
        .iter()
        .filter_map(|stat| Some((*stat, stat.card()?)))
        .map(|(stat, card)| {
            let value = *o.stats.get(stat);
            let text = value.map(|v| match (stat.unit(), card.signed) {
                (Unit::Percent, true) => format_signed_percent(v),
                (Unit::Percent, false) => format!("{:.2} %", v * 100.0),
                (Unit::Ratio, _) => format!("{v:.2}"),
            });
            let tone = if card.signed { value.map(tone_of).unwrap_or(Tone::Plain) } else { Tone::Plain };
            let detail = match (stat.annualised() && o.short_history && value.is_some(), card.detail) {
                (true, "") => format!("based on {} days", o.history_days),
                (true, detail) => format!("{detail} · based on {} days", o.history_days),
                (false, detail) => detail.to_string(),
            };
            view! { <Card label=card.label value=text why=o.why(stat) tone=tone detail=detail /> }
        })
        .collect();
    let total_return_detail = o.total_return_percent.map(|p| {
        format!("{} of net contributions", format_signed_percent((p / Decimal::ONE_HUNDRED).try_into().unwrap_or(0.0)))
    });
    let drawdown_detail = o.max_drawdown_peak.zip(o.max_drawdown_trough).map(|(p, t)| match o.max_drawdown_recovery {
        Some(r) => format!("{p} → {t}, recovered {r}"),
        None => format!("{p} → {t}, not recovered"),
    });
    view! {
        <dl class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
            <Card label="Total value" value=o.total_value.map(format_money) why=o.why(Field::TotalValue) />
            <Card label="Cash" value=Some(format_money(o.cash)) why=String::new() />
            <Card label="Invested" value=Some(format_money(o.invested)) why=String::new() detail="Cost basis of open positions".to_string() />
            <Card label="Market value" value=o.market_value.map(format_money) why=o.why(Field::MarketValue) />
            <Card label="Unrealized P&L" value=o.unrealized_pnl.map(format_signed_money) why=o.why(Field::UnrealizedPnl) tone=o.unrealized_pnl.map(tone_of_decimal).unwrap_or(Tone::Plain) />
            <Card label="Realized P&L" value=Some(format_signed_money(o.realized_pnl)) why=String::new() tone=tone_of_decimal(o.realized_pnl) />
            <Card label="Total return" value=o.total_return.map(format_signed_money) why=o.why(Field::TotalReturn) tone=o.total_return.map(tone_of_decimal).unwrap_or(Tone::Plain) detail=total_return_detail.unwrap_or_default() />
            {stat_cards}
            <Card label="Max drawdown" value=o.max_drawdown.map(|v| format!("{:.2} %", v * 100.0)) why=o.why(Field::MaxDrawdown) detail=drawdown_detail.unwrap_or_default() />
            <Card label="Win rate" value=o.win_rate.map(|w| format!("{:.2} %", w.round_dp(2))) why=o.why(Field::WinRate) detail=format!("{} won · {} lost · {} closed of {} trades", o.winning_trades, o.losing_trades, o.total_trades, o.all_trades) />
        </dl>
    }
}
