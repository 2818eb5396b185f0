//! The Advocase server: one axum [`Router`] that serves the built client and
//! the JSON API, over one SQL database.
//!
//! [`app`] builds the whole HTTP surface without a socket, so tests drive it
//! with `tower::ServiceExt::oneshot`; [`serve`] adds the listener, the
//! database and graceful shutdown.

pub mod api;
pub mod config;
pub mod db;
pub mod static_files;

use std::path::Path;

use axum::Router;
use axum::http::Request;
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use config::{DatabaseLocation, ServeConfig, StartError};

#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
}

pub fn app(state: AppState, static_dir: &Path) -> Router {
    Router::new()
        .nest("/api", api::router())
        .fallback_service(static_files::service(static_dir))
        .layer(axum::middleware::from_fn(static_files::headers))
        // Compresses what the build did not precompress (API JSON, the odd
        // asset); responses already carrying Content-Encoding pass through.
        .layer(CompressionLayer::new())
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
    let DatabaseLocation::Sqlite(path) = &config.database;
    let db = db::open_sqlite(path).await?;
    let listener = bind(config.addr).await?;
    tracing::info!(addr = %config.addr, database = %path.display(), static_dir = %config.static_dir.display(), "advocase-server listening");
    let router = app(AppState { db: db.clone() }, &config.static_dir);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartError::Serve)?;
    // Closing the pool checkpoints SQLite's WAL so the file is whole on its own.
    db.close().await;
    tracing::info!("advocase-server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
