//! The browser's ledger edits as plain HTML form posts (post/redirect/get), so
//! adding, changing and deleting activities works with JavaScript off. Success
//! goes to `/trades` with a notice; a refused write goes back to the form with the
//! rule's code and the values typed, so nothing is lost.

use super::sign_in_first;
use crate::server::auth::extractor::MaybeUser;
use crate::server::doors::{Access, Doors, Kind};
use crate::server::portfolio::activities::{self, draft::Draft};
use crate::server::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub fn doors() -> Doors {
    use Access::Member;
    Doors::new(Kind::Form).post("/activities", Member, create).post("/activities/{id}", Member, update).post(
        "/activities/{id}/delete",
        Member,
        delete,
    )
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
    #[serde(default)]
    numerator: String,
    #[serde(default)]
    denominator: String,
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
            numerator: field(&self.numerator),
            denominator: field(&self.denominator),
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
            ("numerator", clip(&self.numerator)),
            ("denominator", clip(&self.denominator)),
        ])
        .unwrap_or_default();
        Redirect::to(&format!("{page}?{query}")).into_response()
    }
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
