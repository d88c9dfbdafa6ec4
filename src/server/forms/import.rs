//! The browser's imports as plain form posts, so they work with JavaScript off: a
//! CSV of activities is uploaded, kept (`activities::uploads`) while the person
//! reads its dry-run report, then confirmed; an account file from another Folio is
//! imported in one step. Success goes to `/trades` with a notice, a refusal back to
//! `/import` with its code.

use super::sign_in_first;
use crate::server::auth::extractor::MaybeUser;
use crate::server::doors::{Access, Doors, Kind};
use crate::server::portfolio::activities::{self, account_file};
use crate::server::state::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

pub fn doors() -> Doors {
    use Access::Member;
    let upload_limit = axum::extract::DefaultBodyLimit::max(activities::import::MAX_FILE_BYTES + 1024 * 1024);
    let account_limit = axum::extract::DefaultBodyLimit::max(account_file::MAX_FILE_BYTES + 1024 * 1024);
    let prices_limit = axum::extract::DefaultBodyLimit::max(PRICES_MAX_BYTES + 1024 * 1024);
    Doors::new(Kind::Form)
        .on(Method::POST, "/import", Member, post(upload).layer(upload_limit))
        .post("/import/{token}", Member, confirm_import)
        .on(Method::POST, "/account/import", Member, post(import_account).layer(account_limit))
        .on(Method::POST, "/import/prices", Member, post(import_prices).layer(prices_limit))
}

/// `/import`'s upload: keeps the file and shows its dry-run report.
async fn upload(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(user) = session else { return sign_in_first() };
    match crate::server::upload::read_file(multipart).await {
        Ok(file) => match state.uploads.put(user.id, file.name, file.bytes).await {
            Ok(token) => Redirect::to(&format!("/import?review={token}")).into_response(),
            Err(err) => Redirect::to(&format!("/import?error={}", err.code)).into_response(),
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
    let bytes = match state.uploads.get(user.id, &token).await {
        Ok(Some((_, bytes))) => bytes,
        Ok(None) => return Redirect::to("/import?error=upload_expired").into_response(),
        Err(err) => return Redirect::to(&format!("/import?review={token}&error={}", err.code)).into_response(),
    };
    match activities::import::run(&state, user.id, &bytes, false).await {
        Ok(outcome) => {
            // A file left behind only waits for its expiry: imported again, every
            // row would be a duplicate.
            if let Err(err) = state.uploads.remove(user.id, &token).await {
                tracing::warn!(code = err.code, "an imported upload was not removed");
            }
            Redirect::to(&format!("/trades?notice=imported&count={}", outcome.plan.new.len())).into_response()
        }
        Err((err, _)) => Redirect::to(&format!("/import?review={token}&error={}", err.code)).into_response(),
    }
}

const PRICES_MAX_BYTES: usize = 8 * 1024 * 1024;

/// `/import`'s prices file: the person's own daily closes, all or nothing. Back to
/// `/import` either way: with the count imported, or the code, the number of bad
/// rows and the first one's line.
async fn import_prices(
    State(state): State<AppState>,
    MaybeUser(session): MaybeUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    use crate::server::market::history::prices_file::{self, PricesRefused};
    let Ok(user) = session else { return sign_in_first() };
    let back = |query: String| Redirect::to(&format!("/import?{query}")).into_response();
    let form = match crate::server::upload::read_form(multipart, PRICES_MAX_BYTES, "larger than 8 MB").await {
        Ok(form) => form,
        Err(err) if err.code == "invalid_body" => return back("prices_error=missing_file".into()),
        Err(err) => return back(format!("prices_error={}", err.code)),
    };
    match prices_file::import(&state, user.id, &form.file.bytes).await {
        Ok(done) => back(format!("prices={}", done.closes)),
        Err(PricesRefused::Rows(rows)) => {
            back(format!("prices_error=prices_rejected&count={}&line={}", rows.len(), rows[0].line))
        }
        Err(PricesRefused::Failed(err)) => back(format!("prices_error={}", err.code)),
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
