//! The browser's ledger edits as plain HTML form posts (post/redirect/get), so
//! adding, changing and deleting activities, and importing a CSV or an account
//! file, works with JavaScript off. Success goes to `/trades` with a notice; a
//! refused write goes back to the form with the rule's code and the values typed,
//! so nothing is lost.

use crate::server::auth::extractor::MaybeUser;
use crate::server::doors::{Access, Doors, Kind};
use crate::server::portfolio::activities::{self, account_file, draft::Draft};
use crate::server::state::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

pub fn doors() -> Doors {
    use Access::Member;
    let upload_limit = axum::extract::DefaultBodyLimit::max(activities::import::MAX_FILE_BYTES + 1024 * 1024);
    let account_limit = axum::extract::DefaultBodyLimit::max(account_file::MAX_FILE_BYTES + 1024 * 1024);
    Doors::new(Kind::Form)
        .post("/activities", Member, create)
        .post("/activities/{id}", Member, update)
        .post("/activities/{id}/delete", Member, delete)
        .on(Method::POST, "/import", Member, post(upload).layer(upload_limit))
        .post("/import/{token}", Member, confirm_import)
        .on(Method::POST, "/account/import", Member, post(import_account).layer(account_limit))
}

#[derive(Deserialize, Default)]
struct ActivityForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    note: String,
}

impl ActivityForm {
    fn draft(&self) -> Draft {
        let field = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
        Draft {
            kind: field(&self.kind),
            date: field(&self.date),
            symbol: field(&self.symbol),
            quantity: field(&self.quantity),
            price: field(&self.price),
            amount: field(&self.amount),
            fee: field(&self.fee),
            note: field(&self.note),
        }
    }

    /// Back to `page` with the error code and every value typed (each bounded).
    fn back_to(&self, page: &str, code: &str) -> Response {
        let clip = |v: &str| v.chars().take(500).collect::<String>();
        let query = serde_urlencoded::to_string([
            ("error", code.to_string()),
            ("kind", clip(&self.kind)),
            ("date", clip(&self.date)),
            ("symbol", clip(&self.symbol)),
            ("quantity", clip(&self.quantity)),
            ("price", clip(&self.price)),
            ("amount", clip(&self.amount)),
            ("fee", clip(&self.fee)),
            ("note", clip(&self.note)),
        ])
        .unwrap_or_default();
        Redirect::to(&format!("{page}?{query}")).into_response()
    }
}

fn sign_in_first() -> Response {
    Redirect::to("/login").into_response()
}

async fn create(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    form: Result<Form<ActivityForm>, FormRejection>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    let Ok(Form(form)) = form else { return ActivityForm::default().back_to("/activities/new", "bad_request") };
    match activities::create(&state, user.id, &form.draft()).await {
        Ok(a) => Redirect::to(&format!("/trades?notice=added&id={}", a.id)).into_response(),
        Err(err) => form.back_to("/activities/new", err.code),
    }
}

/// An activity id from the path; anything else goes back to the list.
fn activity_id(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

async fn update(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(raw): Path<String>,
    form: Result<Form<ActivityForm>, FormRejection>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    let Some(id) = activity_id(&raw) else { return Redirect::to("/trades").into_response() };
    let page = format!("/activities/{id}/edit");
    let Ok(Form(form)) = form else { return ActivityForm::default().back_to(&page, "bad_request") };
    match activities::update(&state, user.id, id, &form.draft()).await {
        Ok(a) => Redirect::to(&format!("/trades?notice=updated&id={}", a.id)).into_response(),
        Err(err) => form.back_to(&page, err.code),
    }
}

async fn delete(State(state): State<AppState>, MaybeUser(session): MaybeUser, Path(raw): Path<String>) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    let Some(id) = activity_id(&raw) else { return Redirect::to("/trades").into_response() };
    match activities::delete(&state, user.id, id).await {
        Ok(_) => Redirect::to("/trades?notice=deleted").into_response(),
        Err(err) => Redirect::to(&format!("/activities/{id}/delete?error={}", err.code)).into_response(),
    }
}

/// `/import`'s upload: keeps the file and shows its dry-run report.
async fn upload(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    match crate::server::upload::read_file(multipart).await {
        Ok(file) => match state.uploads.put(user.id, file.name, file.bytes) {
            Some(token) => Redirect::to(&format!("/import?review={token}")).into_response(),
            None => Redirect::to("/import?error=internal_error").into_response(),
        },
        // A body that is no form reads, to a person, as no file chosen.
        Err(err) if err.code == "invalid_body" => Redirect::to("/import?error=missing_file").into_response(),
        Err(err) => Redirect::to(&format!("/import?error={}", err.code)).into_response(),
    }
}

/// `/import`'s confirmation: imports the kept file, all or nothing.
async fn confirm_import(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    Path(token): Path<String>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    let Some((_, bytes)) = state.uploads.get(user.id, &token) else {
        return Redirect::to("/import?error=upload_expired").into_response();
    };
    match activities::import::run(&state, user.id, &bytes, false).await {
        Ok(outcome) => {
            state.uploads.remove(&token);
            Redirect::to(&format!("/trades?notice=imported&count={}", outcome.plan.new.len())).into_response()
        }
        Err((err, _)) => Redirect::to(&format!("/import?review={token}&error={}", err.code)).into_response(),
    }
}

/// `/import`'s account file: a whole ledger from another Folio, all or nothing.
/// Success goes to `/trades`; a refusal back to `/import` with its code (and,
/// for a bad activity, its number in the file).
async fn import_account(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    let back = |code: &str, activity: Option<usize>| {
        let at = activity.map(|n| format!("&at={n}")).unwrap_or_default();
        Redirect::to(&format!("/import?account_error={code}{at}")).into_response()
    };
    let too_large = "The account file is larger than 32 MB.";
    let form = match crate::server::upload::read_form(multipart, account_file::MAX_FILE_BYTES, too_large).await {
        Ok(form) => form,
        Err(err) if err.code == "invalid_body" => return back("missing_file", None),
        Err(err) => return back(err.code, None),
    };
    let replace = matches!(form.field("replace"), Some("on" | "true"));
    match account_file::import_bytes(&state, user.id, &form.file.bytes, replace).await {
        Ok(done) => Redirect::to(&format!("/trades?notice=account_imported&count={}", done.activities)).into_response(),
        Err(refused) => back(refused.error.code, refused.activity),
    }
}
