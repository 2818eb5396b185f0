//! The audit trail (HIPAA 164.312(b), docs/SECURITY.md): an append-only,
//! hash-chained table of who was shown or changed which case, sign-ins and
//! account changes, and the endpoints around it.
//!
//! - [`append`] / [`record`]: writing rows, one chain, never forked;
//! - `chain.rs`: the hash and `verify-audit`;
//! - `patients.rs`: which patient each case is about, for the Access log;
//! - `events.rs`: `POST /api/audit/events`, what devices showed offline too;
//! - `access_log.rs`: `GET /api/audit` and `/api/audit.csv`, administrators';
//! - `escrow.rs`: `GET /api/escrow`, the key that recovers a device's data.
//!
//! Rows hold identifiers only (usernames, devices, case and change ids,
//! counts), never patient text. Nothing here is logged through `tracing`:
//! the server's logs stay as free of PHI as they were.

pub mod access_log;
pub mod chain;
pub mod escrow;
pub mod events;
pub mod patients;

use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Any, Row, Transaction};

pub use advocase_core::audit::{action, outcome};

use crate::AppState;
use crate::db::Db;
use chain::Stored;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(events::routes())
        .merge(access_log::routes())
        .merge(escrow::routes())
}

/// Who ran `advocase-server create-admin` on the server: no account's name
/// (usernames never hold '@').
pub const CLI: &str = "@cli";

/// A row to append: what happened, to whom, where. The server stamps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub username: String,
    pub device: Option<String>,
    pub case_id: Option<String>,
    pub action: &'static str,
    pub outcome: &'static str,
    pub detail: String,
    /// When it happened, if not when recorded: a device's report.
    pub at: Option<String>,
}

impl Entry {
    pub fn new(action: &'static str, outcome: &'static str, username: impl Into<String>) -> Self {
        Entry {
            username: username.into(),
            device: None,
            case_id: None,
            action,
            outcome,
            detail: String::new(),
            at: None,
        }
    }

    pub fn device(mut self, device: Option<String>) -> Self {
        self.device = device;
        self
    }

    pub fn case(mut self, case_id: impl ToString) -> Self {
        self.case_id = Some(case_id.to_string());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(rfc3339(at));
        self
    }
}

/// The one format of `at` and `recorded_at`: RFC 3339 UTC with
/// milliseconds, so text order is time order on both databases.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// [`rfc3339`] of Unix milliseconds.
pub fn timestamp(unix_ms: u64) -> String {
    let at = i64::try_from(unix_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_default();
    rfc3339(at)
}

/// The last row written, locked by this transaction until it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// Takes the `audit_head` row's lock (PostgreSQL) or the write lock
/// (SQLite) and reads the last seq and hash.
///
/// Why a lock row and not a mutex in the server: the chain must not fork
/// whoever appends. `create-admin` runs in another process beside a serving
/// server, and several servers may share one PostgreSQL; a row lock
/// serialises all of them, and the primary key on `seq` is the last word if
/// anything got past it. A transaction that also locks `sync_counter` (push,
/// account changes) takes that first, then this one: one order, no deadlock.
pub async fn lock_head(tx: &mut Transaction<'static, Any>) -> Result<Head, sqlx::Error> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    Ok(Head {
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
    })
}

/// Rows per multi-row INSERT: 11 parameters each, well under either
/// database's limit.
const ROWS_PER_INSERT: usize = 80;

/// Appends `entries` after `head` (which [`lock_head`] locked in this same
/// transaction) and moves `head` to the last of them. The chain is computed
/// here in memory; the rows go in a few multi-row INSERTs.
pub async fn append_locked(
    tx: &mut Transaction<'static, Any>,
    head: &mut Head,
    entries: &[Entry],
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    append_batches(tx, head, &[(entries, now_ms)]).await
}

/// [`append_locked`] for several batches at once, each recorded at its own
/// time, in order: a group of writers (pushes, pull pages) chains all its
/// rows in memory and writes them, and the head, once, not a few
/// statements per writer (issue 16: a hundred pushes in one group).
pub async fn append_batches(
    tx: &mut Transaction<'static, Any>,
    head: &mut Head,
    batches: &[(&[Entry], u64)],
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::with_capacity(batches.iter().map(|(e, _)| e.len()).sum());
    for (entries, now_ms) in batches {
        let recorded_at = timestamp(*now_ms);
        for e in *entries {
            let row = Stored::chained(
                head.seq + 1,
                e.at.clone().unwrap_or_else(|| recorded_at.clone()),
                recorded_at.clone(),
                e,
                std::mem::take(&mut head.hash),
            );
            head.seq = row.seq;
            head.hash = row.hash.clone();
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let sqlite = crate::db::is_sqlite(tx);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO audit (seq, at, recorded_at, username, device, case_id, action, outcome, detail, prev_hash, hash) VALUES {}",
            crate::db::values(sqlite, chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.seq)
                .bind(r.at.clone())
                .bind(r.recorded_at.clone())
                .bind(r.username.clone())
                .bind(r.device.clone())
                .bind(r.case_id.clone())
                .bind(r.action.clone())
                .bind(r.outcome.clone())
                .bind(r.detail.clone())
                .bind(r.prev_hash.clone())
                .bind(r.hash.clone());
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(head.seq)
        .bind(head.hash.clone())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends `entries` within `tx`: what is recorded commits or rolls back
/// with what it records (a stored change, a new session, an account change).
pub async fn append(
    tx: &mut Transaction<'static, Any>,
    entries: &[Entry],
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut head = lock_head(tx).await?;
    append_locked(tx, &mut head, entries, now_ms).await
}

/// Appends `entries` in a transaction of their own (shared with the
/// records made meanwhile: [`Records`]), committed before it returns: for
/// what is recorded before it is answered (a delivery, a refused sign-in).
/// A failure here fails the request: nothing is handed out unrecorded.
pub async fn record(db: &Db, entries: &[Entry], now_ms: u64) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    crate::group::submit::<Records>(db, (entries.to_vec(), now_ms)).await
}

/// Audit records, committed in groups (`crate::group`): a hundred tablets
/// pulling at once append to the one chain, and each commit waits for the
/// disk; together they take the head's lock and commit once.
pub struct Records;

impl crate::group::Batch for Records {
    type Job = (Vec<Entry>, u64);
    type Answer = ();
    const WHAT: &'static str = "audit record";
    /// Rows a group appends at most.
    const MAX_WEIGHT: usize = 5_000;

    fn weight((entries, _): &Self::Job) -> usize {
        entries.len()
    }

    fn queue(db: &Db) -> &crate::group::Queue<Self> {
        &db.recorder
    }

    async fn store(db: &Db, jobs: &[Self::Job]) -> Result<Vec<()>, sqlx::Error> {
        let mut tx = db.pool.begin().await?;
        let mut head = lock_head(&mut tx).await?;
        let batches: Vec<_> = jobs.iter().map(|(e, t)| (e.as_slice(), *t)).collect();
        append_batches(&mut tx, &mut head, &batches).await?;
        tx.commit().await?;
        Ok(vec![(); jobs.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_one_fixed_format() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_772_353_800_123), "2026-03-01T08:30:00.123Z");
        let at: DateTime<Utc> = "2026-03-01T09:30:00.5+01:00".parse().unwrap();
        assert_eq!(rfc3339(at), "2026-03-01T08:30:00.500Z");
    }
}
