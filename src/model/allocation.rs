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

impl Allocation {
    /// The donut as a CSS `conic-gradient`: one arc per slice in `palette` order,
    /// from 12 o'clock, clockwise. Only numbers and the palette's colours go into
    /// the style; labels never do.
    pub fn conic_gradient(&self, palette: &[&str]) -> String {
        let mut start = 0.0;
        let arcs: Vec<String> = self
            .slices
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let end = if i + 1 == self.slices.len() { 100.0 } else { (start + s.percent).min(100.0) };
                let arc = format!("{} {start:.2}% {end:.2}%", palette[i % palette.len()]);
                start = end;
                arc
            })
            .collect();
        format!("conic-gradient({})", arcs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slice_is_an_arc_of_its_share_and_labels_stay_out_of_the_style() {
        let slice = |label: &str, percent| Slice { label: label.into(), value: Decimal::ONE, percent };
        let allocation = Allocation {
            slices: vec![slice("<img src=x onerror=alert(1)>", 63.4), slice("Tech); x: url(evil", 36.59)],
            unpriced: vec![],
        };
        let css = allocation.conic_gradient(&["#111", "#222"]);
        assert_eq!(css, "conic-gradient(#111 0.00% 63.40%, #222 63.40% 100.00%)", "the last arc closes the circle");
        assert!(!css.contains("img") && !css.contains("evil"));
    }
}
