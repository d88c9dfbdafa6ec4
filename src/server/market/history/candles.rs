//! Finnhub's daily candles, the history source for keys whose plan includes them:
//! `/stock/candle?symbol=S&resolution=D&from=&to=` (`{"s":"ok","t":[…],"c":[…]}` or
//! `{"s":"no_data"}`; 403 on the free plan). Daily candles are split-adjusted, so the
//! key's `/stock/split` list (same plan) un-adjusts them; a key without it (403)
//! cannot use candles, since closes must be kept as traded. Calls go through the
//! Finnhub client: its key header, retries and the shared rate budget.

use super::{DailyHistory, SplitEvent, as_traded};
use crate::model::{SplitRatio, Symbol};
use crate::server::market::finnhub::FinnhubClient;
use crate::server::market::{MarketError, to_decimal};
use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use std::str::FromStr;

/// The `source` of the closes it stores.
pub const SOURCE: &str = "finnhub-candles";

pub struct CandleClient {
    client: FinnhubClient,
}

#[derive(Deserialize)]
struct RawCandles {
    s: String,
    #[serde(default)]
    t: Vec<i64>,
    #[serde(default)]
    c: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSplit {
    date: String,
    from_factor: f64,
    to_factor: f64,
}

impl CandleClient {
    pub fn new(client: FinnhubClient) -> Self {
        Self { client }
    }

    pub async fn fetch(&self, symbol: &Symbol, from: NaiveDate, to: NaiveDate) -> Result<DailyHistory, MarketError> {
        let unix = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()).to_string();
        let (start, end) = (unix(from), unix(to.succ_opt().unwrap_or(to)));
        let query = [("symbol", symbol.as_str()), ("resolution", "D"), ("from", &start), ("to", &end)];
        let raw: RawCandles = self.client.get("/stock/candle", &query, "daily candles").await?;
        let adjusted = match decode(raw) {
            Some(adjusted) => adjusted,
            None => return Ok(DailyHistory::default()),
        };
        self.client.count_decoded("/stock/candle", &Ok::<(), MarketError>(()));
        let query = [("symbol", symbol.as_str()), ("from", &from.to_string()), ("to", &to.to_string())];
        // Without the splits the adjusted closes cannot be made as traded: a 403
        // here is a 403 for the source (Yahoo is used instead, in `auto`).
        let splits = splits(self.client.get::<Vec<RawSplit>>("/stock/split", &query, "stock splits").await?);
        Ok(DailyHistory { closes: as_traded(adjusted, &splits), splits })
    }
}

/// The closes of an `ok` answer (`None` for `no_data`).
fn decode(raw: RawCandles) -> Option<Vec<(NaiveDate, rust_decimal::Decimal)>> {
    (raw.s == "ok").then(|| {
        raw.t
            .iter()
            .zip(raw.c)
            .filter_map(|(t, c)| {
                Some((DateTime::from_timestamp(*t, 0)?.date_naive(), to_decimal(c).filter(|c| !c.is_zero())?))
            })
            .collect()
    })
}

fn splits(raw: Vec<RawSplit>) -> Vec<SplitEvent> {
    let mut list: Vec<SplitEvent> = raw
        .into_iter()
        .filter_map(|s| {
            Some(SplitEvent {
                date: NaiveDate::from_str(&s.date).ok()?,
                ratio: SplitRatio {
                    numerator: to_decimal(s.to_factor).filter(|n| !n.is_zero())?,
                    denominator: to_decimal(s.from_factor).filter(|d| !d.is_zero())?,
                },
            })
        })
        .filter(|s| super::plausible_ratio(&s.ratio))
        .collect();
    list.sort_by_key(|s| s.date);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candles_and_splits_decode() {
        let ok: RawCandles = serde_json::from_str(
            r#"{"s":"ok","t":[1717718400,1717977600],"c":[120.888,121.79],"o":[1,1],"h":[1,1],"l":[1,1],"v":[1,1]}"#,
        )
        .unwrap();
        let closes = decode(ok).unwrap();
        assert_eq!(closes.len(), 2);
        assert_eq!(closes[0].0.to_string(), "2024-06-07");
        let none: RawCandles = serde_json::from_str(r#"{"s":"no_data"}"#).unwrap();
        assert!(decode(none).is_none());
        let raw: Vec<RawSplit> =
            serde_json::from_str(r#"[{"symbol":"NVDA","date":"2024-06-10","fromFactor":1,"toFactor":10}]"#).unwrap();
        assert_eq!(splits(raw)[0].ratio.to_string(), "10:1");
    }
}
