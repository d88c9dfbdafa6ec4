//! A person's account as one portable file: JSON, versioned, with the whole
//! ledger (every field of every activity, decimals as exact strings, oldest first).
//! It is how someone takes their records to another Folio, on SQLite or
//! PostgreSQL, and the per-person counterpart of `folio backup`.
//!
//! Importing is all or nothing: every activity is checked as if typed (the same
//! [`Draft`] rules), the ledger it forms must hold (no oversell, no overdraw), and
//! it goes in in one transaction. A person whose ledger is not empty is refused
//! unless they ask to replace it, in which case the old ledger goes in the same
//! transaction. Symbols are not checked against the market data: they were
//! accepted by the Folio that wrote the file, and a ledger of hundreds of symbols
//! would spend the upstream budget for nothing.
//!
//! Folio keeps no other per-person settings on the server yet (the theme is a
//! browser cookie), and imported prices do not exist yet; both join the file, with
//! a new `version`, when they do.

use super::draft::Draft;
use super::{after_change, begin, commit, latest_date};
use crate::model::{Activity, CurrentUser};
use crate::server::error::AppError;
use crate::server::portfolio::ledger::{Ledger, Rules};
use crate::server::portfolio::repo;
use crate::server::state::AppState;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What `format` says in every account file.
pub const FORMAT: &str = "folio-account";
/// The version this Folio writes and reads.
pub const VERSION: u64 = 1;
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
    /// The file format's version (1). A newer version is refused, not guessed at.
    #[schema(example = 1)]
    pub version: u64,
    /// When it was written (RFC 3339, UTC).
    #[schema(example = "2026-11-28T21:00:00Z")]
    pub exported_at: String,
    /// Whose account it was. An import always goes to the signed-in person.
    pub username: String,
    /// Every activity, oldest first (a day's activities in the order entered).
    pub activities: Vec<AccountActivity>,
}

/// One activity; decimals are strings, exactly as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountActivity {
    /// deposit, withdrawal, buy, sell, dividend or fee.
    #[schema(example = "buy")]
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
            "This is not a Folio account file (its `format` is not `folio-account`).",
        )
    };
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::validation("invalid_account_file", format!("The file is not valid JSON: {e}.")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours());
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(VERSION) => {}
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
    let file: AccountFile = serde_json::from_value(value)
        .map_err(|e| AppError::validation("invalid_account_file", format!("The file cannot be read: {e}.")))?;
    if file.activities.len() > MAX_ACTIVITIES {
        return Err(AppError::validation(
            "too_many_activities",
            format!(
                "The file has {} activities; at most {MAX_ACTIVITIES} are imported at once.",
                file.activities.len()
            ),
        ));
    }
    Ok(file)
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
    Ledger::replay(&ledger, Rules::default()).map_err(|err| {
        let number = usize::try_from(err.activity_id).ok().filter(|n| (1..=file.activities.len()).contains(n));
        let place = number.map(|n| format!("Activity {n} ({}): ", file.activities[n - 1].date)).unwrap_or_default();
        Refused { error: AppError::validation(err.code, format!("{place}{}", err.message)), activity: number }
    })?;
    if !existing.is_empty() {
        sqlx::query("DELETE FROM activities WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    }
    repo::insert_activities(&mut tx, user_id, &ledger).await?;
    commit(tx, user_id, chrono::NaiveDate::MIN).await?;
    after_change(state, user_id).await;
    Ok(Imported { activities: ledger.len(), replaced: existing.len() })
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
        let mut newer = file(2);
        newer["settings"] = serde_json::json!({"theme": "dark"});
        assert_eq!(code(newer.to_string().as_bytes()), "unsupported_version");
        let mut extra = file(1);
        extra["activities"][0]["colour"] = "red".into();
        assert_eq!(code(extra.to_string().as_bytes()), "invalid_account_file");
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
