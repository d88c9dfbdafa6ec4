//! `/api/activities`: the ledger itself — list, read, add, change and delete
//! activities, import a CSV file (with a dry run) and export one. Decimals are
//! exact here: sent back as strings, accepted as strings or JSON numbers.

use super::errors::{BadBody, Unauthorized, WriteErrors};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::schema::Envelope;
use super::success;
use crate::model::{Activity, ActivityKind};
use crate::server::auth::extractor::AuthUser;
use crate::server::error::{AppError, ErrorDetail, ErrorEnvelope, ErrorStatus};
use crate::server::portfolio::activities::{self, csv as ledger_csv, draft::Draft, import};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

/// Largest CSV file accepted.
pub const MAX_IMPORT_BYTES: usize = import::MAX_FILE_BYTES;
/// Items listed per section of an import report (the counts are always complete).
const REPORT_ITEMS: usize = 1000;

/// An activity as stored. Decimals are strings, exactly as entered.
#[derive(Serialize, ToSchema)]
pub struct ActivityData {
    pub id: i64,
    #[schema(value_type = ActivityKind)]
    pub kind: &'static str,
    #[schema(format = Date)]
    pub date: String,
    pub symbol: Option<String>,
    /// Buys and sells: shares.
    #[schema(example = "10")]
    pub quantity: Option<String>,
    /// Buys and sells: price per share.
    pub price: Option<String>,
    /// Deposits, withdrawals, dividends and fees: the cash amount.
    pub amount: Option<String>,
    /// Commission or charge, 0 when none.
    pub fee: String,
    pub note: String,
    /// Splits: every `denominator` shares became `numerator` shares.
    #[schema(example = json!(null))]
    pub numerator: Option<String>,
    /// Splits: see `numerator`.
    #[schema(example = json!(null))]
    pub denominator: Option<String>,
}

impl From<&Activity> for ActivityData {
    fn from(a: &Activity) -> Self {
        let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
        Self {
            id: a.id,
            kind: a.kind.as_str(),
            date: a.date.to_string(),
            symbol: a.symbol.as_ref().map(|s| s.to_string()),
            quantity: text(a.quantity),
            price: text(a.price),
            amount: text(a.amount),
            fee: a.fee.normalize().to_string(),
            note: a.note.clone(),
            numerator: a.ratio.map(|r| r.numerator.normalize().to_string()),
            denominator: a.ratio.map(|r| r.denominator.normalize().to_string()),
        }
    }
}

fn decimal_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Number, Type::Null]))
        .description(Some("A decimal as a JSON number or a string (`\"1,234.50\"` and `\"$12\"` are read too)."))
}

/// A new or changed activity. Buys and sells need `symbol`, `quantity` and `price`;
/// deposits, withdrawals and fees need `amount`; dividends `amount` and `symbol`;
/// splits `symbol`, `numerator` and `denominator` (10 and 1 for a 10-for-1 split).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    #[schema(value_type = ActivityKind)]
    kind: Option<Value>,
    /// YYYY-MM-DD, not in the future.
    #[schema(value_type = String, example = "2026-03-02")]
    date: Option<Value>,
    #[schema(value_type = Option<String>, example = "AAPL")]
    symbol: Option<Value>,
    #[schema(schema_with = decimal_schema)]
    quantity: Option<Value>,
    #[schema(schema_with = decimal_schema)]
    price: Option<Value>,
    #[schema(schema_with = decimal_schema)]
    amount: Option<Value>,
    #[schema(schema_with = decimal_schema)]
    fee: Option<Value>,
    #[schema(value_type = Option<String>)]
    note: Option<Value>,
    /// Splits: every `denominator` shares held become `numerator` shares.
    #[schema(schema_with = decimal_schema)]
    numerator: Option<Value>,
    /// Splits: see `numerator`.
    #[schema(schema_with = decimal_schema)]
    denominator: Option<Value>,
}

fn text(field: &'static str, value: Option<Value>, numbers: bool) -> Result<Option<String>, AppError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) if numbers => Ok(Some(n.to_string())),
        Some(_) => Err(AppError::validation(
            "invalid_field",
            if numbers {
                format!("`{field}` must be a number or a string.")
            } else {
                format!("`{field}` must be a string.")
            },
        )),
    }
}

impl TryFrom<ActivityInput> for Draft {
    type Error = AppError;

    fn try_from(body: ActivityInput) -> Result<Self, AppError> {
        Ok(Draft {
            kind: text("kind", body.kind, false)?,
            date: text("date", body.date, false)?,
            symbol: text("symbol", body.symbol, false)?,
            quantity: text("quantity", body.quantity, true)?,
            price: text("price", body.price, true)?,
            amount: text("amount", body.amount, true)?,
            fee: text("fee", body.fee, true)?,
            note: text("note", body.note, false)?,
            numerator: text("numerator", body.numerator, true)?,
            denominator: text("denominator", body.denominator, true)?,
        })
    }
}

/// A split the market reported that the ledger lacks.
#[derive(Serialize, ToSchema)]
pub struct SplitSuggestionData {
    #[schema(example = "NVDA")]
    pub symbol: String,
    /// The day the split took effect (the first day in new shares).
    #[schema(format = Date, example = "2024-06-10")]
    pub date: String,
    /// Every `denominator` shares became `numerator` shares.
    #[schema(example = "10")]
    pub numerator: String,
    #[schema(example = "1")]
    pub denominator: String,
    /// "NVDA split 10:1 on 2024-06-10".
    pub message: String,
}

/// List splits missing from the ledger.
///
/// Splits the history source reported for symbols held the day before them, which
/// the ledger has no `split` activity for (within a few days). Add one by posting
/// a `split` activity with these fields; nothing is ever applied by itself.
#[utoipa::path(get, path = "/api/activities/split-suggestions", tag = "activities",
    responses((status = 200, body = Envelope<Vec<SplitSuggestionData>>), Unauthorized))]
pub async fn split_suggestions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Envelope<Vec<SplitSuggestionData>>>, AppError> {
    let all = activities::list(&state, user.id).await?;
    let suggestions = crate::server::portfolio::backfill::split_suggestions(&state, &all);
    Ok(success(
        suggestions
            .into_iter()
            .map(|s| SplitSuggestionData {
                symbol: s.symbol.to_string(),
                date: s.date.to_string(),
                numerator: s.ratio.numerator.normalize().to_string(),
                denominator: s.ratio.denominator.normalize().to_string(),
                message: s.message(),
            })
            .collect(),
    ))
}

/// List activities.
///
/// Every activity of the ledger, newest first: deposits, withdrawals, buys, sells,
/// dividends and fees, with decimals as the exact strings entered.
#[utoipa::path(get, path = "/api/activities", tag = "activities",
    responses((status = 200, body = Envelope<Vec<ActivityData>>), Unauthorized))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Envelope<Vec<ActivityData>>>, AppError> {
    let all = activities::list(&state, user.id).await?;
    Ok(success(all.iter().map(ActivityData::from).collect()))
}

/// Read an activity.
///
/// One activity of the signed-in user's ledger, by id; another user's activity is a
/// 404, as if it did not exist.
#[utoipa::path(get, path = "/api/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = Envelope<ActivityData>), Unauthorized,
        (status = 400, description = "Not an activity id.", body = ErrorEnvelope),
        (status = 404, description = "No such activity of yours.", body = ErrorEnvelope)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Envelope<ActivityData>>, AppError> {
    Ok(success(ActivityData::from(&activities::get(&state, user.id, id).await?)))
}

/// Add an activity.
///
/// The activity is checked against the whole ledger: a sell of shares not held
/// then, or a withdrawal or buy without the cash, is refused with the rule's code
/// (`oversell`, `overdraw`, ...) and nothing changes.
#[utoipa::path(post, path = "/api/activities", tag = "activities", request_body = ActivityInput,
    responses((status = 201, body = Envelope<ActivityData>), Unauthorized, BadBody, WriteErrors))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<ActivityInput>,
) -> Result<(StatusCode, Json<Envelope<ActivityData>>), AppError> {
    let activity = activities::create(&state, user.id, &Draft::try_from(body)?).await?;
    Ok((StatusCode::CREATED, success(ActivityData::from(&activity))))
}

/// Change an activity.
///
/// Replaces every field of an activity, under the same checks as adding one: the
/// ledger with the changed activity must still hold, or nothing changes.
#[utoipa::path(put, path = "/api/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    request_body = ActivityInput,
    responses((status = 200, body = Envelope<ActivityData>), Unauthorized, BadBody,
        (status = 404, description = "No such activity of yours.", body = ErrorEnvelope), WriteErrors))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ActivityInput>,
) -> Result<Json<Envelope<ActivityData>>, AppError> {
    let activity = activities::update(&state, user.id, id, &Draft::try_from(body)?).await?;
    Ok(success(ActivityData::from(&activity)))
}

/// Delete an activity.
///
/// Removes an activity unless the ledger without it breaks a rule (deleting a
/// deposit that later buys spent is refused with `overdraw`); answers with the
/// activity as it was.
#[utoipa::path(delete, path = "/api/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, description = "The deleted activity.", body = Envelope<ActivityData>), Unauthorized,
        (status = 400, description = "Not an activity id.", body = ErrorEnvelope),
        (status = 404, description = "No such activity of yours.", body = ErrorEnvelope),
        (status = 422, description = "The ledger without it breaks a rule.", body = ErrorEnvelope), WriteErrors))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Envelope<ActivityData>>, AppError> {
    let removed = activities::delete(&state, user.id, id).await?;
    Ok(success(ActivityData::from(&removed)))
}

/// Export the ledger as CSV.
///
/// Every activity, oldest first, in the format `POST /api/activities/import` reads:
/// a header row and one row per activity. Sent as a download
/// (`Content-Disposition: attachment`).
#[utoipa::path(get, path = "/api/activities/export", tag = "activities", operation_id = "export_activities",
    responses((status = 200, description = "CSV: date,kind,symbol,quantity,price,amount,fee,note",
        content_type = "text/csv", body = String), Unauthorized))]
pub async fn export(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Response, AppError> {
    let mut all = activities::list(&state, user.id).await?;
    all.reverse();
    let bytes = ledger_csv::write(&all).map_err(|e| AppError::internal("csv export", e))?;
    let filename = format!("folio-activities-{}.csv", state.clock.today());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` (the default) only reports; `false` writes.
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
}

/// A row of the file that would be (or was) added, or is a duplicate.
#[derive(Serialize, ToSchema)]
pub struct ImportRow {
    pub line: usize,
    pub activity: ActivityData,
    /// Duplicates: the stored activity it matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportProblem {
    /// The file's line (the header is line 1); 0 for a problem with the ledger as a whole.
    pub line: usize,
    pub field: Option<&'static str>,
    pub code: &'static str,
    pub message: String,
}

/// What an import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the new rows were stored.
    pub written: bool,
    /// Data rows read (blank lines skipped).
    pub rows: usize,
    pub new_count: usize,
    pub duplicate_count: usize,
    pub error_count: usize,
    /// The first 1000 of each list; the counts are complete.
    pub new: Vec<ImportRow>,
    pub duplicates: Vec<ImportRow>,
    pub errors: Vec<ImportProblem>,
}

impl ImportReport {
    fn new(outcome: import::Outcome, dry_run: bool) -> Self {
        let listing = outcome.listing(REPORT_ITEMS);
        Self {
            dry_run,
            written: outcome.written,
            rows: listing.rows,
            new_count: listing.new_count,
            duplicate_count: listing.duplicate_count,
            error_count: listing.error_count,
            new: listing
                .new
                .iter()
                .map(|(line, a)| ImportRow { line: *line, activity: a.into(), existing_id: None })
                .collect(),
            duplicates: listing
                .duplicates
                .iter()
                .map(|(line, a, id)| ImportRow { line: *line, activity: a.into(), existing_id: Some(*id) })
                .collect(),
            errors: listing
                .errors
                .iter()
                .map(|e| ImportProblem { line: e.line, field: e.field, code: e.code, message: e.message.clone() })
                .collect(),
        }
    }
}

/// The error envelope of an import; when rows are bad (`import_rejected`) it
/// carries the report too.
#[derive(Serialize, ToSchema)]
pub struct ImportRejected {
    pub status: ErrorStatus,
    pub error: ErrorDetail,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ImportReport>,
}

/// The multipart body of an import.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the multipart form; the handler reads it field by field")]
pub struct ImportForm {
    /// The CSV file: a header row (date, kind, symbol, quantity, price, amount,
    /// fee, note, numerator, denominator, in any order and case) and at most
    /// 50,000 rows, 5 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Import activities from a CSV file.
///
/// The file is sent as `multipart/form-data`, field `file`. With `dry_run=true` (the default) nothing is written: the report lists what
/// would be added, what duplicates a stored activity (same date, kind, symbol,
/// quantity, price, and amount for cash kinds) and every bad row with its line and
/// reason. With `dry_run=false` the new rows are written in one transaction; if any
/// row is bad, nothing is written and the answer is 422 with the report.
#[utoipa::path(post, path = "/api/activities/import", tag = "activities", operation_id = "import_activities",
    params(ImportQuery),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Envelope<ImportReport>), Unauthorized,
        (status = 400, description = "Not a multipart body, no `file` field, or an empty file.", body = ErrorEnvelope),
        (status = 413, description = "Larger than 5 MB.", body = ErrorEnvelope),
        (status = 422, description = "The file cannot be read (`invalid_encoding`, `unknown_column`, \
            `too_many_rows`, ...), `dry_run` is not true or false, or (`import_rejected`) rows are bad; \
            the last comes with the report.", body = ImportRejected), WriteErrors))]
pub async fn import(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ImportQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let dry_run = match query.dry_run.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(AppError::validation("invalid_parameter", "`dry_run` must be true or false.")),
    };
    let bytes = crate::server::upload::read_file(multipart).await?.bytes;
    match import::run(&state, user.id, &bytes, dry_run).await {
        Ok(outcome) => Ok(success(ImportReport::new(outcome, dry_run)).into_response()),
        Err((err, None)) => Err(err),
        Err((err, Some(outcome))) => {
            let body = ImportRejected {
                status: ErrorStatus::Error,
                error: ErrorDetail { code: err.code.to_string(), message: err.message },
                report: Some(ImportReport::new(outcome, dry_run)),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}
