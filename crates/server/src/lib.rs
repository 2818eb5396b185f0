//! The Advocase server: one axum [`Router`] that serves the built client and
//! the JSON API, over one SQL database.
//!
//! [`app`] builds the whole HTTP surface without a socket, so tests drive it
//! with `tower::ServiceExt::oneshot`; [`serve`] adds the listener, the
//! database and graceful shutdown.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod body;
pub mod certs;
pub mod changes;
pub mod colleagues;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod group;
pub mod hashing;
pub mod hospital;
pub mod idle;
pub mod live;
pub mod report;
pub mod secrets;
pub mod static_files;
pub mod supplies;
pub mod sync;
pub mod templates;
pub mod throttle;
pub mod tls;
pub mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use advocase_core::followup::Windows;
use axum::Router;
use axum::http::Request;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use config::{ServeConfig, StartError};
use db::Db;
use throttle::SignInThrottle;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// How long a sign-in lasts. Zero makes every session expire at once,
    /// which tests use.
    pub session_lifetime: Duration,
    /// Minutes without input before a device locks, sent with each sign-in.
    pub lock_after_minutes: u8,
    /// Wrong passwords per username, shared by every request.
    pub sign_ins: Arc<SignInThrottle>,
    /// The operator's escalation windows, sent with the hospital's numbers.
    pub escalation: Windows,
    /// The live channel's streams and what wakes them.
    pub live: Arc<live::Live>,
    /// The server itself serves HTTPS: its cookies are `Secure`.
    pub https: bool,
    /// The hospital's time zone, for reports.
    pub time_zone: chrono_tz::Tz,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        AppState {
            db,
            session_lifetime: hours(config::DEFAULT_SESSION_HOURS),
            lock_after_minutes: advocase_core::sync::DEFAULT_LOCK_AFTER_MINUTES,
            sign_ins: Arc::default(),
            escalation: Windows::default(),
            live: Arc::default(),
            time_zone: chrono_tz::Tz::UTC,
            https: false,
        }
    }
}

pub fn hours(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(3600))
}

/// The server's wall clock in Unix milliseconds: session expiry, and the
/// time far-ahead device clocks are clamped to.
pub fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub fn app(state: AppState, static_dir: &Path) -> Router {
    Router::new()
        .nest("/api", api::router())
        .fallback_service(static_files::service(static_dir))
        .layer(axum::middleware::from_fn(static_files::headers))
        // Compresses what the build did not precompress (API JSON, the odd
        // asset); responses already carrying Content-Encoding pass through,
        // and so does the live channel: the default predicate never
        // compresses text/event-stream, so no event waits in a buffer
        // (tested in tests/live.rs). zstd where the client takes it
        // (Chromium and Firefox do), else brotli, else gzip; at level 4:
        // the libraries' defaults made brotli run at its slowest (11),
        // which cost a pull more CPU than producing it.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings could carry patient details.
                .make_span_with(|req: &Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Binds `addr`, turning "address in use" into the sentence an admin needs.
pub async fn bind(addr: std::net::SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => StartError::AddrInUse { addr },
            _ => StartError::Bind { addr, source },
        })
}

/// Checks the configuration, opens and migrates the database, and serves
/// until Ctrl-C or SIGTERM, letting requests in flight finish.
pub async fn serve(config: ServeConfig) -> Result<(), StartError> {
    config::check_static_dir(&config.static_dir)?;
    let db = db::open(&config.database).await?;
    match accounts::has_active_admin(&db).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            "no active administrator account yet: create one with `advocase-server create-admin --username NAME` (password from ADVOCASE_ADMIN_PASSWORD or standard input)"
        ),
        Err(e) => db::log_error("looking for an administrator account", &e),
    }
    // Made now, or the first sign-in with an unknown username would take
    // longer than the others and tell that it is unknown.
    hashing::warm_decoy().await;
    let listener = bind(config.addr).await?;
    // Bound before "listening" is logged, like the main address.
    let redirect = match &config.https {
        Some(https) => https.bind_redirect().await?,
        None => None,
    };
    let shutdown = shutdown_signal();
    tracing::info!(addr = %config.addr, https = config.https.is_some(), http_redirect = ?config.https.as_ref().and_then(|h| h.redirect), database = %config.database.describe(), backend = db.backend.name(), static_dir = %config.static_dir.display(), escalation_urgent_minutes = config.escalation.urgent_minutes, escalation_routine_days = config.escalation.routine_working_days, time_zone = %config.time_zone, "advocase-server listening");
    let state = AppState {
        session_lifetime: hours(config.session_hours),
        lock_after_minutes: config.lock_after_minutes,
        escalation: config.escalation,
        https: config.https.is_some(),
        time_zone: config.time_zone,
        ..AppState::new(db.clone())
    };
    // Live streams never end by themselves: a graceful stop ends them
    // first, or it would wait on them for ever.
    let live = state.live.clone();
    let shutdown = async move {
        shutdown.await;
        live.shut_down();
    };
    let router = app(state, &config.static_dir);
    match &config.https {
        Some(https) => tls::serve(listener, https, redirect, router, shutdown).await?,
        None => axum::serve(idle::Idle::new(listener, idle::QUIET), router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartError::Serve)?,
    }
    // Closing the pool checkpoints SQLite's WAL so the file is whole on its own.
    db.close().await;
    tracing::info!("advocase-server stopped");
    Ok(())
}

/// Registers the stop signals now (a SIGTERM that arrives after "listening"
/// is logged must be a graceful stop, never the default kill) and returns a
/// future that resolves on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown requested; finishing requests in flight");
    }
}
