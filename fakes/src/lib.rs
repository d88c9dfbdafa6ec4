//! Faithful fakes of the internet services Folio talks to, for its tests,
//! benchmarks and end-to-end runs. A crate of its own so that the production
//! binary does not contain them (`cargo tree` for `folio` does not list this crate).
//!
//! - [`finnhub`]: the Finnhub REST API, with settable prices and switchable faults.
//! - [`history`]: daily history as Yahoo's chart API and Finnhub's candles serve it.
//! - [`stream`]: Finnhub's trade WebSocket, on the same listener as its REST API.

pub mod finnhub;
pub mod history;
pub mod stream;
