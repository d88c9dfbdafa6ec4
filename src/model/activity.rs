//! The ledger's entries. Positions, lots, cash and realized P&L are all derived
//! from these; nothing else about a portfolio is typed in.

use super::{Symbol, format_money, format_price};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// What an activity is. The API writes it in lower case and reads it in any case.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Deposit,
    Withdrawal,
    Buy,
    Sell,
    Dividend,
    Fee,
    /// A stock split: every `denominator` shares held become `numerator` shares.
    Split,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 7] = [
        ActivityKind::Deposit,
        ActivityKind::Withdrawal,
        ActivityKind::Buy,
        ActivityKind::Sell,
        ActivityKind::Dividend,
        ActivityKind::Fee,
        ActivityKind::Split,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Deposit => "deposit",
            ActivityKind::Withdrawal => "withdrawal",
            ActivityKind::Buy => "buy",
            ActivityKind::Sell => "sell",
            ActivityKind::Dividend => "dividend",
            ActivityKind::Fee => "fee",
            ActivityKind::Split => "split",
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
            "split" => ActivityKind::Split,
            _ => return None,
        })
    }

    /// Trades carry a quantity and a price; the other kinds an amount.
    pub fn is_trade(self) -> bool {
        matches!(self, ActivityKind::Buy | ActivityKind::Sell)
    }
}

/// By its name, exactly as written (`"buy"`): see `model::variant`.
impl<'de> Deserialize<'de> for ActivityKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expected = "deposit, withdrawal, buy, sell, dividend, fee or split";
        super::variant::by_name(deserializer, &ActivityKind::ALL, ActivityKind::as_str, expected)
    }
}

/// A split's ratio: every `denominator` shares become `numerator` shares (10 and 1
/// for NVDA's 10-for-1 in 2024; 1 and 10 for a 1-for-10 reverse split).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRatio {
    pub numerator: Decimal,
    pub denominator: Decimal,
}

impl std::fmt::Display for SplitRatio {
    /// "10:1", as brokers and Yahoo write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.numerator.normalize(), self.denominator.normalize())
    }
}

/// A split the history source reported for a symbol the person held then, which
/// their ledger lacks: offered, never applied silently.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitSuggestion {
    pub symbol: Symbol,
    #[serde(deserialize_with = "super::wire_date::date")]
    pub date: NaiveDate,
    pub ratio: SplitRatio,
}

impl SplitSuggestion {
    /// "NVDA split 10:1 on 2024-06-10".
    pub fn message(&self) -> String {
        format!("{} split {} on {}", self.symbol, self.ratio, self.date)
    }
}

/// One ledger entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    #[serde(deserialize_with = "super::wire_date::date")]
    pub date: NaiveDate,
    /// Buys, sells and dividends name a symbol.
    pub symbol: Option<Symbol>,
    /// Buys and sells: shares (fractions allowed).
    pub quantity: Option<Decimal>,
    /// Buys and sells: price per share.
    pub price: Option<Decimal>,
    /// Deposits, withdrawals, dividends and fees: the cash amount.
    pub amount: Option<Decimal>,
    /// Splits: the ratio.
    pub ratio: Option<SplitRatio>,
    /// Commission on a trade (zero when there is none).
    pub fee: Decimal,
    pub note: String,
}

impl Activity {
    /// One line for people: "Buy 10 AAPL at $189.50 on 2026-03-02".
    pub fn describe(&self) -> String {
        format!("{} on {}", self.what(), self.date)
    }

    /// What happened, without the date: "Buy 10 AAPL at $189.50".
    pub fn what(&self) -> String {
        let symbol = self.symbol.as_ref().map(|s| s.to_string()).unwrap_or_default();
        let shares = self.quantity.map(|d| d.normalize().to_string()).unwrap_or_default();
        let price = self.price.map(format_price).unwrap_or_default();
        let amount = self.amount.map(format_money).unwrap_or_default();
        match self.kind {
            ActivityKind::Buy => format!("Buy {shares} {symbol} at {price}"),
            ActivityKind::Sell => format!("Sell {shares} {symbol} at {price}"),
            ActivityKind::Deposit => format!("Deposit of {amount}"),
            ActivityKind::Withdrawal => format!("Withdrawal of {amount}"),
            ActivityKind::Dividend => format!("Dividend of {amount} from {symbol}"),
            ActivityKind::Fee => format!("Fee of {amount}"),
            ActivityKind::Split => {
                format!("Split {symbol} {}", self.ratio.map(|r| r.to_string()).unwrap_or_default())
            }
        }
    }

    /// The order a ledger is replayed in: by date, a split before the day's other
    /// entries (it takes effect at that day's open, so a trade that day is at the
    /// new price and in the new shares), then by id (the order of entry).
    pub fn replay_key(&self) -> (NaiveDate, bool, i64) {
        (self.date, self.kind != ActivityKind::Split, self.id)
    }

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
            ratio: None,
            fee: Decimal::ZERO,
            note: String::new(),
        }
    }
}

/// What a refused ledger write means, by its code. Form posts send the code back
/// to the page (never free text in a link), and the page shows this.
pub fn activity_error_message(code: &str) -> &'static str {
    match code {
        "oversell" => "That sells more shares than you held on that date.",
        "overdraw" => "There is not enough cash for that on that date (or a later activity would run out).",
        "invalid_quantity" => "The quantity must be greater than zero.",
        "invalid_price" => "The price must be greater than zero.",
        "invalid_amount" => "The amount must be greater than zero.",
        "invalid_fee" => "A fee cannot be negative.",
        "invalid_ratio" => {
            "A split needs both numbers of its ratio, greater than zero (10 and 1 for a 10-for-1 split)."
        }
        "split_not_held" => "No shares of that symbol were held on that date, so there is nothing to split.",
        "split_too_small" => "That split would leave a lot with less than 0.00000001 shares.",
        "split_too_large" => "That split would give more shares than Folio accepts.",
        "duplicate_split" => {
            "That symbol already has a split within five days of that date: it would be the same split twice."
        }
        "future_date" => "The date is in the future.",
        "invalid_date" => "Enter the date as YYYY-MM-DD.",
        "unknown_symbol" => "The market data does not know that symbol.",
        "invalid_symbol" => "That is not a valid ticker symbol.",
        "missing_field" | "missing_symbol" => "Fill in every field this kind of activity needs.",
        "unexpected_field" => "Leave the fields this kind of activity does not use empty.",
        "invalid_number" => "Numbers take a decimal point; thousands separators and a currency sign are fine.",
        "too_many_decimals" => "Numbers can have at most 8 decimal places.",
        "out_of_range" => "That number is larger than Folio accepts.",
        "invalid_kind" => "Choose what kind of activity this is.",
        "note_too_long" => "A note has at most 500 characters.",
        "invalid_note" => "A note cannot contain control characters.",
        "not_found" => "That activity does not exist (any more).",
        "market_data_unavailable" | "market_data_rate_limited" | "market_data_key_rejected" => {
            "The symbol cannot be checked right now because market data is unavailable. Try again later."
        }
        _ => "Something went wrong. Please try again.",
    }
}

/// One page of the ledger, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub rows: Vec<Activity>,
    /// All activities of the user.
    pub total: usize,
    /// Pass as `before` for the next (older) page.
    pub next: Option<String>,
}

/// A line of an import file, as the review page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewLine {
    /// The file's line (the header is line 1); 0 for the ledger as a whole.
    pub line: usize,
    pub text: String,
}

/// What importing an uploaded file would do (the `/import` page's dry run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportReview {
    pub file_name: String,
    /// The file cannot be read at all (no header, unknown column, ...).
    pub file_error: Option<String>,
    pub rows: usize,
    pub new_count: usize,
    pub duplicate_count: usize,
    pub error_count: usize,
    /// The first 100 of each.
    pub new: Vec<ReviewLine>,
    pub duplicates: Vec<ReviewLine>,
    pub errors: Vec<ReviewLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_by_name() {
        crate::model::variant::assert_names_round_trip(&ActivityKind::ALL, ActivityKind::as_str);
    }
}
