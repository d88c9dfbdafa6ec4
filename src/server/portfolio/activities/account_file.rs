//! A person's account as one portable file: JSON, versioned, with the whole
//! ledger (every field of every activity, decimals as exact strings, oldest first).
//! It is how someone takes their records to another Folio, on SQLite or
//! PostgreSQL, and the per-person counterpart of `folio backup`.
//!
//! Importing is all or nothing: every activity is checked as if typed (the same
//! [`Draft`] rules), the ledger it forms must hold (no oversell, no overdraw), and
//! it goes in in one transaction. A person whose ledger is not empty is refused
//! unless they ask to replace it, in which case the old ledger goes in the same
//! transaction. Symbols new to the person are checked against the market data as
//! a CSV import checks them, within their share of upstream calls. One import runs
//! at a time, and the list is read no further than its limit.
//!
//! Version 2 added the person's imported daily closes (`prices`, from a prices
//! file), which go in with the ledger, in the same transaction. Version 1 files
//! (no prices) are still read. Folio keeps no other per-person settings on the
//! server yet (the theme is a browser cookie); they join the file when it does.

use super::draft::Draft;
use super::{after_change, begin, commit, latest_date};
use crate::model::{Activity, ActivityKind, CurrentUser};
use crate::server::error::AppError;
use crate::server::portfolio::engine::ledger::{Ledger, Rules};
use crate::server::portfolio::repo;
use crate::server::state::AppState;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What `format` says in every account file.
pub const FORMAT: &str = "folio-account";
/// The version this Folio writes (it reads this one and every earlier one).
pub const VERSION: u64 = 2;
/// Largest file accepted (a 50,000-activity ledger is about 8 MB).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Most activities in one file.
pub const MAX_ACTIVITIES: usize = 200_000;

/// A Folio account file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountFile {
    /// Always `folio-account`.
    #[schema(example = "folio-account")]
    pub format: String,
    /// The file format's version (2; 1 had no `prices`). A newer version is
    /// refused, not guessed at.
    #[schema(example = 2)]
    pub version: u64,
    /// When it was written (RFC 3339, UTC).
    #[schema(example = "2026-11-28T21:00:00Z")]
    pub exported_at: String,
    /// Whose account it was. An import always goes to the signed-in person.
    pub username: String,
    /// Every activity, oldest first (a day's activities in the order entered);
    /// at most 200,000.
    #[serde(deserialize_with = "at_most_max_activities")]
    pub activities: Vec<AccountActivity>,
    /// The person's own daily closes (imported from prices files), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<AccountPrice>,
}

/// One imported daily close, as traded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPrice {
    #[schema(format = Date, example = "2024-06-07")]
    pub date: String,
    #[schema(example = "NVDA")]
    pub symbol: String,
    #[schema(example = "1208.88")]
    pub close: String,
}

/// What a list longer than [`MAX_ACTIVITIES`] fails with (read back by [`read`]).
const TOO_MANY: &str = "more activities than one import takes";

/// Reads the list and stops at the limit, so a large file of tiny entries never
/// becomes a large allocation.
fn at_most_max_activities<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AccountActivity>, D::Error> {
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<AccountActivity>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_ACTIVITIES} activities")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut activities = Vec::new();
            while let Some(activity) = seq.next_element()? {
                if activities.len() == MAX_ACTIVITIES {
                    return Err(serde::de::Error::custom(TOO_MANY));
                }
                activities.push(activity);
            }
            Ok(activities)
        }
    }
    d.deserialize_seq(Bounded)
}

/// Only what says which file this is: read first, without keeping the rest.
#[derive(Deserialize)]
struct Head {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// One activity; decimals are strings, exactly as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountActivity {
    #[schema(value_type = ActivityKind)]
    pub kind: String,
    #[schema(format = Date, example = "2026-03-02")]
    pub date: String,
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub quantity: Option<String>,
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub fee: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Splits: every `denominator` shares became `numerator` shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<String>,
    /// Splits: see `numerator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
}

impl From<&Activity> for AccountActivity {
    fn from(a: &Activity) -> Self {
        let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
        Self {
            kind: a.kind.as_str().to_string(),
            date: a.date.to_string(),
            symbol: a.symbol.as_ref().map(|s| s.to_string()),
            quantity: text(a.quantity),
            price: text(a.price),
            amount: text(a.amount),
            fee: Some(a.fee.normalize().to_string()),
            note: Some(a.note.clone()).filter(|n| !n.is_empty()),
            numerator: a.ratio.map(|r| r.numerator.normalize().to_string()),
            denominator: a.ratio.map(|r| r.denominator.normalize().to_string()),
        }
    }
}

impl AccountActivity {
    fn draft(&self) -> Draft {
        Draft {
            kind: Some(self.kind.clone()),
            date: Some(self.date.clone()),
            symbol: self.symbol.clone(),
            quantity: self.quantity.clone(),
            price: self.price.clone(),
            amount: self.amount.clone(),
            fee: self.fee.clone(),
            note: self.note.clone(),
            numerator: self.numerator.clone(),
            denominator: self.denominator.clone(),
        }
    }
}

/// The signed-in person's account file.
pub async fn export(state: &AppState, user: &CurrentUser) -> Result<AccountFile, AppError> {
    let mut all = super::list(state, user.id).await?;
    all.reverse();
    Ok(AccountFile {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: state.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        username: user.username.clone(),
        activities: all.iter().map(AccountActivity::from).collect(),
        prices: crate::server::market::history::store::user_closes(&state.db, user.id)
            .await?
            .into_iter()
            .map(|(symbol, date, close)| AccountPrice {
                date: date.to_string(),
                symbol: symbol.to_string(),
                close: close.normalize().to_string(),
            })
            .collect(),
    })
}

/// The file name a download gets.
pub fn file_name(file: &AccountFile, state: &AppState) -> String {
    let safe: String = file
        .username
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    format!("folio-account-{safe}-{}.json", state.clock.today())
}

/// Reads a file's bytes: the format and version are checked before the rest, so
/// a file from a newer Folio says so instead of failing on a field it added.
pub fn read(bytes: &[u8]) -> Result<AccountFile, AppError> {
    let not_ours = || {
        AppError::validation(
            "not_an_account_file",
            "This is not a Folio account file (its “format” is not “folio-account”).",
        )
    };
    let head: Head = serde_json::from_slice(bytes)
        .map_err(|e| AppError::validation("invalid_account_file", format!("The file is not valid JSON: {e}.")))?;
    if head.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours());
    }
    match head.version.as_ref().and_then(|v| v.as_u64()) {
        Some(1..=VERSION) => {}
        Some(newer) if newer > VERSION => {
            return Err(AppError::validation(
                "unsupported_version",
                format!(
                    "The file was written by a newer Folio (format version {newer}; this one reads {VERSION}). Import it there, or upgrade."
                ),
            ));
        }
        _ => return Err(not_ours()),
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().contains(TOO_MANY) {
            AppError::validation(
                "too_many_activities",
                format!("The file has more than {MAX_ACTIVITIES} activities; that many are imported at once at most."),
            )
        } else {
            AppError::validation("invalid_account_file", format!("The file cannot be read: {e}."))
        }
    })
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imported {
    pub activities: usize,
    /// Activities of the old ledger that were replaced (0 when it was empty).
    pub replaced: usize,
}

/// Why an import did not happen, and (for a bad activity) which one, counting from 1.
#[derive(Debug)]
pub struct Refused {
    pub error: AppError,
    pub activity: Option<usize>,
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused { error, activity: None }
    }
}

impl From<sqlx::Error> for Refused {
    fn from(error: sqlx::Error) -> Self {
        Refused { error: error.into(), activity: None }
    }
}

/// One account import at a time in this process: each may hold a 32 MB body and
/// 200,000 parsed activities, and replays them.
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Reads an account file's bytes and imports it (the API and the page both come here).
pub async fn import_bytes(state: &AppState, user_id: i64, bytes: &[u8], replace: bool) -> Result<Imported, Refused> {
    let _turn = ONE_AT_A_TIME.acquire().await.map_err(|_| AppError::internal("account import", "closed"))?;
    let file = read(bytes)?;
    import(state, user_id, &file, replace).await
}

/// Puts the file's ledger into `user_id`'s account, all or nothing.
pub async fn import(state: &AppState, user_id: i64, file: &AccountFile, replace: bool) -> Result<Imported, Refused> {
    let latest = latest_date(state);
    let mut ledger = Vec::with_capacity(file.activities.len());
    for (i, entry) in file.activities.iter().enumerate() {
        let mut activity = entry.draft().parse(latest).map_err(|e| Refused {
            error: AppError::validation(
                e.code,
                format!("Activity {} ({}, {}): {}", i + 1, entry.date, e.field, e.message),
            ),
            activity: Some(i + 1),
        })?;
        // Temporary ids in file order: within a day the ledger replays (and the
        // database stores) them in the order the file lists them.
        activity.id = i as i64 + 1;
        ledger.push(activity);
    }
    // The ledger stands on its own (it replaces the old one or fills an empty
    // one), so it is checked before the write lock is taken.
    Ledger::replay(&ledger, Rules::default()).map_err(|err| {
        let number = usize::try_from(err.activity_id).ok().filter(|n| (1..=file.activities.len()).contains(n));
        let place = number.map(|n| format!("Activity {n} ({}): ", file.activities[n - 1].date)).unwrap_or_default();
        Refused { error: AppError::validation(err.code, format!("{place}{}", err.message)), activity: number }
    })?;
    // Symbols new to this person are checked as a CSV import checks them (each
    // once, within their share of upstream calls).
    let mut refused =
        super::import::refused_symbols(state, user_id, ledger.iter().filter_map(|a| a.symbol.clone())).await?;
    if let Some((i, symbol)) = ledger
        .iter()
        .enumerate()
        .find_map(|(i, a)| a.symbol.as_ref().filter(|s| refused.contains_key(*s)).map(|s| (i, s)))
    {
        let err = refused.remove(symbol).expect("found above");
        let message = format!("Activity {} ({}): {}", i + 1, ledger[i].date, err.message);
        return Err(Refused { error: AppError { message, ..err }, activity: Some(i + 1) });
    }
    let prices = prices_of(file, latest)?;
    let (mut tx, existing) = begin(state, user_id).await?;
    if !existing.is_empty() && !replace {
        return Err(Refused::from(AppError::new(
            StatusCode::CONFLICT,
            "ledger_not_empty",
            format!(
                "Your ledger already has {} activities, so nothing was imported. Import with \"replace\" to put the file's ledger in its place.",
                existing.len()
            ),
        )));
    }
    if !existing.is_empty() {
        sqlx::query("DELETE FROM activities WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    }
    repo::insert_activities(&mut tx, user_id, &ledger).await?;
    let source = crate::server::market::history::prices_file::source_of(user_id);
    if replace {
        sqlx::query("DELETE FROM daily_closes WHERE source = $1").bind(&source).execute(&mut *tx).await?;
    }
    for (symbol, closes) in &prices {
        crate::server::market::history::store::save_closes(&mut tx, symbol, &source, closes).await?;
    }
    commit(tx, user_id, chrono::NaiveDate::MIN).await?;
    after_change(state, user_id).await;
    Ok(Imported { activities: ledger.len(), replaced: existing.len() })
}

/// The file's prices by symbol, each checked as a prices file's row is.
fn prices_of(
    file: &AccountFile,
    latest: chrono::NaiveDate,
) -> Result<std::collections::BTreeMap<crate::model::Symbol, Vec<(chrono::NaiveDate, rust_decimal::Decimal)>>, Refused>
{
    // Written as a prices file (quoted by the CSV writer), so each price is checked
    // by the very rules a prices file's row is.
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = std::iter::once(["date", "symbol", "close"].map(String::from))
        .chain(file.prices.iter().map(|p| [p.date.clone(), p.symbol.clone(), p.close.clone()]))
        .try_for_each(|row| writer.write_record(row));
    let csv = written
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .ok_or_else(|| Refused::from(AppError::validation("invalid_price", "The file's prices cannot be read.")))?;
    if file.prices.is_empty() {
        return Ok(Default::default());
    }
    let rows = crate::server::market::history::prices_file::parse(&csv, latest).map_err(|rows| {
        let first = &rows[0];
        Refused::from(AppError::validation(
            "invalid_price",
            format!("Price {} of the file: {}", first.line.saturating_sub(1), first.message),
        ))
    })?;
    Ok(crate::server::market::history::prices_file::by_symbol(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: u64) -> serde_json::Value {
        serde_json::json!({
            "format": "folio-account", "version": version, "exported_at": "2026-11-28T21:00:00Z", "username": "a",
            "activities": [{"kind": "deposit", "date": "2026-03-02", "amount": "100.50", "fee": "0"}]
        })
    }

    fn code(bytes: &[u8]) -> &'static str {
        read(bytes).unwrap_err().code
    }

    #[test]
    fn a_file_is_read_only_when_it_says_what_it_is() {
        let good = read(file(1).to_string().as_bytes()).unwrap();
        assert_eq!(good.activities[0].amount.as_deref(), Some("100.50"));
        assert_eq!(code(b"not json"), "invalid_account_file");
        assert_eq!(code(br#"{"format": "something-else", "version": 1}"#), "not_an_account_file");
        assert_eq!(code(br#"{"format": "folio-account"}"#), "not_an_account_file");
        // A newer file is named as such, even with fields this version does not know.
        let mut newer = file(3);
        newer["settings"] = serde_json::json!({"theme": "dark"});
        assert_eq!(code(newer.to_string().as_bytes()), "unsupported_version");
        let mut extra = file(1);
        extra["activities"][0]["colour"] = "red".into();
        assert_eq!(code(extra.to_string().as_bytes()), "invalid_account_file");
    }

    #[test]
    fn a_list_past_the_limit_is_refused_as_it_is_read() {
        let entry = r#"{"kind":"fee","date":"2026-03-02","amount":"1"}"#;
        let list = |n: usize| vec![entry; n].join(",");
        let head = r#"{"format":"folio-account","version":1,"exported_at":"","username":"a","activities":["#;
        let at_limit = format!("{head}{}]}}", list(MAX_ACTIVITIES));
        assert_eq!(read(at_limit.as_bytes()).unwrap().activities.len(), MAX_ACTIVITIES);
        let past = format!("{head}{}]}}", list(MAX_ACTIVITIES + 1));
        assert_eq!(code(past.as_bytes()), "too_many_activities");
    }

    #[test]
    fn an_activity_travels_with_every_field_exact() {
        let a = Activity {
            symbol: Some(crate::model::Symbol::parse("AAPL").unwrap()),
            quantity: Some("10.50000000".parse().unwrap()),
            price: Some("150.25".parse().unwrap()),
            fee: "1.5".parse().unwrap(),
            note: "ünïcode, \"quoted\"".into(),
            ..Activity::new(7, crate::model::ActivityKind::Buy, chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap())
        };
        let entry = AccountActivity::from(&a);
        assert_eq!((entry.quantity.as_deref(), entry.fee.as_deref()), (Some("10.5"), Some("1.5")));
        let back = entry.draft().parse(chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap()).unwrap();
        assert_eq!(back, Activity { id: back.id, ..a });
    }
}
