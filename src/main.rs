//! The `folio` server binary: a shim over [`folio::server::run`].

#[tokio::main]
async fn main() {
    if let Err(err) = folio::server::run().await {
        eprintln!("folio: {err}");
        std::process::exit(1);
    }
}
