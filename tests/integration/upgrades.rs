//! Upgrades: a database an older Folio left, at every earlier schema version and
//! holding data, is brought to the latest schema when the server starts, and then
//! serves the same ledger and the same numbers as that ledger entered today. And
//! the SQLite and PostgreSQL schemas agree, column by column.

use crate::helpers::{TestApp, signup_token, spawn_app, spawn_app_on_prepared};
use folio::server::db::{Backend, MigrationState};
use serde_json::Value;
use sqlx::Row;
use sqlx::migrate::Migrator;
use std::collections::BTreeMap;

const PASSWORD: &str = "long enough pw";
/// The first schema version that has the ledger.
const LEDGER_VERSION: i64 = 3;

/// What the older Folio's user did: kind, date, symbol, quantity, price, amount,
/// fee, note (empty is none). Fixed dates in the past: no clock in the fixture.
const LEDGER: [[&str; 8]; 5] = [
    ["deposit", "2026-08-03", "", "", "", "10000.50", "0", "first pay"],
    ["buy", "2026-08-10", "AAPL", "10", "150.25", "", "1.5", "ünïcode, \"quoted\""],
    ["buy", "2026-08-14", "MSFT", "3", "380", "", "0", ""],
    ["sell", "2026-09-01", "AAPL", "4", "160", "", "0.75", ""],
    ["dividend", "2026-09-15", "MSFT", "", "", "6.60", "0", "q3"],
];

/// The migrations up to `version`, nothing later: the schema an older Folio created
/// (the files are copied aside, so the migrator sees only those).
pub async fn migrate_to(url: &str, version: i64) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let engine = match Backend::of_url(url) {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    let older = std::env::temp_dir().join(format!("folio-migrations-{engine}-{version}-{}", std::process::id()));
    std::fs::create_dir_all(&older).unwrap();
    for file in std::fs::read_dir(&source).unwrap() {
        let file = file.unwrap();
        let name = file.file_name().into_string().unwrap();
        let number: i64 = name.split('_').next().unwrap().parse().unwrap();
        if number <= version {
            std::fs::copy(file.path(), older.join(&name)).unwrap();
        }
    }
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.unwrap();
    Migrator::new(older.as_path()).await.unwrap().run(&pool).await.unwrap();
    let _ = std::fs::remove_dir_all(&older);
    pool
}

/// What an older Folio left: the user and, once the schema had a ledger, its ledger.
pub async fn fill(pool: &sqlx::AnyPool, version: i64) {
    let hash = folio::server::auth::password::hash_password(PASSWORD.into(), 4).await.unwrap();
    sqlx::query(
        "INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('Veteran', 'veteran', $1, 1)",
    )
    .bind(hash)
    .execute(pool)
    .await
    .unwrap();
    if version < LEDGER_VERSION {
        return;
    }
    for [kind, day, symbol, quantity, price, amount, fee, note] in LEDGER {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        sqlx::query(
            "INSERT INTO activities (user_id, kind, day, symbol, quantity, price, amount, fee, note, created_at)
             VALUES ((SELECT id FROM users WHERE username_key = 'veteran'), $1, $2, $3, $4, $5, $6, $7, $8, 1)",
        )
        .bind(kind)
        .bind(day)
        .bind(text(symbol))
        .bind(text(quantity))
        .bind(text(price))
        .bind(text(amount))
        .bind(fee)
        .bind(note)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// The same ledger entered through today's API.
async fn entered_today(app: &TestApp) -> String {
    let token = signup_token(app, "Veteran").await;
    for [kind, date, symbol, quantity, price, amount, fee, note] in LEDGER {
        let mut body = serde_json::json!({"kind": kind, "date": date, "fee": fee, "note": note});
        for (field, value) in [("symbol", symbol), ("quantity", quantity), ("price", price), ("amount", amount)] {
            if !value.is_empty() {
                body[field] = value.into();
            }
        }
        let created = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201, "{body}");
    }
    token
}

async fn data(app: &TestApp, token: &str, path: &str) -> Value {
    let body: Value = app.get_with_token(path, token).await.json().await.unwrap();
    assert_eq!(body["status"], "success", "{path}: {body}");
    body["data"].clone()
}

/// What must not change in an upgrade: the ledger field by field (ids aside), the
/// positions' shares and costs, and the figures that follow from the ledger alone.
async fn served(app: &TestApp, token: &str) -> Value {
    let mut activities = data(app, token, "/api/activities").await;
    for a in activities.as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("id");
    }
    let positions: Vec<Value> = data(app, token, "/api/dashboard/positions")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| serde_json::json!([p["symbol"], p["quantity"], p["average_cost"], p["cost_basis"], p["opened_at"]]))
        .collect();
    let overview = data(app, token, "/api/dashboard/overview").await;
    let fields = ["cash", "invested", "realized_pnl", "dividends", "fees", "net_contributions", "total_trades"];
    let figures: BTreeMap<&str, Value> = fields.iter().map(|f| (*f, overview[*f].clone())).collect();
    serde_json::json!({"activities": activities, "positions": positions, "figures": figures})
}

#[tokio::test]
async fn a_database_with_data_at_every_earlier_schema_version_upgrades_and_serves_the_same_numbers() {
    let reference = spawn_app().await;
    let today_token = entered_today(&reference).await;
    let expected = served(&reference, &today_token).await;
    assert_eq!(expected["activities"].as_array().unwrap().len(), LEDGER.len());
    assert_eq!(expected["positions"].as_array().unwrap().len(), 2, "{expected}");

    let latest = Backend::Sqlite.migrator().iter().map(|m| m.version).max().unwrap();
    assert_eq!(latest, Backend::Postgres.migrator().iter().map(|m| m.version).max().unwrap());
    for version in 1..latest {
        let app = spawn_app_on_prepared(&[], |url| async move {
            let pool = migrate_to(&url, version).await;
            fill(&pool, version).await;
            pool.close().await;
        })
        .await;
        let state = &app.running.state;
        assert!(matches!(state.db.migration_state().await.unwrap(), MigrationState::Current), "from {version}");
        crate::backups::assert_backed_up_before_upgrading(&app, version).await;
        // The person signs in as before, their name spelt as they chose it.
        let token = app.token("veteran", PASSWORD).await;
        assert_eq!(data(&app, &token, "/api/auth/me").await["username"], "Veteran", "from {version}");
        if version >= LEDGER_VERSION {
            assert_eq!(served(&app, &token).await, expected, "upgraded from schema version {version}");
        } else {
            assert_eq!(data(&app, &token, "/api/activities").await, serde_json::json!([]), "from {version}");
        }
        // And the upgraded database takes new writes.
        let deposit = serde_json::json!({"kind": "deposit", "date": "2026-10-01", "amount": "5"});
        let created = app.client.post(app.url("/api/activities")).bearer_auth(&token).json(&deposit).send().await;
        assert_eq!(created.unwrap().status(), 201, "a write after upgrading from {version}");
    }
}

/// Column name, type family and whether it may be null, per table, as the engine
/// reports them (SQLite's integer primary keys count as not null, as they are).
type Columns = BTreeMap<(String, String), (&'static str, bool)>;

fn family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" | "int4" | "bigserial" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "real" | "double precision" | "float8" => "real",
        "boolean" => "boolean",
        "blob" | "bytea" => "bytes",
        other => panic!("a column type this comparison does not know: {other}"),
    }
}

async fn sqlite_columns(pool: &sqlx::AnyPool) -> Columns {
    let tables = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for table in tables {
        let table: String = table.get("name");
        let rows = sqlx::query("SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        for row in rows {
            let not_null = row.get::<i64, _>("not_null") == 1 || row.get::<i64, _>("pk") > 0;
            columns.insert((table.clone(), row.get("name")), (family(&row.get::<String, _>("type")), not_null));
        }
    }
    columns
}

async fn postgres_columns(pool: &sqlx::AnyPool) -> Columns {
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d, is_nullable::text AS n
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.iter()
        .map(|row| {
            ((row.get("t"), row.get("c")), (family(&row.get::<String, _>("d")), row.get::<String, _>("n") == "NO"))
        })
        .collect()
}

/// Run by the PostgreSQL pass of the suite (`FOLIO_TEST_DB=postgres`), which has
/// both engines at hand; the SQLite pass has no PostgreSQL to compare with.
#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_agree_column_by_column() {
    if std::env::var("FOLIO_TEST_DB").as_deref() != Ok("postgres") {
        return;
    }
    let app = spawn_app().await;
    let postgres = postgres_columns(&app.running.state.db.pool).await;
    let dir = std::env::temp_dir().join(format!("folio-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = folio::server::db::connect(&format!("sqlite://{}?mode=rwc", dir.join("schema.db").display())).await;
    let sqlite = sqlite_columns(&sqlite.unwrap().pool).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(postgres.len() >= 40, "{postgres:#?}");
    let only = |a: &Columns, b: &Columns| a.keys().filter(|k| !b.contains_key(*k)).cloned().collect::<Vec<_>>();
    assert_eq!(only(&sqlite, &postgres), [], "columns only SQLite has");
    assert_eq!(only(&postgres, &sqlite), [], "columns only PostgreSQL has");
    for (column, on_sqlite) in &sqlite {
        assert_eq!(Some(on_sqlite), postgres.get(column), "{column:?}: SQLite, then PostgreSQL");
    }
}
