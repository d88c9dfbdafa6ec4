//! The events of `/api/stream`, from a quote and from a valuation (pure).

use crate::model::{LivePortfolio, LivePosition, LiveQuote, Quote};
use crate::server::portfolio::engine::valuation::Valuation;

pub fn quote_event(quote: &Quote) -> LiveQuote {
    LiveQuote {
        symbol: quote.symbol.to_string(),
        price: quote.price,
        change: quote.change,
        change_percent: quote.change_percent,
        // The trade's second; REST quotes have no finer time.
        time: quote.as_of.saturating_mul(1000),
        source: quote.source,
    }
}

/// The figures of a valuation that move with prices, named as on the page.
pub fn portfolio_event(valuation: &Valuation) -> LivePortfolio {
    LivePortfolio {
        total_value: valuation.total_value,
        market_value: valuation.market_value,
        unrealized_pnl: valuation.unrealized,
        total_return: valuation.total_return,
        total_return_percent: valuation.total_return_percent,
        day_change: valuation.day_change,
        day_change_percent: valuation.day_change_percent,
        positions: valuation
            .positions
            .iter()
            .map(|p| LivePosition {
                symbol: p.symbol.to_string(),
                current_price: p.quote.as_ref().map(|q| q.price),
                market_value: p.market_value,
                unrealized_pnl: p.unrealized,
                unrealized_pnl_pct: p.unrealized_percent,
                day_change: p.day_change,
                day_change_pct: p.day_change_percent,
                weight: p.weight,
            })
            .collect(),
    }
}
