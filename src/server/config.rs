//! Typed settings, read once at startup from the environment (and `.env`).
//!
//! Every variable is validated here so that a typo stops the server with a message
//! naming the variable, instead of surfacing later as a confusing runtime failure.
//! Secrets are wrapped in [`Secret`] so they cannot be printed by accident.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A configuration value that is wrong, with the variable it came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self { var, message: message.into() }
    }
}

/// A string that never shows up in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything the server needs to start, already validated, grouped by the part
/// of the server that uses it; each part receives its own group as is. Reading it
/// touches no file: startup calls [`DbConfig::create_folder`] and
/// [`Config::session_secret`].
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the SQLite file, the generated JWT secret and backups live by default.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    pub db: DbConfig,
    pub auth: AuthConfig,
    pub market: MarketConfig,
    pub portfolio: PortfolioConfig,
    pub ops: OpsConfig,
}

/// The listener, the static files and what browsers are told.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub site_addr: SocketAddr,
    /// Folder with the compiled CSS, JS and WASM (cargo-leptos writes `target/site`).
    pub site_root: String,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// Served over HTTPS: `Secure` session cookies and HSTS.
    pub secure_cookies: bool,
    /// Load balancers whose `X-Forwarded-For` names the client (none by default:
    /// anyone could write the header, so it is believed only from these).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The database and its backups.
#[derive(Clone, Debug)]
pub struct DbConfig {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// Where backups go (`FOLIO_BACKUP_DIR`, default `DATA_DIR/backups`).
    pub backup_dir: PathBuf,
    /// How often the server takes a scheduled backup (`FOLIO_BACKUP_INTERVAL`,
    /// default daily; `off` for never).
    pub backup_interval: Option<Duration>,
    /// How many scheduled backups are kept (`FOLIO_BACKUP_KEEP`, default 14).
    pub backup_keep: usize,
}

/// Accounts and sessions.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `FOLIO_JWT_SECRET`; without it a random secret is kept in the data folder
    /// (see [`Config::session_secret`]).
    pub jwt_secret: Option<Secret>,
    pub token_ttl: Duration,
    pub allow_signup: bool,
    /// bcrypt work factor for new password hashes.
    pub bcrypt_cost: u32,
    /// Failed sign-ins plus sign-ups one client address may make a minute.
    pub attempts_per_address: usize,
}

/// Market data: Finnhub (or demo prices without a key), its budget and the caches.
#[derive(Clone, Debug)]
pub struct MarketConfig {
    pub finnhub_api_key: Option<Secret>,
    pub finnhub_base_url: String,
    pub finnhub_timeout: Duration,
    pub calls_per_minute: u32,
    pub calls_per_second: u32,
    pub quote_ttl: Duration,
    pub profile_ttl: Duration,
    /// The benchmark symbol for beta, alpha and the performance chart.
    pub benchmark: crate::model::Symbol,
    /// How often the background refresher looks for stale quotes.
    pub refresh_interval: Duration,
    /// Where daily history comes from (`FOLIO_HISTORY_SOURCE`).
    pub history_source: HistorySourceChoice,
    /// Yahoo Finance's chart API (`FOLIO_HISTORY_BASE_URL`).
    pub history_base_url: String,
    /// Calls a second to the history source (Yahoo is unofficial: be polite).
    pub history_calls_per_second: u32,
    /// Live trades (`FINNHUB_STREAM`): Finnhub's WebSocket with a key, simulated
    /// ticks with demo prices.
    pub stream: bool,
    /// Finnhub's WebSocket (`FINNHUB_WS_URL`).
    pub ws_url: String,
    /// At most this many symbols streamed at once (`FINNHUB_WS_SYMBOLS`).
    pub stream_symbols: usize,
    /// Browser streams (`/api/stream`) per person and in all.
    pub streams_per_user: usize,
    pub streams_total: usize,
}

/// `FOLIO_HISTORY_SOURCE`: where the history of an imported ledger's symbols is
/// fetched from. Demo prices keep their simulated history whatever this says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistorySourceChoice {
    /// Finnhub's candles when the key's plan allows them, else Yahoo.
    Auto,
    Finnhub,
    Yahoo,
    /// Only the closes Folio records itself (and imported price files).
    None,
}

impl HistorySourceChoice {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "finnhub" => Ok(Self::Finnhub),
            "yahoo" => Ok(Self::Yahoo),
            "none" => Ok(Self::None),
            _ => Err("must be auto, finnhub, yahoo or none".into()),
        }
    }
}

/// The portfolio engine's parameters and the memory kept for users' states.
#[derive(Clone, Debug)]
pub struct PortfolioConfig {
    /// Annual risk-free rate for Sharpe, Sortino and alpha, as a fraction (0.03 = 3 %).
    pub risk_free_rate: f64,
    /// Memory kept for users' portfolio states, in bytes (least recently used
    /// users are dropped past it).
    pub cache_bytes: u64,
    /// Creates the demo account in a database without users.
    pub seed_demo: bool,
    /// Annualised figures from fewer daily returns than this are marked "based on
    /// N days" (METRICS.md: 60 trading days).
    pub annualise_min_days: usize,
    /// How often the daily history job looks for a new close.
    pub snapshot_interval: Duration,
}

/// Running it: metrics, logs, shutdown.
#[derive(Clone, Debug)]
pub struct OpsConfig {
    /// A separate address serving only `/metrics` (meant for a private interface).
    pub metrics_addr: Option<SocketAddr>,
    /// A bearer token that opens `/metrics` (on the main address when no separate
    /// one is set). With neither, there is no `/metrics` and requests are not timed.
    pub metrics_token: Option<Secret>,
    /// Text or JSON log lines.
    pub log_format: crate::server::ops::logging::LogFormat,
    /// How long a stopping server answers `/readyz` with 503 before it stops taking
    /// connections, so a load balancer moves traffic first (none by default).
    pub shutdown_drain: Option<Duration>,
}

impl OpsConfig {
    /// True when `/metrics` is served somewhere, so requests are worth timing.
    pub fn metrics_enabled(&self) -> bool {
        self.metrics_addr.is_some() || self.metrics_token.is_some()
    }
}

impl DbConfig {
    /// Creates the SQLite file's folder (at startup, never while parsing).
    pub fn create_folder(&self) -> Result<(), ConfigError> {
        if self.url.starts_with("sqlite:") {
            ensure_sqlite_parent(&self.url)?;
        }
        Ok(())
    }
}

impl Config {
    /// The secret that signs sessions: `FOLIO_JWT_SECRET`, or the one kept in
    /// `data_dir/jwt_secret` (created, with 32 random bytes, the first time).
    /// Called at startup, never while parsing.
    pub fn session_secret(&self) -> Result<Secret, ConfigError> {
        match &self.auth.jwt_secret {
            Some(secret) => Ok(secret.clone()),
            None => load_or_create_secret(&self.data_dir),
        }
    }
}

pub const DEFAULT_FINNHUB_BASE_URL: &str = "https://finnhub.io/api/v1";
pub const DEFAULT_FINNHUB_WS_URL: &str = "wss://ws.finnhub.io";
pub const DEFAULT_HISTORY_BASE_URL: &str = "https://query1.finance.yahoo.com";
const MIN_SECRET_LEN: usize = 32;
const MIN_METRICS_TOKEN_LEN: usize = 32;

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup (the environment in production,
    /// a map in tests). Pure: nothing is created or read but the lookup.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let data_dir = PathBuf::from(get("FOLIO_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => normalise_database_url(&url)?,
            None => {
                let file = data_dir.join("folio.db");
                crate::server::db::sqlite_url(&file, "mode=rwc")
            }
        };
        let jwt_secret = match get("FOLIO_JWT_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_LEN => {
                return Err(ConfigError::new(
                    "FOLIO_JWT_SECRET",
                    format!("must be at least {MIN_SECRET_LEN} characters long"),
                ));
            }
            secret => secret.map(Secret::new),
        };

        let site_addr = match get("LEPTOS_SITE_ADDR") {
            Some(addr) => addr.parse().map_err(|_| {
                ConfigError::new("LEPTOS_SITE_ADDR", format!("`{addr}` is not an address like 127.0.0.1:3000"))
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };

        let finnhub_base_url = get("FINNHUB_BASE_URL").unwrap_or_else(|| DEFAULT_FINNHUB_BASE_URL.into());
        if !(finnhub_base_url.starts_with("http://") || finnhub_base_url.starts_with("https://")) {
            return Err(ConfigError::new("FINNHUB_BASE_URL", "must start with http:// or https://"));
        }

        let history_base_url = get("FOLIO_HISTORY_BASE_URL").unwrap_or_else(|| DEFAULT_HISTORY_BASE_URL.into());
        if !(history_base_url.starts_with("http://") || history_base_url.starts_with("https://")) {
            return Err(ConfigError::new("FOLIO_HISTORY_BASE_URL", "must start with http:// or https://"));
        }
        let ws_url = get("FINNHUB_WS_URL").unwrap_or_else(|| DEFAULT_FINNHUB_WS_URL.into());
        if !(ws_url.starts_with("ws://") || ws_url.starts_with("wss://")) || ws_url.contains('?') {
            return Err(ConfigError::new("FINNHUB_WS_URL", "must start with wss:// (or ws://) and have no query"));
        }
        let history_source = HistorySourceChoice::parse(&get("FOLIO_HISTORY_SOURCE").unwrap_or_else(|| "auto".into()))
            .map_err(|m| ConfigError::new("FOLIO_HISTORY_SOURCE", m))?;

        let bcrypt_cost = match get("FOLIO_BCRYPT_COST") {
            None => bcrypt::DEFAULT_COST,
            Some(raw) => match raw.parse::<u32>() {
                Ok(cost) if (4..=31).contains(&cost) => cost,
                _ => return Err(ConfigError::new("FOLIO_BCRYPT_COST", "must be a whole number from 4 to 31")),
            },
        };

        let benchmark = crate::model::Symbol::parse(&get("FOLIO_BENCHMARK").unwrap_or_else(|| "SPY".into()))
            .map_err(|m| ConfigError::new("FOLIO_BENCHMARK", m))?;

        let risk_free_rate = match get("FOLIO_RISK_FREE_RATE") {
            None => 0.0,
            Some(raw) => match raw.parse::<f64>() {
                Ok(rate) if (-5.0..=50.0).contains(&rate) => rate / 100.0,
                _ => return Err(ConfigError::new("FOLIO_RISK_FREE_RATE", "must be a yearly percentage such as 4.5")),
            },
        };

        let cors_origins: Vec<String> = get("FOLIO_CORS_ORIGINS")
            .map(|raw| {
                raw.split(',').map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect()
            })
            .unwrap_or_default();
        if let Some(bad) = cors_origins.iter().find(|o| {
            let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
            host.is_none_or(|h| h.is_empty() || h.contains('/')) || o.parse::<axum::http::HeaderValue>().is_err()
        }) {
            return Err(ConfigError::new(
                "FOLIO_CORS_ORIGINS",
                format!("`{bad}` is not an origin like https://example.com"),
            ));
        }

        let mut trusted_proxies = Vec::new();
        for raw in get("FOLIO_TRUSTED_PROXIES").iter().flat_map(|raw| raw.split(',')).map(str::trim) {
            if raw.is_empty() {
                continue;
            }
            trusted_proxies.push(raw.parse().map_err(|_| {
                ConfigError::new("FOLIO_TRUSTED_PROXIES", format!("`{raw}` is not an IP address like 127.0.0.1"))
            })?);
        }

        let metrics_addr = match get("FOLIO_METRICS_ADDR") {
            Some(addr) => Some(addr.parse().map_err(|_| {
                ConfigError::new("FOLIO_METRICS_ADDR", format!("`{addr}` is not an address like 127.0.0.1:9464"))
            })?),
            None => None,
        };
        let metrics_token = match get("FOLIO_METRICS_TOKEN") {
            Some(token) if token.len() < MIN_METRICS_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(ConfigError::new(
                    "FOLIO_METRICS_TOKEN",
                    format!("must be at least {MIN_METRICS_TOKEN_LEN} printable characters without spaces"),
                ));
            }
            token => token.map(Secret::new),
        };
        let log_format = crate::server::ops::logging::LogFormat::parse(get("FOLIO_LOG_FORMAT").as_deref())
            .map_err(|m| ConfigError::new("FOLIO_LOG_FORMAT", m))?;

        let backup_interval = match get("FOLIO_BACKUP_INTERVAL").as_deref() {
            Some("off") => None,
            Some(raw) => Some(parse_duration(raw).map_err(|m| ConfigError::new("FOLIO_BACKUP_INTERVAL", m))?),
            None => Some(Duration::from_secs(24 * 3600)),
        };
        if backup_interval.is_some_and(|every| every < Duration::from_secs(60)) {
            return Err(ConfigError::new("FOLIO_BACKUP_INTERVAL", "must be at least 1m, or off".to_string()));
        }

        Ok(Self {
            http: HttpConfig {
                site_addr,
                site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
                cors_origins,
                secure_cookies: bool_var(&get, "FOLIO_SECURE_COOKIES", false)?,
                trusted_proxies,
            },
            db: DbConfig {
                url: database_url,
                backup_dir: get("FOLIO_BACKUP_DIR").map(PathBuf::from).unwrap_or_else(|| data_dir.join("backups")),
                backup_interval,
                backup_keep: count_var(&get, "FOLIO_BACKUP_KEEP", 14, 1..=10_000)? as usize,
            },
            auth: AuthConfig {
                jwt_secret,
                token_ttl: duration_var(&get, "FOLIO_TOKEN_TTL", Duration::from_secs(24 * 3600))?,
                allow_signup: bool_var(&get, "FOLIO_ALLOW_SIGNUP", true)?,
                bcrypt_cost,
                attempts_per_address: count_var(&get, "FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", 20, 1..=100_000)? as usize,
            },
            market: MarketConfig {
                finnhub_api_key: get("FINNHUB_API_KEY").map(Secret::new),
                finnhub_base_url: finnhub_base_url.trim_end_matches('/').to_string(),
                finnhub_timeout: duration_var(&get, "FINNHUB_TIMEOUT", Duration::from_secs(10))?,
                calls_per_minute: count_var(&get, "FINNHUB_CALLS_PER_MINUTE", 60, 1..=100_000)?,
                calls_per_second: count_var(&get, "FINNHUB_CALLS_PER_SECOND", 30, 1..=30)?,
                quote_ttl: duration_var(&get, "FOLIO_QUOTE_TTL", Duration::from_secs(60))?,
                profile_ttl: duration_var(&get, "FOLIO_PROFILE_TTL", Duration::from_secs(24 * 3600))?,
                benchmark,
                refresh_interval: duration_var(&get, "FOLIO_REFRESH_INTERVAL", Duration::from_secs(15))?,
                history_source,
                history_base_url: history_base_url.trim_end_matches('/').to_string(),
                history_calls_per_second: count_var(&get, "FOLIO_HISTORY_CALLS_PER_SECOND", 1, 1..=30)?,
                stream: bool_var(&get, "FINNHUB_STREAM", true)?,
                ws_url,
                stream_symbols: count_var(&get, "FINNHUB_WS_SYMBOLS", 50, 1..=10_000)? as usize,
                streams_per_user: count_var(&get, "FOLIO_STREAMS_PER_USER", 10, 1..=1_000)? as usize,
                streams_total: count_var(&get, "FOLIO_STREAMS_TOTAL", 5_000, 1..=1_000_000)? as usize,
            },
            portfolio: PortfolioConfig {
                risk_free_rate,
                cache_bytes: u64::from(count_var(&get, "FOLIO_PORTFOLIO_CACHE_MB", 64, 1..=1_000_000)?) << 20,
                seed_demo: bool_var(&get, "FOLIO_SEED_DEMO", true)?,
                annualise_min_days: count_var(&get, "FOLIO_ANNUALISE_MIN_DAYS", 60, 1..=100_000)? as usize,
                snapshot_interval: duration_var(&get, "FOLIO_SNAPSHOT_INTERVAL", Duration::from_secs(3600))?,
            },
            ops: OpsConfig {
                metrics_addr,
                metrics_token,
                log_format,
                shutdown_drain: get("FOLIO_SHUTDOWN_DRAIN")
                    .map(|raw| parse_duration(&raw).map_err(|m| ConfigError::new("FOLIO_SHUTDOWN_DRAIN", m)))
                    .transpose()?,
            },
            data_dir,
        })
    }
}

/// Loads `.env` into the environment if there is one (variables already set win).
pub fn load_dotenv() -> Result<(), ConfigError> {
    // A missing .env is normal; a broken one is worth saying.
    match dotenvy::dotenv() {
        Err(err) if !err.not_found() => Err(ConfigError::new(".env", err.to_string())),
        _ => Ok(()),
    }
}

/// Parses durations written like `90s`, `15m`, `24h` or `7d`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: u64 = number.parse().map_err(|_| format!("`{raw}` is not a duration like 60s, 15m, 24h or 7d"))?;
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{raw}` needs a unit: s, m, h or d (e.g. 60s, 24h)")),
    };
    if value == 0 {
        return Err("must be longer than zero".into());
    }
    value.checked_mul(seconds_per_unit).map(Duration::from_secs).ok_or_else(|| format!("`{raw}` is too long"))
}

/// Parses `true/false`, `1/0`, `yes/no`, `on/off` (any case).
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(format!("`{other}` is not true or false")),
    }
}

fn duration_var(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    get(var).map_or(Ok(default), |raw| parse_duration(&raw).map_err(|m| ConfigError::new(var, m)))
}

fn count_var(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => {
                Err(ConfigError::new(var, format!("must be a whole number from {} to {}", range.start(), range.end())))
            }
        },
    }
}

fn bool_var(get: &impl Fn(&str) -> Option<String>, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    get(var).map_or(Ok(default), |raw| parse_bool(&raw).map_err(|m| ConfigError::new(var, m)))
}

/// Accepts `sqlite:`/`postgres:`/`postgresql:` URLs; a SQLite URL without a `mode`
/// gets `mode=rwc` so a missing file is created rather than refused.
fn normalise_database_url(url: &str) -> Result<String, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(url.to_string());
    }
    if url.starts_with("sqlite:") {
        if url.contains("mode=") || url.contains(":memory:") {
            return Ok(url.to_string());
        }
        let sep = if url.contains('?') { '&' } else { '?' };
        return Ok(format!("{url}{sep}mode=rwc"));
    }
    Err(ConfigError::new("DATABASE_URL", "must start with sqlite:, postgres:// or postgresql://"))
}

/// The file path inside a `sqlite:` URL, if it names a file.
fn ensure_sqlite_parent(url: &str) -> Result<(), ConfigError> {
    if let Some(file) = crate::server::db::sqlite_file(url)
        && let Some(parent) = file.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| ConfigError::new("DATABASE_URL", format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}

/// Reads `data_dir/jwt_secret`, or creates it with 32 random bytes (hex) the first
/// time. Tokens then survive restarts without a secret ever being compiled in.
fn load_or_create_secret(data_dir: &Path) -> Result<Secret, ConfigError> {
    const VAR: &str = "FOLIO_JWT_SECRET";
    let path = data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_LEN {
            return Ok(Secret::new(existing));
        }
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| ConfigError::new(VAR, format!("unset, and cannot create {}: {e}", data_dir.display())))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError::new(VAR, format!("unset, and no randomness: {e}")))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)
        .map_err(|e| ConfigError::new(VAR, format!("unset, and cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        "FOLIO_JWT_SECRET is not set: generated a random secret and stored it; set the variable to manage it yourself"
    );
    Ok(Secret::new(secret))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Each test names its own data folder: tests run in parallel.
    fn config_in(folder: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("folio-config-{}-{folder}", std::process::id()));
        let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("FOLIO_DATA_DIR".into()).or_insert_with(|| dir.display().to_string());
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn durations_need_a_unit_and_a_positive_value() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("60").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn booleans_accept_common_spellings_only() {
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert_eq!(parse_bool("off"), Ok(false));
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn defaults_are_sane() {
        let config = config_in("defaults", &[]).unwrap();
        assert!(config.db.url.starts_with("sqlite://"));
        assert!(config.db.url.ends_with("folio.db?mode=rwc"));
        assert_eq!(config.auth.token_ttl, Duration::from_secs(86_400));
        assert!(config.auth.allow_signup && config.portfolio.seed_demo && !config.http.secure_cookies);
        assert!(config.market.finnhub_api_key.is_none());
        assert_eq!(config.http.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!((config.market.calls_per_second, config.market.calls_per_minute), (30, 60));
        assert_eq!(config.market.quote_ttl, Duration::from_secs(60));
        assert_eq!(config.market.profile_ttl, Duration::from_secs(86_400));
        assert_eq!(config.market.finnhub_timeout, Duration::from_secs(10));
        assert_eq!(config.market.benchmark.as_str(), "SPY");
        assert_eq!(config.portfolio.annualise_min_days, 60);
        // Metrics are off, not public, unless asked for.
        let ops = &config.ops;
        assert!(ops.metrics_addr.is_none() && ops.metrics_token.is_none() && !ops.metrics_enabled());
        assert!(ops.shutdown_drain.is_none());
        // Reading the configuration creates nothing; startup does, and the
        // generated secret is stored and reused.
        assert!(!config.data_dir.exists(), "parsing created {}", config.data_dir.display());
        config.db.create_folder().unwrap();
        assert!(config.data_dir.is_dir(), "the SQLite file's folder is created at startup");
        let secret = config.session_secret().unwrap();
        assert!(config.data_dir.join("jwt_secret").exists());
        let again = config_in("defaults", &[]).unwrap().session_secret().unwrap();
        assert_eq!(secret.expose(), again.expose());
        assert!(secret.expose().len() >= MIN_SECRET_LEN);
        let _ = std::fs::remove_dir_all(&config.data_dir);
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_TOKEN_TTL", "tomorrow"),
            ("FOLIO_ALLOW_SIGNUP", "perhaps"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("FOLIO_JWT_SECRET", "short"),
            ("FINNHUB_BASE_URL", "ftp://x"),
            ("FOLIO_BCRYPT_COST", "99"),
            ("FINNHUB_CALLS_PER_SECOND", "31"),
            ("FINNHUB_CALLS_PER_MINUTE", "0"),
            ("FOLIO_QUOTE_TTL", "1"),
            ("FOLIO_BENCHMARK", "S&P"),
            ("FOLIO_RISK_FREE_RATE", "4.5%"),
            ("FOLIO_CORS_ORIGINS", "example.com"),
            ("FOLIO_CORS_ORIGINS", "http://"),
            ("FOLIO_CORS_ORIGINS", "https://a.example/path"),
            ("FOLIO_METRICS_ADDR", "9464"),
            ("FOLIO_METRICS_TOKEN", "short"),
            ("FOLIO_METRICS_TOKEN", "has a space in it somewhere"),
            ("FOLIO_LOG_FORMAT", "yaml"),
            ("FOLIO_SHUTDOWN_DRAIN", "5"),
            ("FOLIO_ANNUALISE_MIN_DAYS", "0"),
        ] {
            let err = config_in(var, &[(var, value)]).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(normalise_database_url("sqlite://x.db").unwrap(), "sqlite://x.db?mode=rwc");
        assert_eq!(normalise_database_url("sqlite://x.db?a=b").unwrap(), "sqlite://x.db?a=b&mode=rwc");
        assert_eq!(normalise_database_url("sqlite://x.db?mode=ro").unwrap(), "sqlite://x.db?mode=ro");
        let file = crate::server::db::sqlite_file("sqlite://data/my%20f.db?mode=rwc");
        assert_eq!(file.as_deref(), Some(Path::new("data/my f.db")));
        let odd = Path::new("/tmp/a %25b?#c.db");
        assert_eq!(
            crate::server::db::sqlite_file(&crate::server::db::sqlite_url(odd, "mode=ro")).as_deref(),
            Some(odd)
        );
    }

    #[test]
    fn secrets_are_not_printed() {
        let config = config_in("secret", &[("FOLIO_JWT_SECRET", "0123456789abcdef0123456789abcdef-secret")]).unwrap();
        assert!(!format!("{config:?}").contains("0123456789abcdef"));
    }
}
