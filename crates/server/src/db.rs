//! The server's database: SQLite or PostgreSQL behind one `Any` pool,
//! opening and migrating it, and telling whether it answers.

use std::path::Path;

use advocase_core::api::DatabaseHealth;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::config::{DatabaseLocation, StartError};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Whether `conn` is SQLite's.
pub fn is_sqlite(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

/// The placeholders of `n` parameters bound in order from the `first`:
/// `$first, …` on PostgreSQL, `?, …` on SQLite. SQLite takes `$N` as a
/// named parameter, and binding one looks its name up by a linear scan,
/// so a multi-row insert's hundreds of them cost time quadratic in their
/// number (a tenth of SQLite's time in a push, issue 16).
pub fn placeholders(sqlite: bool, first: usize, n: usize) -> String {
    let one = |i: usize| {
        if sqlite {
            "?".to_owned()
        } else {
            format!("${i}")
        }
    };
    (first..first + n).map(one).collect::<Vec<_>>().join(", ")
}

/// `(…), (…)`: the VALUES of `rows` rows of `per_row` parameters each.
pub fn values(sqlite: bool, rows: usize, per_row: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(sqlite, r * per_row + 1, per_row)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A connection pool and which database is behind it (known even once the
/// pool is closed, for the health report).
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Folds cases after pushes (`changes::projection`), shared by clones.
    pub(crate) projector: std::sync::Arc<crate::changes::projection::Projector>,
    /// Pushes and audit records waiting for their group's commit
    /// (`crate::group`), shared by clones.
    pub(crate) writer: std::sync::Arc<crate::group::Queue<crate::changes::writer::Pushes>>,
    pub(crate) recorder: std::sync::Arc<crate::group::Queue<crate::audit::Records>>,
}

impl Db {
    /// Closing checkpoints SQLite's WAL so the file is whole on its own.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

// Set on every SQLite connection: these do not persist in the file.
// FULL, not NORMAL: a write the server acknowledged to a tablet must survive
// a power cut, because the tablet will then forget it.
// The file is read through a memory map (address space, not memory: the
// pages are the operating system's cache, shared by every connection),
// and each connection caches 16 MiB of pages instead of 2: with the
// defaults, every pull read each page with a system call into its own copy,
// and a push's index pages fell out of a 2 MiB cache as the tables grew
// (issue 16).
// The write-ahead log is checkpointed by the background work after pushes
// ([`checkpoint`]), not by the commit that fills it past 1,000 pages: that
// copy and its fsync made one push in every few dozen wait for it (6 % of
// the samples in a profile of the 50,000-change push, issue 16). 10,000
// pages (40 MiB) is the bound if the background falls behind.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384; \
     PRAGMA wal_autocheckpoint = 10000;";

/// Copies what SQLite's write-ahead log holds into the database file, as
/// far as readers allow, without waiting for anyone (PASSIVE). Nothing on
/// PostgreSQL.
pub async fn checkpoint(db: &Db) -> Result<(), sqlx::Error> {
    if db.backend == Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

// Set on every PostgreSQL connection. sqlx prepares each statement once
// per connection, and PostgreSQL then switches it to a generic plan made
// from the table sizes of that moment: planned on an empty `received`, the
// duplicate check of a push stayed a scan while the table grew to millions
// of rows (300–470 ms a batch in issue 16's run). Planning each execution
// with its own values and the tables' current sizes costs well under a
// millisecond for these statements.
const POSTGRES_SESSION: &str = "SET plan_cache_mode = force_custom_plan";

/// Opens and migrates the database at `location`: for SQLite, the file is
/// created (with its directory) if missing.
pub async fn open(location: &DatabaseLocation) -> Result<Db, StartError> {
    sqlx::any::install_default_drivers();
    let database = location.describe();
    let open_failed = |source| StartError::DatabaseOpen {
        database: database.clone(),
        source,
    };
    let (options, backend) = match location {
        DatabaseLocation::Sqlite(path) => {
            crate::config::prepare_database_dir(path)?;
            let url = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .to_url_lossy();
            (AnyConnectOptions::from_url(&url), Backend::Sqlite)
        }
        DatabaseLocation::Postgres(url) => (url.parse(), Backend::Postgres),
    };
    let options = options.map_err(open_failed)?;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    conn.execute(SQLITE_CONNECTION_PRAGMAS).await?;
                } else {
                    conn.execute(POSTGRES_SESSION).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(open_failed)?;
    if backend == Backend::Sqlite {
        // Persistent in the file, and it needs a lock busy_timeout cannot
        // wait on: once, before anyone else uses the pool.
        pool.execute("PRAGMA journal_mode = WAL")
            .await
            .map_err(open_failed)?;
    }
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| StartError::Migrate {
            database: database.clone(),
            source,
        })?;
    let db = Db {
        pool,
        backend,
        projector: std::sync::Arc::default(),
        writer: std::sync::Arc::default(),
        recorder: std::sync::Arc::default(),
    };
    let backfill_failed = |e| StartError::Migrate {
        database: database.clone(),
        source: sqlx::migrate::MigrateError::Execute(e),
    };
    // Cases a stopped server had not folded yet (and, once, every case
    // stored before reports: their facts): the backfills below read states.
    crate::changes::projection::catch_up(&db)
        .await
        .map_err(backfill_failed)?;
    // Cases stored before the audit trail's patient index existed.
    crate::audit::patients::backfill(&db)
        .await
        .map_err(backfill_failed)?;
    // Cases stored before reports kept their facts beside them.
    crate::report::facts::backfill(&db)
        .await
        .map_err(backfill_failed)?;
    Ok(db)
}

/// [`open`] for a SQLite file.
pub async fn open_sqlite(path: &Path) -> Result<Db, StartError> {
    open(&DatabaseLocation::Sqlite(path.to_path_buf())).await
}

pub async fn health(db: &Db) -> DatabaseHealth {
    let applied: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&db.pool)
            .await;
    let backend = db.backend.name().into();
    match applied {
        Ok(n) => DatabaseHealth {
            status: "ok".into(),
            backend,
            schema_version: Some(n),
        },
        Err(e) => {
            tracing::error!(error = %e, "database health check failed");
            DatabaseHealth {
                status: "error".into(),
                backend,
                schema_version: None,
            }
        }
    }
}

/// How many migrations this build knows: what a healthy database reports.
pub fn known_migrations() -> i64 {
    MIGRATOR.iter().count() as i64
}

/// Logs a database error without what it may quote: PostgreSQL's details
/// repeat the values of the row at fault.
pub fn log_error(context: &'static str, e: &sqlx::Error) {
    match e {
        sqlx::Error::Database(d) => tracing::error!(
            code = d.code().as_deref().unwrap_or(""),
            constraint = d.constraint().unwrap_or(""),
            "{context}: database error"
        ),
        other => tracing::error!(error = %other, "{context}: database error"),
    }
}
