//! Starting an app for one test, with its own database, and small request helpers.

use folio::server::clock::Clock;
use folio::server::config::Config;
use folio::server::ops::logging::LogFormat;
use folio::server::{Running, spawn_with_clock};
use folio_fakes::finnhub::FakeFinnhub;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FAKE_KEY: &str = "fake-finnhub-key";
pub const TEST_SECRET: &str = "integration-test-secret-0123456789abcdef";
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const POSTGRES_ADDR: &str = "127.0.0.1:5432";
/// How to start PostgreSQL: the text `scripts/test-postgres.sh` prints too.
const POSTGRES_MISSING: &str = include_str!("../../scripts/postgres-missing.txt");

pub struct TestApp {
    pub base: String,
    /// The configuration it was started with (to start another on the same database).
    pub config: Config,
    pub running: Running,
    /// Does not follow redirects, so tests can inspect them.
    pub client: reqwest::Client,
    /// The database this app created (None for a second app on another's database).
    _db: Option<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.running.task.abort();
        self.running.background.iter().for_each(|job| job.abort());
    }
}

/// A unique name per test in this process.
fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A database that exists for one test and is removed afterwards.
pub enum TestDatabase {
    Sqlite(PathBuf),
    Postgres(String),
}

impl TestDatabase {
    /// An empty database on `engine` beside the suite's own (for a copy or a move).
    /// None when it would be on a PostgreSQL that does not answer and the person
    /// opted out of PostgreSQL (see [`postgres_verdict`]): the test skips that part,
    /// saying so on stderr.
    pub async fn empty(engine: folio::server::db::Backend) -> Option<(Self, String)> {
        if engine == folio::server::db::Backend::Postgres {
            match postgres_verdict(
                postgres_answers(),
                env_var("FOLIO_SKIP_POSTGRES"),
                env_var("FOLIO_REQUIRE_POSTGRES"),
            ) {
                Postgres::Answers => {}
                Postgres::Skip => {
                    let test = std::thread::current().name().unwrap_or("a test").to_string();
                    // Straight to stderr: the test harness keeps eprintln! output
                    // to itself unless the test fails.
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED (FOLIO_SKIP_POSTGRES=1): the PostgreSQL part of {test}: nothing answers on \
                         {POSTGRES_ADDR}"
                    );
                    return None;
                }
                Postgres::Missing => panic!("integration tests: {POSTGRES_MISSING}"),
            }
        }
        let data_dir = std::env::temp_dir().join(unique("folio-it-extra"));
        std::fs::create_dir_all(&data_dir).unwrap();
        let chosen = match engine {
            folio::server::db::Backend::Sqlite => "sqlite",
            folio::server::db::Backend::Postgres => "postgres",
        };
        let (db, url) = Self::create_on(Ok(chosen), &data_dir).await;
        // As the configuration would write it: SQLite may create the file.
        let url = if url.starts_with("sqlite:") { format!("{url}?mode=rwc") } else { url };
        Some((db, url))
    }

    async fn create(data_dir: &Path) -> (Self, String) {
        Self::create_on(std::env::var("FOLIO_TEST_DB").as_deref(), data_dir).await
    }

    async fn create_on(engine: Result<&str, &std::env::VarError>, data_dir: &Path) -> (Self, String) {
        match engine {
            Ok("postgres") => {
                // The PostgreSQL pass asked for it: no opting out here (the script
                // skips the whole pass when the person opted out).
                if !postgres_answers() {
                    panic!("integration tests: {POSTGRES_MISSING}");
                }
                let name = unique("folio_test");
                let admin = admin_pool().await;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create database");
                admin.close().await;
                (TestDatabase::Postgres(name.clone()), format!("postgres://postgres@127.0.0.1:5432/{name}"))
            }
            Ok("sqlite") | Err(_) => {
                let file = data_dir.join("folio.db");
                (TestDatabase::Sqlite(data_dir.to_path_buf()), format!("sqlite://{}", file.display()))
            }
            Ok(other) => panic!("FOLIO_TEST_DB must be sqlite or postgres, not {other}"),
        }
    }
}

async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(POSTGRES_ADMIN_URL).await.unwrap_or_else(|err| {
        panic!("integration tests: cannot sign in at {POSTGRES_ADMIN_URL}: {err}\n{POSTGRES_MISSING}")
    })
}

/// Whether PostgreSQL needs to answer for a test's part on it, and whether it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Postgres {
    Answers,
    /// It does not, and the person opted out: skip that part, saying so.
    Skip,
    /// It does not, and nobody opted out: fail, saying how to start it.
    Missing,
}

/// The rule `scripts/test-postgres.sh` follows: a missing server fails the run
/// unless `FOLIO_SKIP_POSTGRES=1`, which CI's `FOLIO_REQUIRE_POSTGRES=1` overrides.
fn postgres_verdict(answers: bool, skip: Option<String>, require: Option<String>) -> Postgres {
    match (answers, skip.as_deref() == Some("1"), require.as_deref() == Some("1")) {
        (true, _, _) => Postgres::Answers,
        (false, true, false) => Postgres::Skip,
        (false, _, _) => Postgres::Missing,
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Whether something accepts connections on PostgreSQL's address (as `pg_isready`
/// asks in the script); asked once per run.
fn postgres_answers() -> bool {
    static ANSWERS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ANSWERS.get_or_init(|| {
        let addr = POSTGRES_ADDR.parse().expect("an address");
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3)).is_ok()
    })
}

#[test]
fn postgres_is_skipped_only_when_the_person_opted_out_and_ci_does_not_require_it() {
    let v = |answers, skip: Option<&str>, require: Option<&str>| {
        postgres_verdict(answers, skip.map(str::to_string), require.map(str::to_string))
    };
    assert_eq!(v(true, None, None), Postgres::Answers);
    assert_eq!(v(true, Some("1"), None), Postgres::Answers, "an opt-out does not skip a server that answers");
    assert_eq!(v(false, None, None), Postgres::Missing);
    assert_eq!(v(false, Some("1"), None), Postgres::Skip);
    assert_eq!(v(false, Some("1"), Some("0")), Postgres::Skip);
    assert_eq!(v(false, Some("1"), Some("1")), Postgres::Missing, "CI's requirement wins");
    assert_eq!(v(false, None, Some("1")), Postgres::Missing);
    // Only exactly "1" opts out, as in the script.
    for not_one in ["0", "", "true", "yes"] {
        assert_eq!(v(false, Some(not_one), None), Postgres::Missing, "{not_one:?}");
    }
    assert!(POSTGRES_MISSING.contains("FOLIO_SKIP_POSTGRES=1 make test"), "{POSTGRES_MISSING}");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDatabase::Postgres(name) => {
                // Drop runs outside any runtime we may block: use a private one.
                let name = name.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    runtime.block_on(async {
                        let admin = admin_pool().await;
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
                    });
                })
                .join();
            }
        }
    }
}

/// Starts the app with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Everything the suite's apps log, at debug level, goes to one file per run under
/// `target/tmp/logs/`, which `scripts/check-logs.sh` searches for the run's secrets.
fn log_to_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("logs");
        std::fs::create_dir_all(&dir).unwrap();
        let engine = std::env::var("FOLIO_TEST_DB").unwrap_or_else(|_| "sqlite".into());
        let file = std::fs::File::create(dir.join(format!("integration-{engine}-{}.log", std::process::id()))).unwrap();
        // Connection-level chatter is left out; every line of Folio's own is kept.
        let directives = "debug,hyper=info,h2=info,rustls=info,sqlx=info";
        folio::server::ops::logging::install(LogFormat::Text, directives, std::sync::Mutex::new(file));
    });
}

/// Starts the app with some environment variables overridden.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_on_prepared(overrides, |_| async {}).await
}

/// Starts the app on a database that `prepare` has been given first (its URL), to
/// hold what an older version of Folio left there.
pub async fn spawn_app_on_prepared<F: std::future::Future<Output = ()>>(
    overrides: &[(&str, &str)],
    prepare: impl FnOnce(String) -> F,
) -> TestApp {
    log_to_file();
    let data_dir = std::env::temp_dir().join(unique("folio-it"));
    std::fs::create_dir_all(&data_dir).unwrap();
    let (db, url) = TestDatabase::create(&data_dir).await;
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", url.as_str()),
        ("FOLIO_DATA_DIR", data_dir.to_str().unwrap()),
        ("FOLIO_JWT_SECRET", TEST_SECRET),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ("FOLIO_BCRYPT_COST", "4"),
        // The static files from the source tree (the demo logos among them), so the
        // suite does not depend on a site built by an earlier `cargo leptos build`.
        ("LEPTOS_SITE_ROOT", concat!(env!("CARGO_MANIFEST_DIR"), "/public")),
        // Prices move only when a test moves them: the live stream (and the demo's
        // simulated trades) only where a test turns it on (tests/integration/live.rs).
        ("FINNHUB_STREAM", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        env.insert(k.to_string(), v.to_string());
    }
    let config = Config::from_lookup(|key| env.get(key).cloned()).expect("test config");
    prepare(config.db.url.clone()).await;
    // The app's days come from a clock held from the start: "today" in the code and
    // in a test's assertions is one day, even across midnight UTC.
    let clock = Clock::held_at(chrono::Utc::now());
    let running = spawn_with_clock(config.clone(), clock).await.expect("app starts");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { base: format!("http://{}", running.addr), config, running, client, _db: Some(db) }
}

/// Starts a fake Finnhub and the app pointed at it (1 s upstream timeout, and a
/// refresher that stays out of the way unless a test asks for it).
pub async fn spawn_app_with_fake(overrides: &[(&str, &str)]) -> (TestApp, FakeFinnhub) {
    let fake = FakeFinnhub::start(Some(FAKE_KEY)).await.expect("fake Finnhub starts");
    let app = spawn_app_on_fake(&fake, overrides).await;
    (app, fake)
}

/// [`spawn_app_with_fake`] on a fake the test has started (and set up) already.
pub async fn spawn_app_on_fake(fake: &FakeFinnhub, overrides: &[(&str, &str)]) -> TestApp {
    let base_url = fake.base_url();
    let history_url = format!("http://{}", fake.addr);
    let ws_url = fake.ws_url();
    let mut env = vec![
        ("FINNHUB_API_KEY", FAKE_KEY),
        ("FINNHUB_BASE_URL", base_url.as_str()),
        ("FINNHUB_TIMEOUT", "1s"),
        ("FOLIO_REFRESH_INTERVAL", "1h"),
        // History is fetched only by the tests about it (tests/integration/history.rs),
        // and from the fake, never from the internet.
        ("FOLIO_HISTORY_SOURCE", "none"),
        ("FOLIO_HISTORY_BASE_URL", history_url.as_str()),
        ("FINNHUB_WS_URL", ws_url.as_str()),
    ];
    env.extend_from_slice(overrides);
    let app = spawn_app_with(&env).await;
    // The refresher's first pass runs at once; wait (bounded) until it is over, so
    // it never races what the test does next (with the clock moved on, both would
    // refresh the same symbol).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.running.state.metrics.refresher_passes.get() == 0 {
        assert!(std::time::Instant::now() < deadline, "the refresher's first pass did not end in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    app
}

impl TestApp {
    /// Another instance already started on `first`'s database (which `first` owns).
    pub fn attach(running: Running, first: &TestApp) -> TestApp {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { base: format!("http://{}", running.addr), config: first.config.clone(), running, client, _db: None }
    }

    /// The app's today (its clock is held: see `spawn_app_with`).
    pub fn today(&self) -> chrono::NaiveDate {
        self.running.state.clock.today()
    }

    /// An instance on another database (`url`) with this app's settings and clock.
    pub async fn on_database(&self, url: &str) -> TestApp {
        let mut config = self.config.clone();
        config.db.url = url.to_string();
        let running = spawn_with_clock(config.clone(), self.running.state.clock.clone()).await.expect("app starts");
        let mut app = TestApp::attach(running, self);
        app.config = config;
        app
    }

    /// Another instance on this app's database and clock.
    pub async fn another_instance(&self) -> Running {
        spawn_with_clock(self.config.clone(), self.running.state.clock.clone()).await.expect("another instance starts")
    }

    /// [`TestApp::another_instance`], ready for requests: two instances behind one
    /// load balancer, as far as the database is concerned.
    pub async fn second_instance(&self) -> TestApp {
        TestApp::attach(self.another_instance().await, self)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/auth/login", &serde_json::json!({ "username": username, "password": password })).await
    }

    /// Signs in through the API and returns the bearer token.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200, "sign-in as {username}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// GET with the demo user's token.
    pub async fn get_as_demo(&self, path: &str) -> reqwest::Response {
        let token = self.token("demo", "demo123").await;
        self.get_with_token(path, &token).await
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }
}

/// Asserts the REST error envelope and returns its code.
pub async fn error_code(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["status"], "error", "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    body["error"]["code"].as_str().expect("an error code").to_string()
}

/// URL-safe base64 without padding, to forge tokens by hand.
pub fn b64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Signs a new user up through the API (password `long enough pw`) and returns the token.
pub async fn signup_token(app: &TestApp, name: &str) -> String {
    let signup = serde_json::json!({"username": name, "password": "long enough pw"});
    let body: Value = app.post_json("/api/auth/signup", &signup).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// The session cookie of a form sign-in.
pub async fn form_cookie(app: &TestApp, name: &str) -> String {
    let form = [("username", name), ("password", "long enough pw")];
    let login = app.client.post(app.url("/auth/login")).form(&form).send().await.unwrap();
    login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

/// Sends `csv` (as `file_name`) through the `/import` form as `cookie`'s owner, who
/// is then sent to review it; returns the kept upload's token.
pub async fn kept_upload(app: &TestApp, cookie: &str, csv: &str, file_name: &str) -> String {
    let file =
        reqwest::multipart::Part::text(csv.to_string()).file_name(file_name.to_string()).mime_str("text/csv").unwrap();
    let response = app
        .client
        .post(app.url("/import"))
        .header("origin", &app.base)
        .header("cookie", cookie)
        .multipart(reqwest::multipart::Form::new().part("file", file))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    location.strip_prefix("/import?review=").unwrap_or_else(|| panic!("a kept upload: {location}")).to_string()
}
