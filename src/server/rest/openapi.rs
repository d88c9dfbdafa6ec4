//! The OpenAPI 3.1 document (`/api/openapi.json`), derived from the handlers'
//! `#[utoipa::path]` attributes and the `schema` types they return, and its two
//! pages: the interactive docs (`/docs`, Swagger UI) and the reference (`/redoc`,
//! ReDoc), both served from this app's own static files (no CDN). The document is
//! kept clean for `spectral:oas` and Redocly's `recommended` rules
//! (`scripts/lint-openapi.sh`, part of `make lint`).

use super::shared_schemas::ShareSchemas;
use super::{account, activities, auth, dashboard, health, market, prices};
use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "Portfolio value, positions, trades, performance and market data for scripts.\n\n\
            Every answer but sign-in is `{\"status\":\"success\",\"data\":...}`; every failure is \
            `{\"status\":\"error\",\"error\":{\"code\",\"message\"}}`.\n\n\
            Money is a JSON number rounded to 2 places, half away from zero (Folio keeps exact \
            decimals inside); percentages are in percent (12.5 means 12.5 %); ratios have 4 places; \
            dates are ISO `YYYY-MM-DD`; times ISO 8601 in UTC. A figure that cannot be computed is \
            `null`, never a placeholder, and the overview's `notes` says why.\n\n\
            Authenticate with `Authorization: Bearer <access_token>` from `POST /api/auth/login` \
            (browsers may use the session cookie instead).",
        contact(name = "Folio"),
        // The project grants no open-source licence (no LICENSE file, none in Cargo.toml).
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary"),
    ),
    servers((url = "/", description = "This Folio server")),
    paths(
        auth::login, auth::signup, auth::me, auth::logout, auth::logout_everywhere,
        dashboard::overview, dashboard::positions, dashboard::trades, dashboard::performance, dashboard::income,
        activities::list, activities::get, activities::create, activities::update, activities::delete,
        activities::export, activities::import, activities::split_suggestions,
        account::export, account::import,
        market::quote, market::profile, market::search, market::status, prices::import,
        crate::server::live::sse::stream,
        health::healthz, health::readyz,
    ),
    // The query parameter `range` refers to it; parameters do not register schemas.
    components(schemas(crate::model::Range)),
    modifiers(&BearerScheme, &ShareSchemas),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Tokens and accounts"),
        (name = "dashboard", description = "The signed-in user's portfolio"),
        (name = "activities", description = "The ledger: add, change, delete, import and export activities"),
        (name = "account", description = "Your whole account as one portable file: export, and import into any Folio"),
        (name = "market", description = "Quotes, company profiles and symbol search"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Swagger UI's page. Its scripts and styles are copied from the pinned npm package
/// `swagger-ui-dist` into `public/docs/` by `scripts/bootstrap.sh`; the start-up
/// script is a file too, so the Content-Security-Policy holds.
pub async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Folio API</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"><p style="font-family: sans-serif; padding: 1rem">
    Loading the interactive docs… The raw document is at <a href="/api/openapi.json">/api/openapi.json</a>.
  </p></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>"#,
    )
}

/// ReDoc's page: the whole document as a reference, from the pinned npm package
/// `redoc` (its standalone bundle, copied into `public/redoc/` by
/// `scripts/bootstrap.sh`), started by a file so the Content-Security-Policy holds.
pub async fn redoc_page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Folio API reference</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
  <div id="redoc"><p style="font-family: sans-serif; padding: 1rem">
    Loading the API reference… The raw document is at <a href="/api/openapi.json">/api/openapi.json</a>,
    the interactive docs at <a href="/docs">/docs</a>.
  </p></div>
  <script src="/redoc/redoc.standalone.js"></script>
  <script src="/redoc/start.js"></script>
</body>
</html>"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_the_bearer_scheme_and_every_path() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        for path in [
            "/api/auth/login",
            "/api/dashboard/overview",
            "/api/dashboard/positions",
            "/api/dashboard/trades",
            "/api/dashboard/performance",
            "/api/dashboard/income",
            "/api/dashboard/quote/{symbol}",
            "/api/dashboard/profile/{symbol}",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
        // Sign-in needs no token; everything else does.
        assert_eq!(doc["paths"]["/api/auth/login"]["post"]["security"], serde_json::json!([]));
        assert!(doc["paths"]["/api/dashboard/overview"]["get"]["responses"]["401"].is_object());
    }

    /// What the linters (`scripts/lint-openapi.sh`) would also catch, checked here
    /// without Node: every operation summarised, described and uniquely named, and
    /// the closed sets (`kind`, `range`) written as their one enum each.
    #[test]
    fn every_operation_is_described_and_the_closed_sets_are_enums() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for field in ["summary", "description", "operationId"] {
                    assert!(operation[field].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}: {field}");
                }
                assert!(ids.insert(operation["operationId"].to_string()), "{method} {path}: operationId repeated");
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    if parameter["name"] == "range" {
                        assert_eq!(parameter["schema"]["$ref"], "#/components/schemas/Range", "{path}");
                    }
                }
            }
        }
        let schemas = &doc["components"]["schemas"];
        for (schema, property, set) in [
            ("ActivityData", "kind", "ActivityKind"),
            ("ActivityInput", "kind", "ActivityKind"),
            ("AccountActivity", "kind", "ActivityKind"),
            ("PerformanceData", "range", "Range"),
        ] {
            let reference = &schemas[schema]["properties"][property]["$ref"];
            assert_eq!(reference, &format!("#/components/schemas/{set}"), "{schema}.{property}");
        }
        assert_eq!(schemas["OverviewData"]["allOf"][1]["properties"]["range"]["$ref"], "#/components/schemas/Range");
        assert_eq!(
            schemas["ActivityKind"]["enum"],
            serde_json::json!(["deposit", "withdrawal", "buy", "sell", "dividend", "fee", "split"])
        );
        assert_eq!(schemas["Range"]["enum"], serde_json::json!(["1M", "3M", "6M", "YTD", "1Y", "ALL"]));
        // Each answer's shape is referenced, not copied into its envelope.
        assert_eq!(schemas["Envelope_OverviewData"]["properties"]["data"]["$ref"], "#/components/schemas/OverviewData");
        assert_eq!(doc["servers"][0]["url"], "/");
        assert!(doc["info"]["contact"].is_object() && doc["info"]["license"]["name"].is_string());
    }

    /// The API is a contract: a change to the document must be on purpose. The
    /// committed copy is `tests/fixtures/openapi.json`; after a deliberate change,
    /// `FOLIO_BLESS_OPENAPI=1 cargo test --features ssr --lib openapi` rewrites it
    /// and the diff shows in review.
    #[test]
    fn the_document_is_the_committed_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openapi.json");
        let served = serde_json::to_string_pretty(&ApiDoc::openapi()).unwrap() + "\n";
        if std::env::var_os("FOLIO_BLESS_OPENAPI").is_some() {
            std::fs::write(path, &served).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap();
        assert!(
            committed == served,
            "the OpenAPI document differs from tests/fixtures/openapi.json; if the change is meant, bless it (see above)"
        );
    }
}
