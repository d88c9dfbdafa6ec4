//! The price-source badge: it always says where the prices on the page come from
//! and how fresh they are — demo prices, live Finnhub prices with the time of the
//! oldest one, or since when they are stale and why. The server writes times in
//! UTC with the zone shown; in the browser they are rewritten in the reader's own
//! time zone (about the same length, so nothing shifts).

use crate::model::{MarketStatus, Overview, PriceSource, StreamState};
use leptos::prelude::*;

/// `14:32 UTC` for a Unix time (plain arithmetic: chrono's formatter would add
/// its format-string parser to the WASM for this one line).
pub fn clock(unix: i64) -> String {
    let seconds = unix.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", seconds / 3_600, seconds % 3_600 / 60)
}

/// The badge's text and colour classes.
pub fn badge(overview: &Overview, status: Option<&MarketStatus>) -> (String, &'static str) {
    const AMBER: &str = "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200";
    const GREEN: &str = "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200";
    const RED: &str = "bg-rose-100 text-rose-900 dark:bg-rose-900/40 dark:text-rose-200";
    let updated = overview.as_of.map(|t| format!(" · updated {}", clock(t))).unwrap_or_default();
    if overview.price_source == PriceSource::Demo {
        return (format!("Demo prices — simulated, not market data{updated}"), AMBER);
    }
    let problem = status.and_then(|s| s.problem.as_ref());
    if let Some(p) = problem.filter(|p| p.code == "market_data_key_rejected") {
        return (format!("Finnhub rejected the API key (since {})", clock(p.since)), RED);
    }
    if !overview.stale_symbols.is_empty() {
        // Past their TTL with Finnhub answering: the refresh is on its way (it may
        // wait its turn in the rate budget). Saying "unavailable" would be untrue.
        let Some(p) = problem else {
            return (format!("Refreshing · Finnhub{updated}"), AMBER);
        };
        return (format!("Stale since {} — {}", clock(p.since), p.message.trim_end_matches('.')), RED);
    }
    let stream = status.and_then(|s| s.stream.as_ref()).map(|s| s.state);
    match stream {
        // Still live over REST (the refresher), but say why prices move only every minute.
        Some(StreamState::Rejected) => {
            (format!("Live · Finnhub{updated} · trade stream refused the key, polling"), AMBER)
        }
        Some(StreamState::Down | StreamState::Connecting) => {
            (format!("Live · Finnhub{updated} · trade stream reconnecting, polling"), GREEN)
        }
        _ => (format!("Live · Finnhub{updated}"), GREEN),
    }
}

#[component]
pub fn PriceBadge(overview: Overview, status: Option<MarketStatus>) -> impl IntoView {
    let (text, colours) = badge(&overview, status.as_ref());
    // The times in the text, for `scripts/echarts-entry.mjs` to rewrite in the
    // reader's time zone (the dashboard loads that script anyway, so this costs the
    // WASM nothing).
    let times: Vec<String> = overview
        .as_of
        .into_iter()
        .chain(status.as_ref().and_then(|s| s.problem.as_ref()).map(|p| p.since))
        .map(|t| t.to_string())
        .collect();
    view! {
        <p data-utc-times=times.join(",") class=format!("mt-2 inline-flex items-center rounded-full px-3 py-1 text-xs font-medium {colours}")>{text}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MarketProblem, Range};
    use rust_decimal::Decimal;

    fn overview(source: PriceSource, stale: &[&str]) -> Overview {
        Overview {
            range: Range::All,
            total_value: None,
            cash: Decimal::ZERO,
            invested: Decimal::ZERO,
            market_value: None,
            unrealized_pnl: None,
            realized_pnl: Decimal::ZERO,
            dividends: Decimal::ZERO,
            fees: Decimal::ZERO,
            net_contributions: Decimal::ZERO,
            total_return: None,
            total_return_percent: None,
            day_change: None,
            day_change_percent: None,
            range_dividends: Decimal::ZERO,
            stats: Default::default(),
            history_days: 0,
            short_history: false,
            max_drawdown: None,
            max_drawdown_peak: None,
            max_drawdown_trough: None,
            max_drawdown_recovery: None,
            win_rate: None,
            total_trades: 0,
            winning_trades: 0,
            losing_trades: 0,
            all_trades: 0,
            as_of: Some(1_764_081_120), // 2025-11-25 14:32 UTC
            price_source: source,
            stale_symbols: stale.iter().map(|s| s.to_string()).collect(),
            notes: Default::default(),
        }
    }

    fn status(code: &str) -> MarketStatus {
        MarketStatus {
            source: PriceSource::Finnhub,
            last_success_at: None,
            problem: Some(MarketProblem {
                code: code.into(),
                message: "Finnhub answered 500.".into(),
                since: 1_764_079_500,
            }),
            stream: None,
        }
    }

    #[test]
    fn the_badge_tells_where_prices_come_from_and_how_fresh_they_are() {
        assert_eq!(
            badge(&overview(PriceSource::Demo, &[]), None).0,
            "Demo prices — simulated, not market data · updated 14:32 UTC"
        );
        assert_eq!(badge(&overview(PriceSource::Finnhub, &[]), None).0, "Live · Finnhub · updated 14:32 UTC");
        assert_eq!(
            badge(&overview(PriceSource::Finnhub, &["AAPL"]), Some(&status("market_data_unavailable"))).0,
            "Stale since 14:05 UTC — Finnhub answered 500"
        );
        // Stale with no problem recorded: the quotes are past their TTL and being
        // refreshed; nothing says Finnhub failed.
        let (text, colours) = badge(&overview(PriceSource::Finnhub, &["AAPL"]), None);
        assert_eq!(text, "Refreshing · Finnhub · updated 14:32 UTC");
        assert!(colours.contains("amber"));
        assert_eq!(
            badge(&overview(PriceSource::Finnhub, &[]), Some(&status("market_data_key_rejected"))).0,
            "Finnhub rejected the API key (since 14:05 UTC)"
        );
    }

    #[test]
    fn the_badge_says_when_prices_are_polled_because_the_trade_stream_is_not_there() {
        let with_stream = |state| MarketStatus {
            source: PriceSource::Finnhub,
            last_success_at: None,
            problem: None,
            stream: Some(crate::model::StreamStatus { state, symbols: 1, last_message_at: None, reason: None }),
        };
        let fresh = overview(PriceSource::Finnhub, &[]);
        assert_eq!(badge(&fresh, Some(&with_stream(StreamState::Connected))).0, "Live · Finnhub · updated 14:32 UTC");
        assert_eq!(
            badge(&fresh, Some(&with_stream(StreamState::Down))).0,
            "Live · Finnhub · updated 14:32 UTC · trade stream reconnecting, polling"
        );
        let (text, colours) = badge(&fresh, Some(&with_stream(StreamState::Rejected)));
        assert_eq!(text, "Live · Finnhub · updated 14:32 UTC · trade stream refused the key, polling");
        assert!(colours.contains("amber"));
    }
}
