//! The shared change stream in SQL: storing a push (idempotently, in one
//! transaction); handing out pull pages and a case's whole history is `pull.rs`. The
//! rules are `advocase_core::sync`'s; `crates/core/tests/protocol/` holds
//! an in-memory model of this module that it must match.

use std::collections::{BTreeSet, HashMap, HashSet};

use advocase_core::access::{Holders, User};
use advocase_core::api::ApiError;
use advocase_core::change::{Change, Op};
use advocase_core::directory::UnitIndex;
use advocase_core::id::Id;
use advocase_core::log::CaseLog;
use advocase_core::sync::{Outcome, PushRequest, PushResponse, PushResult, accept};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, Entry, action, outcome};
use crate::db::Db;
use crate::directory::structure::unit_index;

mod pull;
use pull::pulled;
pub use pull::{History, StoredPage, history, pull};

/// Stores what can be stored of `req` and answers every change, in order.
/// [`push_detailed`] says besides what was stored, for the live channel.
pub async fn push(
    db: &Db,
    user: &User,
    req: &PushRequest,
    now_ms: u64,
) -> Result<PushResponse, sqlx::Error> {
    Ok(push_detailed(db, user, req, now_ms).await?.response)
}

/// A push's answer, and what it stored (none if it stored nothing new).
pub struct Pushed {
    pub response: PushResponse,
    pub stored: Option<Stored>,
}

/// What a committed push stored: enough to tell who may see it now,
/// and nothing a log may not hold.
pub struct Stored {
    /// The server_seq of the last change stored: the cursor a device that
    /// pulls will reach.
    pub last_seq: u64,
    /// Each case it changed, as access reads it after the push.
    pub cases: Vec<CaseAccess>,
    /// The units as the push read them.
    pub units: UnitIndex,
}

/// What access reads of a case: its unit and the people tied to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    pub unit: String,
    pub assignee: String,
    pub created_by: String,
    pub involved: String,
}

impl CaseAccess {
    pub fn holders(&self) -> Holders<'_> {
        Holders {
            unit: &self.unit,
            assignee: &self.assignee,
            created_by: &self.created_by,
            involved: &self.involved,
        }
    }
}

/// [`push`], saying what it stored.
///
/// One transaction, so a server killed mid-push has recorded either every
/// answer or none: it never told a device "stored" about something it lost.
/// It starts by taking the sync_counter row's lock (PostgreSQL) or the
/// write lock (SQLite): pushes run one at a time and commit in server_seq
/// order, so a pull never sees a number before every smaller one is visible
/// (it would move its cursor past changes still committing).
pub async fn push_detailed(
    db: &Db,
    user: &User,
    req: &PushRequest,
    now_ms: u64,
) -> Result<Pushed, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let counter: i64 = sqlx::query_scalar(
        "UPDATE sync_counter SET value = value + 0 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    // A handful of queries per request, not per change: what this device
    // sent before, which ids are taken, and the logs of the cases touched.
    let device = req.device.to_string();
    let mut ledger = ledger(&mut tx, &device, &req.changes).await?;
    let mut taken = ids_taken(&mut tx, &req.changes).await?;
    let case_ids: BTreeSet<Id> = req
        .changes
        .iter()
        .filter(|c| !ledger.contains_key(&seq_key(c)))
        .map(|c| c.case_id)
        .collect();
    let mut logs = load_logs(&mut tx, &case_ids).await?;
    let units = unit_index(&mut *tx).await?;

    let mut last_seq = counter;
    let mut touched: BTreeSet<Id> = BTreeSet::new();
    let mut stored_rows = Vec::new();
    let mut ledger_rows = Vec::new();
    let mut decided = Vec::new();
    let mut results = Vec::with_capacity(req.changes.len());
    for change in &req.changes {
        let outcome = match ledger.get(&seq_key(change)) {
            Some((id, outcome)) if *id == change.id.to_string() => replay(outcome.clone()),
            Some(_) => Outcome::Refused {
                reason: invalid(
                    "seq",
                    format!(
                        "This device already sent a different change numbered {}: sequence numbers cannot be reused.",
                        change.seq
                    ),
                ),
            },
            None => {
                let outcome = if taken.contains(&change.id.to_string()) {
                    Outcome::Refused {
                        reason: invalid(
                            "id",
                            "A change with this id was already sent from another device or under another number.",
                        ),
                    }
                } else {
                    let log = logs.entry(change.case_id).or_default();
                    match accept(user, change, log.fold().as_ref(), &units, now_ms) {
                        Ok(stored) => {
                            last_seq += 1;
                            let hlc = stored.hlc;
                            taken.insert(stored.id.to_string());
                            stored_rows.push((stored.clone(), last_seq));
                            log.merge_synced(stored, last_seq as u64);
                            touched.insert(change.case_id);
                            Outcome::Stored {
                                server_seq: last_seq as u64,
                                hlc,
                                duplicate: false,
                            }
                        }
                        Err(reason) => Outcome::Refused { reason },
                    }
                };
                decided.push((change, outcome.clone()));
                // A pair repeated within this very request gets this answer.
                ledger.insert(seq_key(change), (change.id.to_string(), outcome.clone()));
                ledger_rows.push((change, outcome.clone()));
                outcome
            }
        };
        results.push(PushResult {
            id: change.id,
            seq: change.seq,
            outcome,
        });
    }
    insert_changes(&mut tx, &stored_rows, &user.username, now_ms).await?;
    record(&mut tx, &ledger_rows, &user.username, now_ms).await?;
    let opened: Vec<_> = stored_rows
        .iter()
        .filter_map(|(c, _)| match &c.op {
            Op::Open { case } => Some((c.case_id.to_string(), &case.patient)),
            _ => None,
        })
        .collect();
    audit::patients::index(&mut tx, &opened).await?;
    let mut cases = Vec::with_capacity(touched.len());
    for case_id in touched {
        cases.extend(save_case(&mut tx, &logs[&case_id]).await?);
    }
    if last_seq != counter {
        sqlx::query("UPDATE sync_counter SET value = $1 WHERE id = 1")
            .bind(last_seq)
            .execute(&mut *tx)
            .await?;
    }
    // In this transaction, and last: a change is stored if and only if its
    // audit row is, and the audit head's lock is held only for the commit.
    audit::append(&mut tx, &pushed(user, &decided), now_ms).await?;
    tx.commit().await?;
    let stored = (last_seq != counter).then_some(Stored {
        last_seq: last_seq as u64,
        cases,
        units,
    });
    Ok(Pushed {
        response: PushResponse { results },
        stored,
    })
}

/// The audit rows of the changes decided now: the stored ones one row per
/// case and device (naming every change, its kind, seq and server_seq),
/// each refused one a row of its own. One row per change made a 10,000
/// change push a fifth slower; a case's batch is one disclosure anyway.
/// A repeat answered from the ledger gets none: it stores nothing and
/// discloses nothing (its answer is a number and a clock), the first
/// copy's row already says who sent it from which device, and a tablet on
/// bad Wi-Fi may resend a batch many times.
fn pushed(user: &User, decided: &[(&Change, Outcome)]) -> Vec<Entry> {
    let entry = |change: &Change| {
        Entry::new(action::CHANGE_PUSHED, outcome::OK, &user.username)
            .device(Some(change.device.to_string()))
            .case(change.case_id)
    };
    let mut rows: Vec<(Entry, usize)> = Vec::new();
    // (case, device) -> its row of stored changes, in first-seen order.
    let mut stored_row: HashMap<(Id, Id), usize> = HashMap::new();
    for (change, decided) in decided {
        let kind = op_kind(&change.op);
        match decided {
            Outcome::Stored { server_seq, .. } => {
                let what = format!(
                    "change {} ({kind}, seq {}) stored as server_seq {server_seq}",
                    change.id, change.seq
                );
                match stored_row.get(&(change.case_id, change.device)) {
                    Some(&i) => {
                        let (row, n) = &mut rows[i];
                        row.detail.push_str("; ");
                        row.detail.push_str(&what);
                        *n += 1;
                    }
                    None => {
                        stored_row.insert((change.case_id, change.device), rows.len());
                        rows.push((entry(change).detail(what), 1));
                    }
                }
            }
            // The error code and field, not the message: short and fixed.
            Outcome::Refused { reason } => {
                let on = reason.field.as_deref().map(|f| format!(" on {f}"));
                let row = Entry {
                    outcome: outcome::REFUSED,
                    ..entry(change).detail(format!(
                        "change {} ({kind}, seq {}) refused: {}{}",
                        change.id,
                        change.seq,
                        reason.error,
                        on.unwrap_or_default()
                    ))
                };
                rows.push((row, 1));
            }
        }
    }
    rows.into_iter()
        .map(|(mut row, n)| {
            if n > 1 {
                row.detail = format!("{n} changes: {}", row.detail);
            }
            row
        })
        .collect()
}

fn op_kind(op: &Op) -> &'static str {
    match op {
        Op::Open { .. } => "open",
        Op::Edit { .. } => "edit",
        Op::Log { .. } => "log",
        Op::Delete { .. } => "delete",
        Op::StartChecklist { .. } => "start_checklist",
        Op::AddItem { .. } => "add_item",
        Op::SetItem { .. } => "set_item",
        Op::AddTask { .. } => "add_task",
        Op::SetTask { .. } => "set_task",
        Op::Escalate { .. } => "escalate",
        Op::Respond { .. } => "respond",
    }
}

/// `$a, $b, …` for `n` parameters numbered from `first`.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: well under either database's parameter limit.
const ROWS_PER_INSERT: usize = 100;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        error: "invalid".into(),
        message: message.into(),
        field: Some(field.into()),
    }
}

/// The answer given the first time, marked as a repeat if it was stored.
fn replay(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Stored {
            server_seq, hlc, ..
        } => Outcome::Stored {
            server_seq,
            hlc,
            duplicate: true,
        },
        refused => refused,
    }
}

// Sequence numbers are u64 on the wire and BIGINT here: `as` maps one onto
// the other both ways without collisions, which is all a key needs.
fn seq_key(change: &Change) -> i64 {
    change.seq as i64
}

async fn ledger(
    tx: &mut Transaction<'static, Any>,
    device: &str,
    changes: &[Change],
) -> Result<HashMap<i64, (String, Outcome)>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in changes.chunks(ROWS_PER_INSERT * 4) {
        let sql = format!(
            "SELECT seq, change_id, outcome_json FROM received WHERE device = $1 AND seq IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(device);
        for c in chunk {
            q = q.bind(seq_key(c));
        }
        for row in q.fetch_all(&mut **tx).await? {
            let seq: i64 = row.try_get("seq")?;
            let id: String = row.try_get("change_id")?;
            let outcome: String = row.try_get("outcome_json")?;
            found.insert(seq, (id, decode("outcome_json", &outcome)?));
        }
    }
    Ok(found)
}

fn decode<T: serde::de::DeserializeOwned>(column: &str, json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    })
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("sync types serialize")
}

async fn ids_taken(
    tx: &mut Transaction<'static, Any>,
    changes: &[Change],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut taken = HashSet::new();
    for chunk in changes.chunks(ROWS_PER_INSERT * 4) {
        let sql = format!(
            "SELECT change_id FROM changes WHERE change_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c.id.to_string());
        }
        for row in q.fetch_all(&mut **tx).await? {
            taken.insert(row.try_get::<String, _>("change_id")?);
        }
    }
    Ok(taken)
}

async fn load_logs(
    tx: &mut Transaction<'static, Any>,
    case_ids: &BTreeSet<Id>,
) -> Result<HashMap<Id, CaseLog>, sqlx::Error> {
    let mut logs: HashMap<Id, CaseLog> = HashMap::new();
    let ids: Vec<String> = case_ids.iter().map(Id::to_string).collect();
    for chunk in ids.chunks(ROWS_PER_INSERT * 4) {
        let sql = format!(
            "SELECT server_seq, body FROM changes WHERE case_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(&mut **tx).await? {
            let p = pulled(&row)?;
            logs.entry(p.change.case_id)
                .or_default()
                .merge_synced(p.change, p.server_seq);
        }
    }
    Ok(logs)
}

async fn insert_changes(
    tx: &mut Transaction<'static, Any>,
    rows: &[(Change, i64)],
    username: &str,
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * 8 + 1, 8)))
            .collect();
        let sql = format!(
            "INSERT INTO changes (server_seq, change_id, device, seq, case_id, username, received_at_ms, body) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (change, server_seq) in chunk {
            q = q
                .bind(*server_seq)
                .bind(change.id.to_string())
                .bind(change.device.to_string())
                .bind(seq_key(change))
                .bind(change.case_id.to_string())
                .bind(username.to_owned())
                .bind(now_ms as i64)
                .bind(encode(change));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn record(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&Change, Outcome)],
    username: &str,
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * 6 + 1, 6)))
            .collect();
        let sql = format!(
            "INSERT INTO received (device, seq, change_id, outcome_json, username, received_at_ms) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (change, outcome) in chunk {
            q = q
                .bind(change.device.to_string())
                .bind(seq_key(change))
                .bind(change.id.to_string())
                .bind(encode(outcome))
                .bind(username.to_owned())
                .bind(now_ms as i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Writes the case as its log now folds, with what access reads beside it
/// (which it answers).
async fn save_case(
    tx: &mut Transaction<'static, Any>,
    log: &CaseLog,
) -> Result<Option<CaseAccess>, sqlx::Error> {
    // Only stored changes are in the log, and the first one stored for a
    // case is always its opening (accept refuses anything else first).
    let Some(file) = log.fold() else {
        return Ok(None);
    };
    let access = CaseAccess {
        unit: file.case.patient.unit.clone(),
        assignee: file.case.assignee.clone(),
        created_by: file.case.created_by.clone(),
        involved: file.case.involved(),
    };
    let last_seq = log
        .entries
        .iter()
        .filter_map(|e| e.synced)
        .max()
        .unwrap_or(0);
    sqlx::query(
        "INSERT INTO cases (case_id, unit, assignee, created_by, deleted, state, last_seq, involved, facts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (case_id) DO UPDATE SET unit = excluded.unit, assignee = excluded.assignee,
             created_by = excluded.created_by, deleted = excluded.deleted,
             state = excluded.state, last_seq = excluded.last_seq, involved = excluded.involved,
             facts = excluded.facts",
    )
    .bind(file.case.id.to_string())
    .bind(&file.case.patient.unit)
    .bind(&file.case.assignee)
    .bind(&file.case.created_by)
    .bind(i64::from(file.deleted.is_some()))
    .bind(encode(&file))
    .bind(last_seq as i64)
    .bind(&access.involved)
    .bind(crate::report::facts::encode(&file))
    .execute(&mut **tx)
    .await?;
    Ok(Some(access))
}

/// What access reads of a case row: unit, assignee, creator, involved.
pub(crate) type HolderRow = (String, String, String, String);

/// The columns `unit`, `assignee`, `created_by` and `involved` of a row.
pub(crate) fn holders(row: &AnyRow) -> Result<HolderRow, sqlx::Error> {
    Ok((
        row.try_get("unit")?,
        row.try_get("assignee")?,
        row.try_get("created_by")?,
        row.try_get("involved")?,
    ))
}

pub(crate) fn may_see(
    user: &User,
    (unit, assignee, created_by, involved): &HolderRow,
    units: &UnitIndex,
) -> bool {
    user.can_see_case_of(
        &Holders {
            unit,
            assignee,
            created_by,
            involved,
        },
        units,
    )
}
