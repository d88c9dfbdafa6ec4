//! Where the money sits, as the dashboard's allocation donut receives it: slices
//! of market value and cash with their shares (computed by the engine,
//! `server::portfolio::engine::allocation`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    pub label: String,
    pub value: Decimal,
    /// Share of the total, in percent.
    pub percent: f64,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Allocation {
    /// Largest first; cash is a slice of its own.
    pub slices: Vec<Slice>,
    /// Held symbols without a price: they cannot be valued, so they are left out.
    pub unpriced: Vec<String>,
}
