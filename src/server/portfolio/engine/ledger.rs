//! Replaying the ledger: activities in date order become FIFO lots per symbol, a
//! cash balance, and one closed trade per sell, in exact decimal arithmetic.
//!
//! Each activity is checked before it changes anything, so an invalid one leaves
//! the ledger exactly as it was and says which rule it broke.

use crate::model::{Activity, ActivityKind, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, VecDeque};

/// A bought quantity not yet sold. `cost` is the total cost of what remains,
/// including its share of the buy's fee.
#[derive(Clone, Debug, PartialEq)]
pub struct Lot {
    pub activity_id: i64,
    pub opened_at: NaiveDate,
    pub quantity: Decimal,
    pub cost: Decimal,
}

/// One sell, matched against the oldest lots.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedTrade {
    pub activity_id: i64,
    pub symbol: Symbol,
    pub date: NaiveDate,
    pub quantity: Decimal,
    /// quantity × price, before the fee.
    pub proceeds: Decimal,
    pub fee: Decimal,
    /// FIFO cost of the lots consumed.
    pub cost: Decimal,
    /// proceeds − fee − cost.
    pub realized: Decimal,
}

impl ClosedTrade {
    /// realized / cost × 100; none when the cost is zero.
    pub fn realized_percent(&self) -> Option<Decimal> {
        (!self.cost.is_zero()).then(|| self.realized / self.cost * Decimal::ONE_HUNDRED)
    }
}

/// A rule an activity broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LedgerError {
    pub activity_id: i64,
    /// Stable code: `oversell`, `overdraw`, `invalid_quantity`, ...
    pub code: &'static str,
    pub message: String,
}

/// Decimal places kept for a lot's cost after a partial sell.
pub const COST_PLACES: u32 = 8;

/// Most shares of one symbol a split may leave (a bought quantity is at most 1e9):
/// every later product (shares × a price of at most 1e8) stays far inside
/// `Decimal`'s 28 digits, however many splits stack.
pub const MAX_SHARES_AFTER_SPLIT: i64 = 1_000_000_000_000;

/// Two splits of one symbol this close together are one split entered twice
/// (brokers and sources date them a day or two apart).
pub const SAME_SPLIT_DAYS: i64 = 5;

#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// Lets cash go below zero (margin). Off by default.
    pub allow_margin: bool,
}

/// The state of a portfolio after replaying its activities.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    pub cash: Decimal,
    pub lots: BTreeMap<Symbol, VecDeque<Lot>>,
    pub closed: Vec<ClosedTrade>,
    pub deposits: Decimal,
    pub withdrawals: Decimal,
    pub dividends: Decimal,
    /// Stand-alone fee activities (trade commissions are part of cost and realized).
    pub fees: Decimal,
    /// Deposits minus withdrawals per day (the external flows of the return series).
    pub flows: BTreeMap<NaiveDate, Decimal>,
    /// The day of each symbol's latest split (so the same split is not applied twice).
    pub last_split: BTreeMap<Symbol, NaiveDate>,
}

impl Ledger {
    /// Replays `activities` in (date, id) order.
    pub fn replay(activities: &[Activity], rules: Rules) -> Result<Self, LedgerError> {
        let mut ordered: Vec<&Activity> = activities.iter().collect();
        ordered.sort_by_key(|a| a.replay_key());
        let mut ledger = Ledger::default();
        for activity in ordered {
            ledger.apply(activity, rules)?;
        }
        Ok(ledger)
    }

    /// Applies one activity, or changes nothing and says why not.
    pub fn apply(&mut self, a: &Activity, rules: Rules) -> Result<(), LedgerError> {
        let fail = |code, message: String| Err(LedgerError { activity_id: a.id, code, message });
        if a.fee.is_sign_negative() && !a.fee.is_zero() {
            return fail("invalid_fee", "A fee cannot be negative.".into());
        }
        if a.kind == ActivityKind::Split {
            return self.split(a);
        }
        if a.kind.is_trade() {
            let Some(symbol) = a.symbol.clone() else {
                return fail("missing_symbol", format!("A {} needs a symbol.", a.kind.as_str()));
            };
            let quantity = a.quantity.unwrap_or_default();
            let price = a.price.unwrap_or_default();
            if quantity <= Decimal::ZERO {
                return fail("invalid_quantity", "The quantity must be greater than zero.".into());
            }
            if price <= Decimal::ZERO {
                return fail("invalid_price", "The price must be greater than zero.".into());
            }
            return match a.kind {
                ActivityKind::Buy => self.buy(a, symbol, quantity, price, rules),
                _ => self.sell(a, symbol, quantity, price, rules),
            };
        }
        let amount = a.amount.unwrap_or_default();
        if amount <= Decimal::ZERO {
            return fail("invalid_amount", "The amount must be greater than zero.".into());
        }
        if a.kind == ActivityKind::Dividend && a.symbol.is_none() {
            return fail("missing_symbol", "A dividend needs a symbol.".into());
        }
        // A fee attached to a deposit, withdrawal or dividend is paid from cash and
        // counts in fees like a fee activity (METRICS.md), never stored and ignored.
        let cash_change = match a.kind {
            ActivityKind::Deposit | ActivityKind::Dividend => amount,
            _ => -amount,
        } - a.fee;
        self.check_cash(a, cash_change, rules)?;
        self.cash += cash_change;
        self.fees += a.fee;
        match a.kind {
            ActivityKind::Deposit => {
                self.deposits += amount;
                *self.flows.entry(a.date).or_default() += amount;
            }
            ActivityKind::Withdrawal => {
                self.withdrawals += amount;
                *self.flows.entry(a.date).or_default() -= amount;
            }
            ActivityKind::Dividend => self.dividends += amount,
            _ => self.fees += amount,
        }
        Ok(())
    }

    fn check_cash(&self, a: &Activity, change: Decimal, rules: Rules) -> Result<(), LedgerError> {
        if rules.allow_margin || change >= Decimal::ZERO || self.cash + change >= Decimal::ZERO {
            return Ok(());
        }
        Err(LedgerError {
            activity_id: a.id,
            code: "overdraw",
            message: format!(
                "This {} needs {} in cash on {}, but only {} is available.",
                a.kind.as_str(),
                crate::model::format_money(-change),
                a.date,
                crate::model::format_money(self.cash)
            ),
        })
    }

    fn buy(
        &mut self,
        a: &Activity,
        symbol: Symbol,
        quantity: Decimal,
        price: Decimal,
        rules: Rules,
    ) -> Result<(), LedgerError> {
        let cost = quantity * price + a.fee;
        self.check_cash(a, -cost, rules)?;
        self.cash -= cost;
        self.lots.entry(symbol).or_default().push_back(Lot { activity_id: a.id, opened_at: a.date, quantity, cost });
        Ok(())
    }

    fn sell(
        &mut self,
        a: &Activity,
        symbol: Symbol,
        quantity: Decimal,
        price: Decimal,
        rules: Rules,
    ) -> Result<(), LedgerError> {
        let held = self.quantity_of(&symbol);
        if quantity > held {
            return Err(LedgerError {
                activity_id: a.id,
                code: "oversell",
                message: format!("Cannot sell {quantity} {symbol} on {}: only {held} held then.", a.date),
            });
        }
        let proceeds = quantity * price;
        self.check_cash(a, proceeds - a.fee, rules)?;
        let lots = self.lots.get_mut(&symbol).expect("held > 0 means lots exist");
        let mut remaining = quantity;
        let mut cost = Decimal::ZERO;
        while remaining > Decimal::ZERO {
            let lot = lots.front_mut().expect("quantity checked against held");
            if lot.quantity <= remaining {
                remaining -= lot.quantity;
                cost += lot.cost;
                lots.pop_front();
            } else {
                // The consumed share of the lot's cost, to 8 places (so every later
                // sum stays exact within Decimal's 28 digits); the rest stays with
                // the lot, so the total cost is conserved exactly.
                let consumed = (lot.cost * remaining / lot.quantity).round_dp(COST_PLACES);
                lot.cost -= consumed;
                lot.quantity -= remaining;
                cost += consumed;
                remaining = Decimal::ZERO;
            }
        }
        if lots.is_empty() {
            self.lots.remove(&symbol);
        }
        self.cash += proceeds - a.fee;
        self.closed.push(ClosedTrade {
            activity_id: a.id,
            symbol,
            date: a.date,
            quantity,
            proceeds,
            fee: a.fee,
            cost,
            realized: proceeds - a.fee - cost,
        });
        Ok(())
    }

    /// A split multiplies every open lot's quantity by the ratio and keeps its cost:
    /// no cash moves and nothing is realized. Quantities stay exact decimals (to
    /// [`COST_PLACES`] places when the ratio does not divide evenly, as 3:2 can).
    fn split(&mut self, a: &Activity) -> Result<(), LedgerError> {
        let fail = |code, message: String| Err(LedgerError { activity_id: a.id, code, message });
        let Some(symbol) = a.symbol.clone() else {
            return fail("missing_symbol", "A split needs a symbol.".into());
        };
        let Some(ratio) = a.ratio.filter(|r| r.numerator > Decimal::ZERO && r.denominator > Decimal::ZERO) else {
            return fail("invalid_ratio", "A split needs a ratio of two numbers greater than zero.".into());
        };
        if !a.fee.is_zero() {
            return fail("invalid_fee", "A split has no fee.".into());
        }
        if let Some(last) = self.last_split.get(&symbol).filter(|d| (a.date - **d).num_days() <= SAME_SPLIT_DAYS) {
            return fail(
                "duplicate_split",
                format!(
                    "{symbol} already has a split on {last}; a second one within {SAME_SPLIT_DAYS} days is the same split twice."
                ),
            );
        }
        let Some(lots) = self.lots.get_mut(&symbol) else {
            return fail("split_not_held", format!("No {symbol} shares were held on {} to split {ratio}.", a.date));
        };
        let split: Option<Vec<Decimal>> = lots
            .iter()
            .map(|lot| {
                Some(lot.quantity.checked_mul(ratio.numerator)?.checked_div(ratio.denominator)?.round_dp(COST_PLACES))
            })
            .collect();
        let total = split.as_ref().and_then(|s| s.iter().try_fold(Decimal::ZERO, |sum, q| sum.checked_add(*q)));
        let (Some(split), Some(total)) = (split, total) else {
            return fail(
                "split_too_large",
                format!("Splitting {symbol} {ratio} gives more shares than Folio accepts."),
            );
        };
        if total > Decimal::from(MAX_SHARES_AFTER_SPLIT) {
            return fail(
                "split_too_large",
                format!("Splitting {symbol} {ratio} gives more shares than Folio accepts."),
            );
        }
        if split.iter().any(|q| q.is_zero()) {
            return fail("split_too_small", format!("Splitting {symbol} {ratio} would leave a lot with no shares."));
        }
        for (lot, quantity) in lots.iter_mut().zip(split) {
            lot.quantity = quantity.normalize();
        }
        self.last_split.insert(symbol, a.date);
        Ok(())
    }

    pub fn quantity_of(&self, symbol: &Symbol) -> Decimal {
        self.lots.get(symbol).map_or(Decimal::ZERO, |lots| lots.iter().map(|l| l.quantity).sum())
    }

    /// Invested (cost basis) = Σ cost of open lots.
    pub fn invested(&self) -> Decimal {
        self.lots.values().flatten().map(|l| l.cost).sum()
    }

    pub fn realized(&self) -> Decimal {
        self.closed.iter().map(|t| t.realized).sum()
    }

    pub fn net_contributions(&self) -> Decimal {
        self.deposits - self.withdrawals
    }

    /// (winning, losing, breakeven) closed trades.
    pub fn trade_outcomes(&self) -> (usize, usize, usize) {
        self.closed.iter().fold((0, 0, 0), |(w, l, b), t| match t.realized.cmp(&Decimal::ZERO) {
            std::cmp::Ordering::Greater => (w + 1, l, b),
            std::cmp::Ordering::Less => (w, l + 1, b),
            std::cmp::Ordering::Equal => (w, l, b + 1),
        })
    }

    /// winning / closed × 100; none without closed trades.
    pub fn win_rate(&self) -> Option<Decimal> {
        let (winning, _, _) = self.trade_outcomes();
        (!self.closed.is_empty())
            .then(|| Decimal::from(winning) / Decimal::from(self.closed.len()) * Decimal::ONE_HUNDRED)
    }
}

#[cfg(test)]
mod tests;
