//! Serves the fake Finnhub API (see `folio_fakes::finnhub`).
//!
//! Usage: `fake_finnhub [ADDR] [KEY]` — ADDR defaults to 127.0.0.1:9999; with KEY,
//! only that API key is accepted. Prints the base URL for `FINNHUB_BASE_URL` and
//! the trade WebSocket's for `FINNHUB_WS_URL` (the same listener).

use folio_fakes::finnhub::FakeFinnhub;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9999".into());
    let key = args.next();
    let addr = match addr.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("fake_finnhub: `{addr}` is not an address like 127.0.0.1:9999");
            std::process::exit(2);
        }
    };
    match FakeFinnhub::start_on(addr, key.as_deref()).await {
        Ok(fake) => {
            println!("fake Finnhub listening; FINNHUB_BASE_URL={} FINNHUB_WS_URL={}", fake.base_url(), fake.ws_url());
            std::future::pending::<()>().await;
        }
        Err(err) => {
            eprintln!("fake_finnhub: cannot listen on {addr}: {err}");
            std::process::exit(1);
        }
    }
}
