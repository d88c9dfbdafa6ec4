//! The ledger's entries. Positions, lots, cash and realized P&L are all derived
//! from these; nothing else about a portfolio is typed in.

use super::Symbol;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Deposit,
    Withdrawal,
    Buy,
    Sell,
    Dividend,
    Fee,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Deposit => "deposit",
            ActivityKind::Withdrawal => "withdrawal",
            ActivityKind::Buy => "buy",
            ActivityKind::Sell => "sell",
            ActivityKind::Dividend => "dividend",
            ActivityKind::Fee => "fee",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "deposit" => ActivityKind::Deposit,
            "withdrawal" => ActivityKind::Withdrawal,
            "buy" => ActivityKind::Buy,
            "sell" => ActivityKind::Sell,
            "dividend" => ActivityKind::Dividend,
            "fee" => ActivityKind::Fee,
            _ => return None,
        })
    }

    /// Trades carry a quantity and a price; the other kinds an amount.
    pub fn is_trade(self) -> bool {
        matches!(self, ActivityKind::Buy | ActivityKind::Sell)
    }
}

/// One ledger entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub date: NaiveDate,
    /// Buys, sells and dividends name a symbol.
    pub symbol: Option<Symbol>,
    /// Buys and sells: shares (fractions allowed).
    pub quantity: Option<Decimal>,
    /// Buys and sells: price per share.
    pub price: Option<Decimal>,
    /// Deposits, withdrawals, dividends and fees: the cash amount.
    pub amount: Option<Decimal>,
    /// Commission on a trade (zero when there is none).
    pub fee: Decimal,
    pub note: String,
}

impl Activity {
    /// An entry of `kind` on `date` with no symbol, quantity, price, amount or fee yet.
    pub fn new(id: i64, kind: ActivityKind, date: NaiveDate) -> Self {
        Self {
            id,
            kind,
            date,
            symbol: None,
            quantity: None,
            price: None,
            amount: None,
            fee: Decimal::ZERO,
            note: String::new(),
        }
    }
}
