//! Log lines as text for a person at a terminal, or as JSON (one object per line)
//! for a log collector: `FOLIO_LOG_FORMAT=text|json`. The level comes from
//! `RUST_LOG` (default `info,sqlx=warn`).
//!
//! What is never logged: passwords, tokens, the Finnhub key (it travels in a header
//! and sits in a `Secret` whose `Debug` hides it), query strings (request spans carry
//! the path only). The test suite checks the whole run's log for the test key and
//! the demo password (`scripts/check-logs.sh`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim).filter(|r| !r.is_empty()).map(str::to_ascii_lowercase).as_deref() {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("`{other}` is not text or json")),
        }
    }
}

pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// A subscriber writing `format` lines to `writer`, keeping what `filter` allows;
/// colours only for a terminal (`ansi`).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().with_current_span(true).with_span_list(false).finish()),
    }
}

/// Whatever `RUST_LOG` says, the WebSocket library never logs below debug: at
/// trace it writes the handshake request, whose URL holds Finnhub's key.
fn without_secrets(filter: EnvFilter) -> EnvFilter {
    ["tungstenite=debug", "tokio_tungstenite=debug"]
        .into_iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |filter, directive| filter.add_directive(directive))
}

/// Installs the process's logger on stderr (a second call changes nothing).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let filter = without_secrets(filter);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, terminal));
}

/// Installs the process's logger writing to `writer` with the filter `directives`
/// (the test suites log to a file this way); false if one was already installed.
pub fn install<W>(format: LogFormat, directives: &str, writer: W) -> bool
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let filter = without_secrets(filter);
    tracing::subscriber::set_global_default(subscriber(format, filter, writer, false)).is_ok()
}

/// A log sink the tests read back.
#[cfg(test)]
pub(crate) mod capture {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub(crate) struct Buffer(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl Buffer {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::capture::Buffer;
    use super::*;

    fn logged(format: LogFormat) -> String {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = subscriber(format, EnvFilter::new("info"), move || writer.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", method = %"GET", path = %"/", request_id = %"req-1");
            let _inside = span.enter();
            tracing::info!(user_id = 7, "figures served");
            tracing::debug!("not kept at info");
        });
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn json_lines_are_objects_with_the_request_id() {
        let text = logged(LogFormat::Json);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).expect("one JSON object per line");
        assert_eq!(line["fields"]["message"], "figures served");
        assert_eq!(line["fields"]["user_id"], 7);
        assert_eq!(line["span"]["request_id"], "req-1");
        assert_eq!(line["level"], "INFO");
    }

    #[test]
    fn text_lines_carry_the_request_id_too() {
        let text = logged(LogFormat::Text);
        assert!(text.contains("request_id=req-1") && text.contains("figures served"), "{text}");
        assert!(serde_json::from_str::<serde_json::Value>(text.trim()).is_err());
    }

    #[test]
    fn formats_parse_strictly() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some(" JSON ")), Ok(LogFormat::Json));
        assert!(LogFormat::parse(Some("yaml")).is_err());
    }
}
