//! Every front door of the server in one list. Each route the REST API, the form
//! posts and the files are served on is added through [`Doors`], which writes down
//! its method, path, kind and who may use it while it builds the router; the pages
//! and the server functions are read from Leptos' own registries. The router is
//! built from the same calls, so [`every_door`] cannot miss a route, and the tests
//! sweep that list (`tests/integration/doors.rs`): a route added later is swept the
//! day it is added, and a member's door that opens to a stranger fails the sweep.

use crate::server::config::Config;
use crate::server::state::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

/// Who may use a door.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: signing in and up, health checks, the API's document, the theme.
    Public,
    /// A signed-in person (session cookie or bearer token), and only for their own data.
    Member,
    /// Whoever holds `FOLIO_METRICS_TOKEN`; a member's session does not open it.
    MetricsToken,
}

/// What answers behind a door, which decides how a refusal looks: a JSON 401 for
/// the REST API and server functions, a redirect to `/login` for pages and forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Page,
    ServerFunction,
    Rest,
    Form,
    File,
}

/// One method on one route template (`/api/activities/{id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Door {
    pub method: Method,
    pub path: String,
    pub kind: Kind,
    pub access: Access,
}

/// A router that writes down every route it is given.
#[must_use]
pub struct Doors {
    kind: Kind,
    router: Router<AppState>,
    list: Vec<Door>,
}

impl Doors {
    pub fn new(kind: Kind) -> Self {
        Doors { kind, router: Router::new(), list: Vec::new() }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, access: Access, handler: H) -> Self {
        self.on(Method::GET, path, access, axum::routing::get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, access: Access, handler: H) -> Self {
        self.on(Method::POST, path, access, axum::routing::post(handler))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, access: Access, handler: H) -> Self {
        self.on(Method::PUT, path, access, axum::routing::put(handler))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &str, access: Access, handler: H) -> Self {
        self.on(Method::DELETE, path, access, axum::routing::delete(handler))
    }

    /// Every method the API uses, on one handler (the API's unknown-path answer).
    pub fn any<H: Handler<T, AppState>, T: 'static>(mut self, path: &str, access: Access, handler: H) -> Self {
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            self.list.push(Door { method, path: path.to_string(), kind: self.kind, access });
        }
        self.router = self.router.route(path, axum::routing::any(handler));
        self
    }

    /// `method` on `path` through a method router built by the caller, for a route
    /// with layers of its own (a larger body limit). Routes on one path join, as in
    /// axum.
    pub fn on(mut self, method: Method, path: &str, access: Access, route: MethodRouter<AppState>) -> Self {
        self.list.push(Door { method, path: path.to_string(), kind: self.kind, access });
        self.router = self.router.route(path, route);
        self
    }

    pub fn merge(mut self, other: Doors) -> Self {
        self.list.extend(other.list);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }

    pub fn into_list(self) -> Vec<Door> {
        self.list
    }
}

/// Server functions that answer without a session: they tell nothing about anyone.
const PUBLIC_SERVER_FUNCTIONS: [&str; 2] = [
    <crate::server_fns::GetToday as leptos::server_fn::ServerFn>::PATH,
    <crate::server_fns::GetAuthSettings as leptos::server_fn::ServerFn>::PATH,
];

/// The REST API, the form posts and the files: the routes [`super::router`] adds
/// beside the pages and their server functions.
pub fn routes(config: &Config) -> Doors {
    let doors = super::rest::doors().merge(super::forms::doors()).merge(Doors::new(Kind::File).get(
        "/logos/{name}",
        Access::Member,
        super::market::logos::serve,
    ));
    if super::ops::http::on_main_address(config) {
        doors.merge(Doors::new(Kind::Rest).get("/metrics", Access::MetricsToken, super::ops::http::metrics_endpoint))
    } else {
        doors
    }
}

/// Every door of a server started with `config`: [`routes`], the pages (behind the
/// sign-in guard, except the sign-in pages) and the server functions.
pub fn every_door(config: &Config) -> Vec<Door> {
    let mut doors = routes(config).into_list();
    for page in leptos_axum::generate_route_list(crate::app::App) {
        let path = page.path().to_string();
        let access = if super::auth::guard::is_sign_in_page(&path) { Access::Public } else { Access::Member };
        doors.push(Door { method: Method::GET, path, kind: Kind::Page, access });
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let access = if PUBLIC_SERVER_FUNCTIONS.contains(&path) { Access::Public } else { Access::Member };
        doors.push(Door { method, path: path.to_string(), kind: Kind::ServerFunction, access });
    }
    doors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_door_is_written_down_once_per_method() {
        async fn answer() -> &'static str {
            "ok"
        }
        let list = Doors::new(Kind::Rest)
            .get("/a", Access::Member, answer)
            .post("/a", Access::Member, answer)
            .merge(Doors::new(Kind::Form).post("/b", Access::Public, answer))
            .into_list();
        let seen: Vec<(Method, &str, Kind)> =
            list.iter().map(|d| (d.method.clone(), d.path.as_str(), d.kind)).collect();
        assert_eq!(
            seen,
            [(Method::GET, "/a", Kind::Rest), (Method::POST, "/a", Kind::Rest), (Method::POST, "/b", Kind::Form)]
        );
    }
}
