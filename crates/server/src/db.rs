//! The server's database: opening it, migrating it, and telling whether it answers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use advocase_core::api::DatabaseHealth;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::StartError;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Opens (creating it and its directory if missing) and migrates the SQLite
/// database at `path`.
pub async fn open_sqlite(path: &Path) -> Result<SqlitePool, StartError> {
    crate::config::prepare_database_dir(path)?;
    let options = SqliteConnectOptions::from_str("sqlite:")
        .expect("static sqlite URL parses")
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL, not NORMAL: a write the server acknowledged to a tablet must
        // survive a power cut, because the tablet will then forget it.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| StartError::DatabaseOpen {
            path: path.to_path_buf(),
            source,
        })?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| StartError::Migrate {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(pool)
}

pub async fn health(pool: &SqlitePool) -> DatabaseHealth {
    let applied: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await;
    match applied {
        Ok(n) => DatabaseHealth {
            status: "ok".into(),
            backend: "sqlite".into(),
            schema_version: Some(n),
        },
        Err(e) => {
            tracing::error!(error = %e, "database health check failed");
            DatabaseHealth {
                status: "error".into(),
                backend: "sqlite".into(),
                schema_version: None,
            }
        }
    }
}

/// How many migrations this build knows: what a healthy database reports.
pub fn known_migrations() -> i64 {
    MIGRATOR.iter().count() as i64
}
