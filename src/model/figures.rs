//! The overview's figures, declared once. Adding a statistic is one line in
//! [`statistics!`] below (its JSON name, its variant, its unit and what the API
//! document says of it) and one line where the engine computes it
//! (`server::portfolio::engine::risk`); the model, the REST schema and the keys of
//! `notes` follow from the list, and a note or a card that names a figure that
//! does not exist does not compile.

use serde::{Deserialize, Serialize};

/// How a statistic is written: a fraction shown in percent, or a plain ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A fraction (0.125), shown and sent by the API as a percent (12.5).
    Percent,
    /// A plain number (Sharpe 1.23), sent with 4 places.
    Ratio,
}

macro_rules! statistics {
    ($($field:ident / $variant:ident : $unit:ident = $doc:literal),* $(,)?) => {
        /// One of the overview's statistics, computed over the range's daily history.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Stat {
            $($variant),*
        }

        impl Stat {
            /// Every statistic, in the order the API lists them.
            pub const ALL: &'static [Stat] = &[$(Stat::$variant),*];

            /// The field's name in JSON and its key in `notes`.
            pub const fn key(self) -> &'static str {
                match self {
                    $(Stat::$variant => stringify!($field)),*
                }
            }

            pub const fn unit(self) -> Unit {
                match self {
                    $(Stat::$variant => Unit::$unit),*
                }
            }

            /// What the API document says of the field.
            pub const fn doc(self) -> &'static str {
                match self {
                    $(Stat::$variant => $doc),*
                }
            }
        }

        /// One value per statistic, under the statistic's JSON name.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct PerStat<T> {
            $(pub $field: T),*
        }

        impl<T> PerStat<T> {
            pub fn get(&self, stat: Stat) -> &T {
                match stat {
                    $(Stat::$variant => &self.$field),*
                }
            }

            pub fn from_fn(mut value: impl FnMut(Stat) -> T) -> Self {
                Self { $($field: value(Stat::$variant)),* }
            }

            pub fn map<U>(self, mut f: impl FnMut(Stat, T) -> U) -> PerStat<U> {
                PerStat { $($field: f(Stat::$variant, self.$field)),* }
            }
        }
    };
}

statistics! {
    time_weighted_return / TimeWeightedReturn: Percent = "Cumulative time-weighted return over the range, in percent.",
    money_weighted_return / MoneyWeightedReturn: Percent = "Annualised money-weighted return (XIRR), in percent.",
    annual_return / AnnualReturn: Percent = "Compound annual growth of the time-weighted return, in percent.",
    volatility / Volatility: Percent = "Annualised standard deviation of daily returns, in percent.",
    sharpe_ratio / SharpeRatio: Ratio = "",
    sortino_ratio / SortinoRatio: Ratio = "",
    beta / Beta: Ratio = "Against the benchmark (`FOLIO_BENCHMARK`, SPY by default).",
    alpha / Alpha: Percent = "Annualised Jensen's alpha, in percent.",
}

/// How a statistic shows as a dashboard card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatCard {
    pub label: &'static str,
    /// A line under the figure ("" for none).
    pub detail: &'static str,
    /// Written with its sign and coloured as a gain or a loss.
    pub signed: bool,
    /// The dashboard group it shows in.
    pub group: StatGroup,
}

/// The dashboard's groups of range figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatGroup {
    Returns,
    Risk,
}

impl Stat {
    /// Scaled to a year (√252, ^252 or XIRR's 365 days): a short history makes it
    /// swing, so it is marked "based on N days" (METRICS.md).
    pub const fn annualised(self) -> bool {
        match self {
            Stat::MoneyWeightedReturn
            | Stat::AnnualReturn
            | Stat::Volatility
            | Stat::SharpeRatio
            | Stat::SortinoRatio
            | Stat::Alpha => true,
            Stat::TimeWeightedReturn | Stat::Beta => false,
        }
    }

    /// The card of a statistic the dashboard shows (the API sends every one).
    pub fn card(self) -> Option<StatCard> {
        let card = |label, detail, signed, group| Some(StatCard { label, detail, signed, group });
        match self {
            Stat::TimeWeightedReturn => card("Time-weighted return", "", true, StatGroup::Returns),
            Stat::MoneyWeightedReturn => card("Money-weighted return", "Annualised (XIRR)", true, StatGroup::Returns),
            Stat::AnnualReturn | Stat::SortinoRatio => None,
            Stat::Volatility => card("Volatility", "Annualised", false, StatGroup::Risk),
            Stat::SharpeRatio => card("Sharpe ratio", "", false, StatGroup::Risk),
            Stat::Beta => card("Beta", "vs the benchmark", false, StatGroup::Risk),
            Stat::Alpha => card("Alpha", "Annualised", true, StatGroup::Risk),
        }
    }
}

/// An overview field that can be unavailable, and so can have a note saying why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    TotalValue,
    MarketValue,
    UnrealizedPnl,
    TotalReturn,
    TotalReturnPercent,
    DayChange,
    DayChangePercent,
    Stat(Stat),
    MaxDrawdown,
    MaxDrawdownPeak,
    MaxDrawdownTrough,
    MaxDrawdownRecovery,
    WinRate,
}

impl Field {
    /// The field's name in JSON and its key in `notes`.
    pub const fn key(self) -> &'static str {
        match self {
            Field::TotalValue => "total_value",
            Field::MarketValue => "market_value",
            Field::UnrealizedPnl => "unrealized_pnl",
            Field::TotalReturn => "total_return",
            Field::TotalReturnPercent => "total_return_percent",
            Field::DayChange => "day_change",
            Field::DayChangePercent => "day_change_percent",
            Field::Stat(stat) => stat.key(),
            Field::MaxDrawdown => "max_drawdown",
            Field::MaxDrawdownPeak => "max_drawdown_peak",
            Field::MaxDrawdownTrough => "max_drawdown_trough",
            Field::MaxDrawdownRecovery => "max_drawdown_recovery",
            Field::WinRate => "win_rate",
        }
    }
}

impl From<Stat> for Field {
    fn from(stat: Stat) -> Self {
        Field::Stat(stat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statistic_has_its_own_key_and_value() {
        let keys: std::collections::BTreeSet<&str> = Stat::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), Stat::ALL.len());
        let numbered = PerStat::from_fn(|stat| Stat::ALL.iter().position(|s| *s == stat).unwrap());
        for (i, stat) in Stat::ALL.iter().enumerate() {
            assert_eq!(*numbered.get(*stat), i, "{stat:?}");
        }
        // The JSON names are the keys.
        let json = serde_json::to_value(&numbered).unwrap();
        for stat in Stat::ALL {
            assert_eq!(json[stat.key()], serde_json::json!(numbered.get(*stat)), "{stat:?}");
        }
    }
}
