//! The `folio` binary: the server, `folio backup`, `folio restore FILE` and
//! `folio migrate-db --to URL` (see [`folio::server::commands`]).

use folio::server::commands::{self, Command};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match commands::parse(&args) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("folio: {problem}\n{}", commands::USAGE);
            std::process::exit(2);
        }
    };
    let outcome = match command {
        Command::Serve => folio::server::run().await.map(|()| String::new()).map_err(|e| e.to_string()),
        Command::Help => Ok(commands::USAGE.to_string()),
        Command::Backup => commands::backup().await,
        Command::Restore(file) => commands::restore(file).await,
        Command::MigrateDb(to) => commands::migrate_db(to).await,
    };
    match outcome {
        Ok(said) if said.is_empty() => {}
        Ok(said) => println!("{said}"),
        Err(problem) => {
            eprintln!("folio: {problem}");
            std::process::exit(1);
        }
    }
}
