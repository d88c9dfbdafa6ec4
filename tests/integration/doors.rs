//! The sweep of every front door the router knows (`folio::server::doors`): the
//! REST API, the server functions, the form posts, the pages and the files. A
//! stranger is refused at every member's door and changes nothing; a member who
//! names another person's activity or upload finds nothing and changes nothing; a
//! member gets in by the session cookie (and, on the REST API, by a bearer token).
//! The list comes from the router's own construction, so a route added later is in
//! the sweep without anyone adding it here.

use crate::helpers::{TestApp, form_cookie, kept_upload, signup_token, spawn_app_with};
use crate::operations::METRICS_TOKEN;
use folio::server::auth::SESSION_COOKIE;
use folio::server::doors::{Access, Door, Kind, every_door};
use folio::server_fns::{
    GetActivity, GetActivityPage, GetAuthSettings, GetCurrentUser, GetDashboard, GetImportReview, GetQuoteHint,
    GetSymbolView, GetToday, SearchSymbols,
};
use leptos::server_fn::ServerFn;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The owner's things that the paths and arguments name.
struct Names {
    activity: i64,
    upload: String,
}

/// How a request identifies its sender.
#[derive(Clone, Copy)]
enum Who<'a> {
    Stranger,
    Cookie(&'a str),
    Bearer(&'a str),
}

const CSV: &str = "date,kind,amount,note\n2026-01-05,deposit,250,swept\n";

/// The arguments of each server function, as a form body. A server function added
/// later has none yet: the sweep stops and asks for one.
fn server_function_body(path: &str, names: &Names) -> String {
    let id = names.activity;
    let known: [(&str, String); 10] = [
        (GetDashboard::PATH, "range=ALL&view=Return".into()),
        (GetActivityPage::PATH, String::new()),
        (GetActivity::PATH, format!("id={id}")),
        (GetQuoteHint::PATH, "symbol=AAPL".into()),
        (GetToday::PATH, String::new()),
        (GetImportReview::PATH, format!("token={}", names.upload)),
        (SearchSymbols::PATH, "q=apple".into()),
        (GetCurrentUser::PATH, String::new()),
        (GetAuthSettings::PATH, String::new()),
        (GetSymbolView::PATH, "symbol=AAPL".into()),
    ];
    match known.into_iter().find(|(known, _)| *known == path) {
        Some((_, body)) => body,
        None => panic!("the server function {path} is new: give the sweep its arguments in server_function_body"),
    }
}

/// The door's path with the owner's names in it (and the query a search needs).
fn concrete(path: &str, names: &Names) -> String {
    if path == "/api/market/search" {
        return format!("{path}?q=apple");
    }
    path.replace("{id}", &names.activity.to_string())
        .replace("{token}", &names.upload)
        .replace("{symbol}", "AAPL")
        .replace("{name}", "AAPL.svg")
        .replace("{*rest}", "no/such/endpoint")
}

/// True for a door that names one of the owner's things.
fn names_something(door: &Door) -> bool {
    door.path.contains("{id}")
        || door.path.contains("{token}")
        || [GetActivity::PATH, GetImportReview::PATH].contains(&door.path.as_str())
}

/// A request a guard must stop: a write carries a body that would change the ledger.
async fn knock(app: &TestApp, door: &Door, names: &Names, who: Who<'_>) -> reqwest::Response {
    let url = app.url(&concrete(&door.path, names));
    let mut request = app.client.request(door.method.clone(), url).header("origin", &app.base);
    request = match who {
        Who::Stranger => request,
        Who::Cookie(token) => request.header("cookie", format!("{SESSION_COOKIE}={token}")),
        Who::Bearer(token) => request.bearer_auth(token),
    };
    let writes = door.method != Method::GET;
    request = match door.kind {
        Kind::ServerFunction => request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(server_function_body(&door.path, names)),
        Kind::Form if door.path == "/import" => {
            let file = reqwest::multipart::Part::text(CSV).file_name("ledger.csv").mime_str("text/csv").unwrap();
            request.multipart(reqwest::multipart::Form::new().part("file", file))
        }
        Kind::Form => {
            request.form(&[("kind", "deposit"), ("date", "2026-01-05"), ("amount", "250"), ("note", "swept")])
        }
        Kind::Rest if door.path == "/api/activities/import" => request.header("content-type", "text/csv").body(CSV),
        Kind::Rest if writes => request.json(&serde_json::json!({
            "kind": "deposit", "date": "2026-01-05", "amount": "250", "note": "swept"
        })),
        _ => request,
    };
    request.send().await.unwrap()
}

/// What a person's ledger holds, every field, as the export writes it.
async fn ledger(app: &TestApp, token: &str) -> String {
    let export = app.get_with_token("/api/activities/export", token).await;
    assert_eq!(export.status(), 200);
    export.text().await.unwrap()
}

/// The owner (with one activity and a kept upload) and an app that serves `/metrics`
/// on its main address, so that door is swept too.
async fn owner_and_app() -> (TestApp, String, Names) {
    let app = spawn_app_with(&[("FOLIO_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let token = signup_token(&app, "owner").await;
    let created = app
        .client
        .post(app.url("/api/activities"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "deposit", "date": "2026-01-02", "amount": "1000.50", "fee": "1.25", "note": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let activity = created.json::<Value>().await.unwrap()["data"]["id"].as_i64().unwrap();
    let upload = kept_upload(&app, &form_cookie(&app, "owner").await, CSV, "ledger.csv").await;
    (app, token, Names { activity, upload })
}

/// The list is the router's: every kind is there, with doors this sweep knows.
fn check_the_list(doors: &[Door]) {
    let has = |method: Method, path: &str, kind: Kind| {
        doors.iter().any(|d| d.method == method && d.path == path && d.kind == kind)
    };
    assert!(has(Method::DELETE, "/api/activities/{id}", Kind::Rest), "{doors:#?}");
    assert!(has(Method::POST, "/import/{token}", Kind::Form), "{doors:#?}");
    assert!(has(Method::POST, "/theme", Kind::Form), "{doors:#?}");
    assert!(has(Method::GET, "/activities/{id}/edit", Kind::Page), "{doors:#?}");
    assert!(has(Method::GET, "/metrics", Kind::Rest), "{doors:#?}");
    assert!(has(Method::POST, GetDashboard::PATH, Kind::ServerFunction), "{doors:#?}");
    let count = |kind: Kind| doors.iter().filter(|d| d.kind == kind).count();
    assert!(count(Kind::Page) >= 8, "{doors:#?}");
    assert_eq!(count(Kind::ServerFunction), 10, "{doors:#?}");
    assert!(count(Kind::Rest) >= 25, "{doors:#?}");
    assert!(count(Kind::Form) >= 9, "{doors:#?}");
}

/// The doors open to anyone, written out here rather than read from the code that
/// opens them: a door that becomes public must be added to this list on purpose.
/// (Server functions: `GetToday` and `GetAuthSettings`, checked by name.)
const PUBLIC: [(&str, &str); 17] = [
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/signup"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/api/{*rest}"),
    ("POST", "/api/{*rest}"),
    ("PUT", "/api/{*rest}"),
    ("DELETE", "/api/{*rest}"),
    ("POST", "/auth/login"),
    ("POST", "/auth/signup"),
    ("POST", "/auth/logout"),
    ("POST", "/theme"),
    ("GET", "/login"),
    ("GET", "/signup"),
];

fn check_the_public_doors(doors: &[Door]) {
    let mut public: Vec<(String, String)> = doors
        .iter()
        .filter(|d| d.access == Access::Public && d.kind != Kind::ServerFunction)
        .map(|d| (d.method.to_string(), d.path.clone()))
        .collect();
    public.sort();
    let mut expected: Vec<(String, String)> = PUBLIC.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    expected.sort();
    assert_eq!(public, expected, "the doors open to anyone");
    let open_functions = doors.iter().filter(|d| d.kind == Kind::ServerFunction && d.access == Access::Public);
    let mut open_functions: Vec<&str> = open_functions.map(|d| d.path.as_str()).collect();
    open_functions.sort();
    let mut expected = [GetToday::PATH, GetAuthSettings::PATH];
    expected.sort();
    assert_eq!(open_functions, expected);
}

/// Where a refused stranger is sent: the sign-in page, with where they were going.
fn sent_to_sign_in(location: &str) -> bool {
    location == "/login" || location.starts_with("/login?next=")
}

fn redirected_to(response: &reqwest::Response) -> String {
    assert!(response.status().is_redirection(), "{} {}", response.url(), response.status());
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_stranger_is_refused_at_every_members_door_and_changes_nothing() {
    let (app, owner, names) = owner_and_app().await;
    let doors = every_door(&app.running.state.config);
    check_the_list(&doors);
    check_the_public_doors(&doors);
    let before = ledger(&app, &owner).await;
    // Signed in before the sweep: its failed sign-ins use up this address's tries.
    let cookie = form_cookie(&app, "owner").await;

    for door in &doors {
        let what = format!("{} {} ({:?}, {:?})", door.method, door.path, door.kind, door.access);
        let response = knock(&app, door, &names, Who::Stranger).await;
        let status = response.status();
        match (door.access, door.kind) {
            (Access::Member, Kind::Rest) => {
                assert_eq!(status, 401, "{what}");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
            }
            (Access::Member, Kind::ServerFunction) => {
                assert_eq!(status, 401, "{what}");
                let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert_eq!(body["code"], "unauthorized", "{what}: {body}");
            }
            (Access::Member, Kind::Page | Kind::Form) => {
                let location = redirected_to(&response);
                assert!(sent_to_sign_in(&location), "{what} sent a stranger to {location}");
            }
            (Access::Member, Kind::File) => assert_eq!(status, 401, "{what}"),
            (Access::MetricsToken, _) => assert_eq!(status, 401, "{what}"),
            // Open doors answer a stranger, never with a server error.
            (Access::Public, _) => assert!(!status.is_server_error(), "{what}: {status}"),
        }
    }
    // HEAD renders what GET does (without the body): refused alike. And a page whose
    // name has a dot, like a file's, is still a page.
    for door in doors.iter().filter(|d| d.access == Access::Member && d.method == Method::GET) {
        let head = Door { method: Method::HEAD, ..door.clone() };
        let response = knock(&app, &head, &names, Who::Stranger).await;
        let refused = match door.kind {
            Kind::Page => response.status().is_redirection() && sent_to_sign_in(&redirected_to(&response)),
            _ => response.status() == 401,
        };
        assert!(refused, "HEAD {} answered a stranger {}", door.path, response.status());
    }
    for page in ["/symbol/AAPL.png", "/symbol/BRK.B", "/activities/1.js/edit"] {
        let response = app.client.get(app.url(page)).send().await.unwrap();
        assert!(sent_to_sign_in(&redirected_to(&response)), "{page} answered a stranger {}", response.status());
    }
    assert_eq!(ledger(&app, &owner).await, before, "a stranger changed the owner's ledger");
    // The kept upload is still the owner's to confirm.
    let review = app.client.get(app.url(&format!("/import?review={}", names.upload))).header("cookie", &cookie);
    let review = review.send().await.unwrap().text().await.unwrap();
    assert!(review.contains("Import 1 activities"), "the owner's kept upload is gone: {review}");
}

#[tokio::test]
async fn another_persons_activity_and_upload_are_not_found_and_nothing_changes() {
    let (app, owner, names) = owner_and_app().await;
    let intruder = signup_token(&app, "intruder").await;
    let intruder_cookie = form_cookie(&app, "intruder").await;
    let intruder_session = intruder_cookie.split_once('=').unwrap().1.to_string();
    let before = ledger(&app, &owner).await;
    let intruders_before = ledger(&app, &intruder).await;

    let doors = every_door(&app.running.state.config);
    let naming: Vec<&Door> = doors.iter().filter(|d| d.access == Access::Member && names_something(d)).collect();
    assert!(naming.len() >= 10, "{naming:#?}");
    for door in naming {
        let what = format!("{} {} ({:?})", door.method, door.path, door.kind);
        let who = if door.kind == Kind::Rest { Who::Bearer(&intruder) } else { Who::Cookie(&intruder_session) };
        let response = knock(&app, door, &names, who).await;
        match door.kind {
            Kind::Rest => {
                assert_eq!(response.status(), 404, "{what}");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "not_found", "{what}: {body}");
            }
            Kind::ServerFunction => {
                assert_eq!(response.status(), 404, "{what}");
                let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert!(["not_found", "upload_expired"].contains(&body["code"].as_str().unwrap()), "{what}: {body}");
            }
            Kind::Page => {
                let status = response.status();
                let html = response.text().await.unwrap();
                let leaks = ["mine", "swept", "1,000.50", "1000.50", "2026-01-02"];
                assert!(!leaks.iter().any(|l| html.contains(l)), "{what} shows the owner's data");
                assert!(status == 404 || html.contains("has expired"), "{what}: {status}");
            }
            Kind::Form => {
                let location = redirected_to(&response);
                assert!(
                    location.contains("error=not_found") || location.contains("error=upload_expired"),
                    "{what}: {location}"
                );
            }
            Kind::File => panic!("{what}: a file names nobody's things"),
        }
    }
    assert_eq!(ledger(&app, &owner).await, before, "the intruder changed the owner's ledger");
    assert_eq!(ledger(&app, &intruder).await, intruders_before, "the owner's upload reached the intruder's ledger");
}

#[tokio::test]
async fn a_member_gets_in_by_cookie_and_the_api_also_by_bearer_but_not_to_the_metrics() {
    let (app, owner, names) = owner_and_app().await;
    let cookie = form_cookie(&app, "owner").await;
    let session = cookie.split_once('=').unwrap().1.to_string();
    let doors = every_door(&app.running.state.config);
    let mut checked = 0;
    for door in doors.iter().filter(|d| d.method == Method::GET || d.kind == Kind::ServerFunction) {
        let what = format!("{} {} ({:?})", door.method, door.path, door.kind);
        let mut ways = vec![("cookie", Who::Cookie(&session))];
        if door.kind == Kind::Rest {
            ways.push(("bearer", Who::Bearer(&owner)));
        }
        for (how, who) in ways {
            let status = knock(&app, door, &names, who).await.status();
            match door.access {
                Access::Member => {
                    assert!(status.is_success(), "{what} by {how}: {status}");
                    checked += 1;
                }
                Access::MetricsToken => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} by {how}"),
                // The sign-in pages send a signed-in person on to the dashboard.
                Access::Public if door.kind == Kind::Page => assert_eq!(status, StatusCode::SEE_OTHER, "{what}"),
                Access::Public => {}
            }
        }
    }
    assert!(checked >= 30, "only {checked} member doors were opened");
    let metrics = app.client.get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
}
