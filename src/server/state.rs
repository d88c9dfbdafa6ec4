//! Everything a request handler may need, built once at startup and cheap to clone.

use super::auth::throttle::LoginThrottle;
use super::auth::token::TokenKeys;
use super::config::Config;
use super::db::Db;
use super::market::logos::LogoStore;
use super::market::service::MarketService;
use super::portfolio::activities::uploads::ImportUploads;
use super::portfolio::state::PortfolioStates;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
    /// Sign-in and sign-up budgets, kept in the database and shared by every instance.
    pub throttle: Arc<LoginThrottle>,
    pub market: Arc<MarketService>,
    /// Each person's share of the upstream budget for checking new symbols.
    pub symbol_checks: Arc<super::market::fairness::UserBudget>,
    /// Company logos, fetched by the server and served from this origin.
    pub logos: Arc<LogoStore>,
    pub leptos_options: LeptosOptions,
    /// A real bcrypt hash that matches no password: sign-in attempts for unknown
    /// users verify against it, so they cost as much as attempts for real users.
    pub dummy_hash: Arc<str>,
    /// CSV files waiting on the `/import` page for the person to confirm (in the
    /// database, so any instance can take the confirmation).
    pub uploads: Arc<ImportUploads>,
    /// Each user's portfolio, replayed once and kept until their ledger or history changes.
    pub portfolios: Arc<PortfolioStates>,
    /// Every counter and histogram `/metrics` shows (also read by the tests).
    pub metrics: Arc<super::ops::metrics::Metrics>,
    /// Set once shutdown begins: `/readyz` answers 503 from then on.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// What day it is, for everything that asks (tests hold it).
    pub clock: super::clock::Clock,
    /// The price-history backfill job's handle (its sources, its wake-up, its progress).
    pub backfill: Arc<super::portfolio::backfill::Backfill>,
    /// Open in a server; the race test closes it to make two writes meet.
    pub write_gate: Arc<super::portfolio::activities::gate::WriteGate>,
    /// The browsers' live streams and the symbols the upstream stream follows.
    pub live: Arc<super::live::LiveHub>,
    /// This instance's role among several on one PostgreSQL database (standalone
    /// on SQLite).
    pub cluster: Arc<super::cluster::Cluster>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
