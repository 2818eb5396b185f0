//! Each case's folded state (`cases.state`) and report facts
//! (`cases.facts`), brought up to date after pushes instead of inside them.
//!
//! A push decides from the case's summary (`cases.summary`) and only marks
//! the case: `last_seq` moves past `projected_seq`. Folding a case means
//! reading its whole log, so doing it in the push made a push's cost grow
//! with the case's history; here it runs after the commit, and one fold
//! covers every push that came in meanwhile. Readers of state or facts
//! (reports, exports) call [`catch_up`] first, so what they read includes
//! every push committed before they asked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use advocase_core::id::Id;
use advocase_core::log::CaseLog;
use sqlx::Row;

use advocase_core::change::Change;

use super::{decode, encode};
use crate::db::Db;

/// Cases folded per round: a few hundred kilobytes of logs in memory.
const CASES_PER_ROUND: i64 = 100;
/// Cases a statement writes: four parameters each, far under either
/// database's limit.
const ROWS_PER_UPDATE: usize = 50;

/// Whether a run is going, and whether it was asked for again meanwhile.
#[derive(Debug, Default)]
pub struct Projector {
    flags: Mutex<Flags>,
    /// One fold at a time: a reader's catch-up and the background run
    /// would otherwise fold the same cases twice.
    serial: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Flags {
    running: bool,
    again: bool,
    /// When the last push asked for a fold.
    last: Option<Instant>,
}

/// How long pushes must pause before the background fold runs, and how
/// long at most it waits for that pause. Folding is CPU and database work
/// the pushes beside it would wait for: a burst of a hundred tablets
/// pushing at once is answered first, then folded (issue 16). Nothing reads
/// a stale state meanwhile: readers fold what is behind themselves.
const QUIET: Duration = Duration::from_millis(50);
const LONGEST_WAIT: Duration = Duration::from_secs(1);

/// Brings cases up to date in the background after a push, once pushes
/// pause, then checkpoints SQLite's write-ahead log ([`crate::db::checkpoint`]).
/// A task runs only while there is work, so it never keeps a closed pool's
/// connections.
pub fn nudge(db: &Db) {
    {
        let mut flags = db.projector.flags.lock().expect("projector flags");
        flags.last = Some(Instant::now());
        if flags.running {
            flags.again = true;
            return;
        }
        flags.running = true;
    }
    let db = db.clone();
    tokio::spawn(async move {
        loop {
            quiet(&db).await;
            if let Err(e) = fold(&db, Background).await {
                // The cases stay marked: the next push or reader retries.
                tracing::warn!(error = %e, "bringing case states up to date failed");
            }
            if let Err(e) = crate::db::checkpoint(&db).await {
                // SQLite checkpoints on its own past a larger WAL.
                tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
            }
            let mut flags = db.projector.flags.lock().expect("projector flags");
            if !std::mem::take(&mut flags.again) {
                flags.running = false;
                return;
            }
        }
    });
}

/// Waits until no push has asked for a fold for [`QUIET`], or
/// [`LONGEST_WAIT`] has passed.
async fn quiet(db: &Db) {
    let start = Instant::now();
    loop {
        let since = {
            let flags = db.projector.flags.lock().expect("projector flags");
            flags.last.map_or(QUIET, |t| t.elapsed())
        };
        let waited = start.elapsed();
        if since >= QUIET || waited >= LONGEST_WAIT {
            return;
        }
        tokio::time::sleep((QUIET - since).min(LONGEST_WAIT - waited)).await;
    }
}

/// Folds every case whose state is behind its log: how many it wrote.
pub async fn catch_up(db: &Db) -> Result<usize, sqlx::Error> {
    fold(db, Reader).await
}

/// Who folds: a reader, who needs every case now, or the background run,
/// which gives way to pushes.
#[derive(Clone, Copy, PartialEq)]
enum Folder {
    Reader,
    Background,
}
use Folder::{Background, Reader};

async fn fold(db: &Db, by: Folder) -> Result<usize, sqlx::Error> {
    let mut done = 0;
    loop {
        // The background run waits again for a pause before each round: a
        // burst that began after it started (pushes every few tens of
        // milliseconds) is answered before the rest is folded. In the
        // 100-tablet crowd the fold of the first groups otherwise ran
        // through the burst, ten rounds long.
        if by == Background && done > 0 {
            quiet(db).await;
        }
        let _serial = db.projector.serial.lock().await;
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT case_id FROM cases WHERE projected_seq < last_seq LIMIT $1")
                .bind(CASES_PER_ROUND)
                .fetch_all(&db.pool)
                .await?;
        if ids.is_empty() {
            return Ok(done);
        }
        let logs = read_logs(db, &ids).await?;
        // A case row with no change stored (only a damaged database has
        // one) would be picked again every round: marked folded instead.
        let empty: Vec<&String> = ids
            .iter()
            .filter(|id| !logs.iter().any(|(c, _)| c == *id))
            .collect();
        for id in empty {
            tracing::warn!("a case has no stored change to fold");
            sqlx::query("UPDATE cases SET projected_seq = last_seq WHERE case_id = $1")
                .bind(id)
                .execute(&db.pool)
                .await?;
        }
        // Decoding and folding is CPU work: off the async workers.
        let rows = tokio::task::spawn_blocking(move || fold_all(logs))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("folding cases failed: {e}")))??;
        // Not the sync_counter's lock: pushes never wait for a fold. Only
        // case rows are written, in case_id order, the order a push writes
        // them in too (`save_cases`), so a push and a fold each wait at
        // most for the other's rows, never in a cycle (PostgreSQL would
        // abort one). A fold holding the counter made a group of pushes
        // wait for a whole round of folding (issue 16).
        let mut rows = rows;
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut tx = by_key(db).await?;
        let sqlite = crate::db::is_sqlite(&tx);
        for chunk in rows.chunks(ROWS_PER_UPDATE) {
            // One statement a chunk, not one a case: a round is a hundred
            // cases, and each statement is a round trip and a plan on both
            // sides, CPU the pushes running beside it need. Never over a
            // newer fold: a later round may have written one.
            let sql = format!(
                "WITH folded (case_id, state, facts, seq) AS (VALUES {})
                 UPDATE cases SET state = folded.state, facts = folded.facts,
                     projected_seq = folded.seq
                 FROM folded
                 WHERE cases.case_id = folded.case_id AND cases.projected_seq < folded.seq",
                crate::db::values(sqlite, chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for (case_id, state, facts, seq) in chunk {
                q = q.bind(case_id).bind(state).bind(facts).bind(*seq);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        done += rows.len();
    }
}

/// A transaction whose statements read by key, never a whole table: a
/// round's hundred cases and their logs are a sliver of `cases` and
/// `changes`. PostgreSQL's estimates come from its last ANALYZE: after a
/// bulk load (50,000 changes in a few seconds) it took each case for
/// hundreds of changes and scanned both tables in every round, a cost
/// growing with the database (issue 16). SQLite's planner needs no telling.
async fn by_key(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if !crate::db::is_sqlite(&tx) {
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// The stored bodies of `ids`' changes, with their numbers, as read in one
/// statement per chunk (each a consistent snapshot of those cases' logs:
/// pushes commit whole).
async fn read_logs(
    db: &Db,
    ids: &[String],
) -> Result<Vec<(String, Vec<(i64, String)>)>, sqlx::Error> {
    let mut logs: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    let mut tx = by_key(db).await?;
    let sql = "SELECT case_id, server_seq, body FROM changes WHERE case_id IN ({})";
    for row in super::select_in(&mut tx, sql, ids).await? {
        logs.entry(row.try_get("case_id")?)
            .or_default()
            .push((row.try_get("server_seq")?, row.try_get("body")?));
    }
    tx.commit().await?;
    Ok(logs.into_iter().collect())
}

type Projected = (String, String, String, i64);

fn fold_all(logs: Vec<(String, Vec<(i64, String)>)>) -> Result<Vec<Projected>, sqlx::Error> {
    let mut rows = Vec::with_capacity(logs.len());
    for (case_id, changes) in logs {
        let mut log = CaseLog::default();
        let mut last = 0;
        for (server_seq, body) in changes {
            let change: Change = decode("body", &body)?;
            last = last.max(server_seq);
            log.entries.push(advocase_core::log::Entry {
                change,
                synced: Some(server_seq as u64),
                refused: None,
            });
        }
        // One sort, not an ordered insert per change: a long history is
        // thousands of entries.
        log.entries.sort_by_key(|e| (e.change.hlc, e.change.id));
        match log.fold() {
            Some(file) => rows.push((
                case_id,
                encode(&file),
                crate::report::facts::encode(&file),
                last,
            )),
            None => {
                // Cannot happen: a case row is written only with its
                // opening. Marked done with nothing for readers to read
                // (they skip an empty state), so no round repeats it.
                tracing::warn!("a case's stored log has no opening");
                rows.push((case_id, String::new(), String::new(), last));
            }
        }
    }
    Ok(rows)
}

/// For tests: whether `case` is folded up to its last stored change.
pub async fn is_current(db: &Db, case: Id) -> Result<bool, sqlx::Error> {
    let behind: Option<i64> =
        sqlx::query_scalar("SELECT last_seq - projected_seq FROM cases WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(behind == Some(0))
}
