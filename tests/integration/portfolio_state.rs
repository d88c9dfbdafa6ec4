//! The kept per-user portfolio state: it always equals a state read again from the
//! database, its stored history equals one rebuilt from the final ledger in a clean
//! database, any process's write invalidates it, a new price revalues it without a
//! replay, and a page render replays and checks the session at most once.

use crate::helpers::{TestApp, form_cookie, signup_token, spawn_app, spawn_app_with, spawn_app_with_fake};
use chrono::{Datelike, NaiveDate};
use folio::model::{PriceSource, Range, Symbol};
use folio::server::market::store;
use folio::server::portfolio::activities::{self, draft::Draft};
use folio::server::portfolio::engine::valuation::Valuation;
use folio::server::portfolio::state::{Kept, read_key};
use folio::server::portfolio::{repo, service};
use folio::server::state::AppState;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

fn counts(state: &AppState) -> (u64, u64) {
    (state.metrics.ledger_replays.get(), state.metrics.session_checks.get())
}

async fn post(app: &TestApp, token: &str, body: Value) -> u16 {
    let response = app.client.post(app.url("/api/activities")).bearer_auth(token).json(&body).send().await.unwrap();
    response.status().as_u16()
}

/// A deposit (date, amount), then a buy of AAPL (date, quantity, price); both must be stored.
async fn deposit_and_buy(app: &TestApp, token: &str, deposit: (&str, &str), buy: (&str, &str, &str)) {
    let deposit = serde_json::json!({"kind": "deposit", "date": deposit.0, "amount": deposit.1});
    assert_eq!(post(app, token, deposit).await, 201);
    let buy = serde_json::json!({"kind": "buy", "date": buy.0, "symbol": "AAPL", "quantity": buy.1, "price": buy.2});
    assert_eq!(post(app, token, buy).await, 201);
}

async fn overview(app: &TestApp, token: &str) -> Value {
    let body: Value = app.get_with_token("/api/dashboard/overview", token).await.json().await.unwrap();
    assert_eq!(body["status"], "success", "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_dashboard_render_replays_the_ledger_once_and_checks_the_session_once() {
    let app = spawn_app().await;
    let state = &app.running.state;
    let token = signup_token(&app, "counted").await;
    deposit_and_buy(&app, &token, ("2025-03-03", "900"), ("2025-03-04", "2", "150")).await;
    let cookie = form_cookie(&app, "counted").await;
    let page = || async { app.client.get(app.url("/?range=1Y")).header("cookie", &cookie).send().await.unwrap() };

    let before = counts(state);
    let first = page().await;
    assert_eq!(first.status(), 200);
    let html = first.text().await.unwrap();
    let after = counts(state);
    assert!(html.contains("$600.00") && html.contains("AAPL"), "the cash and the position are in the first HTML");
    assert_eq!(after.0 - before.0, 1, "the changed ledger is replayed once for the whole page");
    assert_eq!(after.1 - before.1, 1, "the guard and every server function share one session check");

    let again = page().await.text().await.unwrap();
    let last = counts(state);
    assert!(again.contains("$600.00"));
    assert_eq!(last.0, after.0, "an unchanged ledger is not replayed again");
    assert_eq!(last.1 - after.1, 1);
}

#[tokio::test]
async fn a_write_through_one_instance_is_seen_by_the_next_request_on_another() {
    let first = spawn_app().await;
    let second = first.another_instance().await;
    let second = TestApp::attach(second, &first);
    let token = signup_token(&first, "shared").await;
    assert_eq!(overview(&second, &token).await["cash"], 0.0, "the second instance keeps the empty ledger");

    let deposit = serde_json::json!({"kind": "deposit", "date": "2025-05-01", "amount": "250"});
    assert_eq!(post(&first, &token, deposit).await, 201);
    assert_eq!(overview(&second, &token).await["cash"], 250.0, "the write on the first is seen on the second");

    let withdrawal = serde_json::json!({"kind": "withdrawal", "date": "2025-05-02", "amount": "50"});
    assert_eq!(post(&second, &token, withdrawal).await, 201);
    assert_eq!(overview(&first, &token).await["cash"], 200.0, "and the other way round");
    let trades: Value = first.get_with_token("/api/activities", &token).await.json().await.unwrap();
    assert_eq!(trades["data"].as_array().map(Vec::len), Some(2), "{trades}");
}

#[tokio::test]
async fn a_new_price_shows_in_the_next_overview_without_a_replay() {
    let (app, fake) = spawn_app_with_fake(&[]).await;
    let state = &app.running.state;
    fake.state.set_quote("AAPL", 100.0, 100.0);
    let token = signup_token(&app, "pricey").await;
    deposit_and_buy(&app, &token, ("2025-06-02", "1000"), ("2025-06-03", "3", "100")).await;
    assert_eq!(overview(&app, &token).await["market_value"], 300.0);

    let replays = counts(state).0;
    fake.state.set_quote("AAPL", 150.0, 100.0);
    state.market.refresh_quote(&Symbol::parse("AAPL").unwrap()).await.unwrap();
    let o = overview(&app, &token).await;
    assert_eq!(o["market_value"], 450.0, "the new price is in the very next overview");
    assert_eq!(o["unrealized_pnl"], 150.0);
    assert_eq!(counts(state).0, replays, "the kept ledger was revalued, not replayed");
}

#[tokio::test]
async fn memory_is_bounded_and_the_least_recently_used_users_are_dropped() {
    let app = spawn_app_with(&[("FOLIO_PORTFOLIO_CACHE_MB", "1")]).await;
    let state = &app.running.state;
    let today = app.today();
    let mut users = Vec::new();
    for n in 0..6 {
        let token = signup_token(&app, &format!("mem{n}")).await;
        // Nine hundred activities over two and a half years each: a few hundred KB
        // kept per user, so two fit in the 1 MB cache and six do not.
        let mut csv = String::from("date,kind,amount,note\n");
        for i in 0..900 {
            let day = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() + chrono::Duration::days(i);
            csv.push_str(&format!("{day},deposit,1,row {i} of a long enough note to weigh something\n"));
        }
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"));
        let imported =
            app.client.post(app.url("/api/activities/import?dry_run=false")).bearer_auth(&token).multipart(form);
        assert_eq!(imported.send().await.unwrap().status(), 200);
        let id =
            folio::server::auth::users::find_by_name(&state.db, &format!("mem{n}")).await.unwrap().unwrap().user.id;
        let kept = state.portfolios.load(state, id, today, None).await.unwrap();
        assert!(kept.bytes() > 100_000 && kept.bytes() < 1 << 19, "{} bytes", kept.bytes());
        users.push(id);
    }
    let (kept_users, bytes) = state.portfolios.usage();
    assert!(bytes <= 1 << 20, "{bytes} bytes kept, more than the 1 MB allowed");
    assert!(kept_users < 6, "{kept_users} users kept");
    assert!(state.portfolios.peek(users[5]).is_some(), "the most recent user is kept");
    assert!(state.portfolios.peek(users[0]).is_none(), "the least recent user was dropped first");
}

/// One change a person or the market can make.
#[derive(Clone, Debug)]
enum Op {
    Deposit {
        day: u8,
        amount: u16,
    },
    Withdraw {
        day: u8,
        amount: u16,
    },
    Buy {
        day: u8,
        symbol: usize,
        quantity: u8,
    },
    Sell {
        day: u8,
        symbol: usize,
        quantity: u8,
    },
    Dividend {
        day: u8,
        symbol: usize,
        amount: u8,
    },
    /// Changes the amount (or quantity) and, with `day`, moves the activity to that day.
    Edit {
        pick: usize,
        amount: u16,
        day: Option<u8>,
    },
    Delete {
        pick: usize,
    },
    Import {
        day: u8,
        rows: u8,
    },
    Price {
        symbol: usize,
        cents: u32,
    },
    NextDay {
        days: u8,
    },
}

const SYMBOLS: [&str; 2] = ["AAPL", "MSFT"];
/// Activities fall in the 30 days before a case's first day; its day moves past it.
const SPAN: i64 = 30;
/// Generated cases.
const CASES: u32 = 16;
/// Days between two cases' first days: more than a case's days can move it on
/// (13 ops of at most 3 days), so time never goes back. It must not: quotes and
/// closes are shared by every user, and a quote from a later case's day would be
/// newer than anything the next case does.
const CASE_DAYS: i64 = 40;

fn op() -> impl Strategy<Value = Op> {
    let day = 0u8..=SPAN as u8;
    prop_oneof![
        (day.clone(), 1u16..5000).prop_map(|(day, amount)| Op::Deposit { day, amount }),
        (day.clone(), 1u16..2000).prop_map(|(day, amount)| Op::Withdraw { day, amount }),
        (day.clone(), 0..SYMBOLS.len(), 1u8..20).prop_map(|(day, symbol, quantity)| Op::Buy { day, symbol, quantity }),
        (day.clone(), 0..SYMBOLS.len(), 1u8..20).prop_map(|(day, symbol, quantity)| Op::Sell { day, symbol, quantity }),
        (day.clone(), 0..SYMBOLS.len(), 1u8..50).prop_map(|(day, symbol, amount)| Op::Dividend { day, symbol, amount }),
        (any::<usize>(), 1u16..5000, proptest::option::of(day.clone())).prop_map(|(pick, amount, day)| Op::Edit {
            pick,
            amount,
            day
        }),
        any::<usize>().prop_map(|pick| Op::Delete { pick }),
        (day, 1u8..6).prop_map(|(day, rows)| Op::Import { day, rows }),
        (0..SYMBOLS.len(), 5_000u32..50_000).prop_map(|(symbol, cents)| Op::Price { symbol, cents }),
        (1u8..4).prop_map(|days| Op::NextDay { days }),
    ]
}

fn draft(kind: &str, date: NaiveDate) -> Draft {
    Draft { kind: Some(kind.into()), date: Some(date.to_string()), ..Draft::default() }
}

/// Applies `op`; a change the ledger's rules refuse is simply not made.
async fn apply(
    app: &TestApp,
    fake_prices: &folio_fakes::finnhub::FakeFinnhub,
    user: i64,
    first: NaiveDate,
    today: &mut NaiveDate,
    op: &Op,
) {
    let state = &app.running.state;
    let on = |day: &u8| first + chrono::Duration::days(i64::from(*day));
    let trade = |kind: &str, day: &u8, symbol: &usize, quantity: &u8| Draft {
        symbol: Some(SYMBOLS[*symbol].into()),
        quantity: Some(quantity.to_string()),
        price: Some("100".into()),
        ..draft(kind, on(day))
    };
    let _ = match op {
        Op::Deposit { day, amount } => {
            activities::create(state, user, &Draft { amount: Some(amount.to_string()), ..draft("deposit", on(day)) })
                .await
        }
        Op::Withdraw { day, amount } => {
            activities::create(state, user, &Draft { amount: Some(amount.to_string()), ..draft("withdrawal", on(day)) })
                .await
        }
        Op::Buy { day, symbol, quantity } => {
            activities::create(state, user, &trade("buy", day, symbol, quantity)).await
        }
        Op::Sell { day, symbol, quantity } => {
            activities::create(state, user, &trade("sell", day, symbol, quantity)).await
        }
        Op::Dividend { day, symbol, amount } => {
            let dividend = Draft {
                symbol: Some(SYMBOLS[*symbol].into()),
                amount: Some(amount.to_string()),
                ..draft("dividend", on(day))
            };
            activities::create(state, user, &dividend).await
        }
        Op::Edit { pick, amount, day } => {
            let all = repo::activities(&state.db, user).await.unwrap();
            let Some(a) = (!all.is_empty()).then(|| &all[pick % all.len()]) else { return };
            let mut edited = draft(a.kind.as_str(), day.as_ref().map_or(a.date, on));
            edited.symbol = a.symbol.as_ref().map(|s| s.to_string());
            match (a.quantity, a.price) {
                (Some(_), Some(price)) => {
                    edited.quantity = Some((amount % 20 + 1).to_string());
                    edited.price = Some(price.to_string());
                }
                _ => edited.amount = Some(amount.to_string()),
            }
            activities::update(state, user, a.id, &edited).await
        }
        Op::Delete { pick } => {
            let all = repo::activities(&state.db, user).await.unwrap();
            let Some(a) = (!all.is_empty()).then(|| &all[pick % all.len()]) else { return };
            activities::delete(state, user, a.id).await
        }
        Op::Import { day, rows } => {
            let mut csv = String::from("date,kind,amount\n");
            for i in 0..*rows {
                csv.push_str(&format!("{},deposit,{}\n", on(day), 10 + u32::from(i)));
            }
            let _ = activities::import::run(state, user, csv.as_bytes(), false).await;
            return;
        }
        Op::Price { symbol, cents } => {
            let price = f64::from(*cents) / 100.0;
            // Traded on the app's day, so its close is that day's.
            fake_prices.state.set_quote_at(SYMBOLS[*symbol], price, price, state.clock.now().timestamp());
            state.market.refresh_quote(&Symbol::parse(SYMBOLS[*symbol]).unwrap()).await.unwrap();
            return;
        }
        // Days pass for the whole app: its clock moves on.
        Op::NextDay { days } => {
            state.clock.advance(chrono::Duration::days(i64::from(*days)));
            *today = state.clock.today();
            return;
        }
    };
}

/// The state the pages are served from equals one read again from the database
/// and computed from nothing: key, activities, ledger, history, every range's
/// risk figures and the valuation at the current quotes.
async fn assert_kept_matches_a_fresh_load(state: &AppState, user: i64, today: NaiveDate, after: &[Op]) {
    let served = service::portfolio_on(state, user, today, None).await.unwrap();
    let key = read_key(&state.db, user).await.unwrap();
    let activities = repo::activities(&state.db, user).await.unwrap();
    let history = repo::snapshots(&state.db, user, NaiveDate::MIN).await.unwrap();
    let fresh = Kept::build(key, activities, history).unwrap();
    let kept = &served.kept;
    assert_eq!(kept.key, fresh.key, "after {after:?}");
    assert_eq!(kept.activities, fresh.activities, "after {after:?}");
    assert_eq!(kept.ledger, fresh.ledger, "after {after:?}");
    assert_eq!(kept.history, fresh.history, "after {after:?}");
    assert!(
        fresh.history.last().is_none_or(|last| last.date <= today),
        "no snapshot after the day it is: {today} after {after:?}"
    );
    for range in Range::ALL_RANGES {
        let expected = fresh.risk(range, today, state.config.portfolio.risk_free_rate);
        // Debug text: a NaN figure equals itself there.
        assert_eq!(format!("{:?}", served.risk(range)), format!("{expected:?}"), "{range:?} after {after:?}");
    }
    // Revalued at the quotes it was served with (a day moved on makes them stale,
    // and a refresh behind may already have replaced them): each position's own.
    let quotes: HashMap<Symbol, _> =
        served.valuation.positions.iter().filter_map(|p| p.quote.clone().map(|q| (p.symbol.clone(), q))).collect();
    assert!(quotes.iter().all(|(symbol, q)| q.symbol == *symbol), "{quotes:?}");
    let held: Vec<&Symbol> = fresh.ledger.lots.iter().filter(|(_, lots)| !lots.is_empty()).map(|(s, _)| s).collect();
    assert!(held.iter().all(|s| quotes.contains_key(*s)), "every holding is priced: {held:?} {quotes:?}");
    assert_eq!(served.valuation, Valuation::new(&fresh.ledger, &quotes), "after {after:?}");
}

/// The ledger entry `a` as the form would send it.
fn draft_of(a: &folio::model::Activity) -> Draft {
    let text = |d: Option<Decimal>| d.map(|d| d.to_string());
    Draft {
        symbol: a.symbol.as_ref().map(|s| s.to_string()),
        quantity: text(a.quantity),
        price: text(a.price),
        amount: text(a.amount),
        fee: Some(a.fee.to_string()),
        note: Some(a.note.clone()),
        ..draft(a.kind.as_str(), a.date)
    }
}

/// The history kept through every write equals one built from nothing: the final
/// ledger entered into a clean database (another app, the same closes copied over)
/// and rebuilt once, compared day by day.
async fn assert_history_equals_a_clean_rebuild(
    state: &AppState,
    clean: &TestApp,
    user: i64,
    first: NaiveDate,
    today: NaiveDate,
    after: &[Op],
) {
    let fresh = &clean.running.state;
    // The clean app's day is this one's, so no entry is in its future.
    fresh.clock.hold(state.clock.now());
    let name = format!("clean{user}");
    signup_token(clean, &name).await;
    let clean_user = folio::server::auth::users::find_by_name(&fresh.db, &name).await.unwrap().unwrap().user.id;
    let mut ledger = repo::activities(&state.db, user).await.unwrap();
    ledger.sort_by_key(|a| (a.date, a.id));
    for a in &ledger {
        let entered = activities::create(fresh, clean_user, &draft_of(a)).await;
        assert!(entered.is_ok(), "{a:?} refused in a clean database: {entered:?}");
    }
    // The closes a rebuild to today reads (it starts 10 days before the first
    // entry; the copy starts 15 days before the first day an entry can have).
    for symbol in SYMBOLS.iter().chain(["SPY"].iter()) {
        let symbol = Symbol::parse(symbol).unwrap();
        let from = first - chrono::Duration::days(15);
        for (day, close) in store::closes_since(&state.db, &symbol, PriceSource::Finnhub, from).await.unwrap() {
            if day > today {
                break;
            }
            store::save_close(&fresh.db, &symbol, PriceSource::Finnhub, day, close).await.unwrap();
        }
    }
    folio::server::portfolio::snapshots::rebuild(fresh, clean_user, today).await.unwrap();
    let kept = repo::snapshots(&state.db, user, NaiveDate::MIN).await.unwrap();
    let rebuilt = repo::snapshots(&fresh.db, clean_user, NaiveDate::MIN).await.unwrap();
    for (k, r) in kept.iter().zip(&rebuilt) {
        if k.date < today {
            assert_eq!(k, r, "the first day that differs, after {after:?}");
        } else {
            // Today's snapshot is provisional: written before the day's close, it is
            // rewritten on the next day (`ensure_current`), so a price that moved
            // since may not be in it yet; what the ledger alone decides must be.
            let ledger_part = |s: &folio::server::portfolio::engine::history::Snapshot| {
                (s.date, s.cash, s.invested, s.net_flow, s.benchmark_close)
            };
            assert_eq!(ledger_part(k), ledger_part(r), "today, after {after:?}");
        }
    }
    assert_eq!(kept.len(), rebuilt.len(), "days kept {:?}, rebuilt {:?}, after {after:?}", kept.last(), rebuilt.last());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_state_always_equals_a_fresh_load_after_any_writes_imports_prices_and_days() {
    // Many sign-ups and quotes: neither the sign-in throttle nor the upstream budget
    // is what this test is about.
    let roomy = [("FOLIO_AUTH_ATTEMPTS_PER_ADDRESS", "100000"), ("FINNHUB_CALLS_PER_MINUTE", "100000")];
    let (app, fake) = spawn_app_with_fake(&roomy).await;
    let (clean, clean_fake) = spawn_app_with_fake(&roomy).await;
    let state = app.running.state.clone();
    let start = state.clock.now();
    let first_day = |case: u32| start.date_naive() + chrono::Duration::days(CASE_DAYS * i64::from(case) - SPAN);
    // A recorded close for every day any case can reach, so each has a snapshot.
    let days = first_day(0) - chrono::Duration::days(15)..=first_day(CASES) + chrono::Duration::days(SPAN);
    for symbol in SYMBOLS.iter().chain(["SPY"].iter()) {
        let symbol = Symbol::parse(symbol).unwrap();
        let closes: Vec<(NaiveDate, Decimal)> = days
            .start()
            .iter_days()
            .take_while(|day| day <= days.end())
            .map(|day| (day, Decimal::from(100 + day.num_days_from_ce() % 7)))
            .collect();
        let mut tx = folio::server::db::WriteTx::begin(&state.db).await.unwrap();
        folio::server::market::history::store::save_closes(&mut tx, &symbol, PriceSource::Finnhub.as_str(), &closes)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    // The clean app's own prices are stamped long before any case: a close it
    // records from them (entering a trade asks for a quote) falls outside every
    // rebuilt history, which only the copied closes make.
    let long_before = (first_day(0) - chrono::Duration::days(100)).and_hms_opt(12, 0, 0).unwrap().and_utc();
    for symbol in SYMBOLS.iter().chain(["SPY"].iter()) {
        clean_fake.state.set_quote_at(symbol, 100.0, 100.0, long_before.timestamp());
    }
    let handle = tokio::runtime::Handle::current();
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: CASES,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        // A failing case is reported as it ran (its ops are in the message):
        // shrinking would run more cases than there are closes for.
        max_shrink_iters: 0,
        ..Default::default()
    });
    let case = std::sync::atomic::AtomicU32::new(0);
    let result = runner.run(&proptest::collection::vec(op(), 1..14), |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let n = case.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let name = format!("prop{n}");
                signup_token(&app, &name).await;
                let user = folio::server::auth::users::find_by_name(&state.db, &name).await.unwrap().unwrap().user.id;
                let first = first_day(n);
                let case_start = start + chrono::Duration::days(CASE_DAYS * i64::from(n));
                state.clock.hold(case_start);
                // Each case starts from the same prices, traded as it starts.
                for symbol in SYMBOLS.iter().chain(["SPY"].iter()) {
                    fake.state.set_quote_at(symbol, 100.0, 100.0, case_start.timestamp());
                }
                let mut today = state.clock.today();
                for (i, op) in ops.iter().enumerate() {
                    apply(&app, &fake, user, first, &mut today, op).await;
                    assert_kept_matches_a_fresh_load(&state, user, today, &ops[..=i]).await;
                }
                assert_history_equals_a_clean_rebuild(&state, &clean, user, first, today, &ops).await;
            })
        });
        Ok(())
    });
    result.unwrap();
}
