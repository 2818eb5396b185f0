//! The shared change stream in SQL: storing a push (idempotently, in one
//! transaction); handing out pull pages and a case's whole history is `pull.rs`. The
//! rules are `advocase_core::sync`'s; `crates/core/tests/protocol/` holds
//! an in-memory model of this module that it must match.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use advocase_core::access::{Holders, User, authorize};
use advocase_core::api::ApiError;
use advocase_core::change::{Change, Op};
use advocase_core::directory::UnitIndex;
use advocase_core::id::Id;
use advocase_core::summary::{CaseSummary, Holding};
use advocase_core::sync::{Outcome, PushRequest, PushResponse, PushResult, prepare};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::audit::{self, Entry, action, outcome};
use crate::db::{Db, is_sqlite, placeholders, values};
use crate::directory::structure::unit_index;

mod ledger;
pub mod projection;
mod pull;
#[cfg(test)]
mod tests;
pub mod writer;
pub(crate) use ledger::{Refusal, record_in};
use ledger::{ledger, record, seq_key};
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
    Ok(push_detailed(db, user, req.clone(), now_ms).await?.response)
}

/// A push waiting for its group, its changes made [`Ready`] in the
/// request's own task.
pub struct Job {
    pub(crate) user: User,
    pub(crate) req: PushRequest,
    pub(crate) now_ms: u64,
    /// One per change of `req`, in order.
    ready: Vec<Ready>,
}

impl Job {
    pub(crate) fn new(user: User, req: PushRequest, now_ms: u64) -> Self {
        let ready = req.changes.iter().map(|c| Ready::new(c, now_ms)).collect();
        Job {
            user,
            req,
            now_ms,
            ready,
        }
    }
}

/// What a change's storing needs that depends on nothing but the change
/// and its push's time: its checks, the change as stored (clock clamped)
/// and its JSON, and its ids as text. Made before the push waits for its
/// group, beside the other pushes, not in the group's turn, which is
/// serial: in the crowd of a hundred tablets that was a third of a group's
/// time, while the second core stood idle (issue 16).
struct Ready {
    id: String,
    device: String,
    /// The change as stored and its JSON, or the refusal of its checks.
    stored: Result<(Change, String), ApiError>,
}

impl Ready {
    fn new(change: &Change, now_ms: u64) -> Self {
        Ready {
            id: change.id.to_string(),
            device: change.device.to_string(),
            stored: prepare(change, now_ms).map(|c| {
                let body = encode(&c);
                (c, body)
            }),
        }
    }
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

/// What access reads of a case: its unit and the people tied to it (as
/// its summary says).
pub type CaseAccess = Holding;

/// [`push`], saying what it stored: handed to the [`writer`], which stores
/// it with the pushes that arrive meanwhile in one transaction.
pub async fn push_detailed(
    db: &Db,
    user: &User,
    req: PushRequest,
    now_ms: u64,
) -> Result<Pushed, sqlx::Error> {
    writer::submit(db, user.clone(), req, now_ms).await
}

/// Pushes stored together: one transaction, one commit. It takes the
/// sync_counter row's lock (PostgreSQL) or the write lock (SQLite) first
/// and holds it to the commit, so groups commit in server_seq order and a
/// pull never sees a number before every smaller one is visible (it would
/// move its cursor past changes still committing); docs/SYNC.md. A server
/// killed mid-group has recorded every answer of it or none: it never told
/// a device "stored" about something it lost.
///
/// What the group needs is read once (the ledger of every device in it,
/// the change ids taken, the cases' summaries), its pushes are decided in
/// memory one after the other in arrival order, each seeing what the ones
/// before it stored, and what they stored is written once: a few
/// multi-row statements a group, not a dozen a push. A hundred tablets
/// pushing at once queued behind 1,600 statements (issue 16).
pub(crate) async fn store_group(db: &Db, pushes: &[Job]) -> Result<Vec<Pushed>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let counter: i64 = sqlx::query_scalar(
        "UPDATE sync_counter SET value = value + 0 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    let units = unit_index(&mut *tx).await?;
    let mut known = Known::read(&mut tx, pushes).await?;
    let mut writes = Writes::default();
    let mut last_seq = counter;
    let mut answers = Vec::with_capacity(pushes.len());
    let mut audit_rows = Vec::new();
    for job in pushes {
        let (pushed, rows) = decide(&mut known, &mut writes, &mut last_seq, &units, job);
        answers.push(pushed);
        audit_rows.push((rows, job.now_ms));
    }
    writes.write(&mut tx, &known.summaries).await?;
    if last_seq != counter {
        sqlx::query("UPDATE sync_counter SET value = $1 WHERE id = 1")
            .bind(last_seq)
            .execute(&mut *tx)
            .await?;
    }
    // In this transaction, and last: a change is stored if and only if its
    // audit row is, and the audit head's lock is held only for the commit.
    let batches: Vec<_> = audit_rows
        .iter()
        .filter(|(rows, _)| !rows.is_empty())
        .map(|(rows, now_ms)| (rows.as_slice(), *now_ms))
        .collect();
    if !batches.is_empty() {
        let mut head = audit::lock_head(&mut tx).await?;
        audit::append_batches(&mut tx, &mut head, &batches).await?;
    }
    tx.commit().await?;
    if last_seq != counter {
        projection::nudge(db);
    }
    Ok(answers)
}

/// What a group's pushes are decided against: read once, then kept up to
/// date in memory as each push is decided, so each sees exactly what it
/// would have read had the pushes before it committed on their own.
struct Known {
    /// The ledger: (device, seq) -> the change id and the answer given.
    ledger: HashMap<(String, i64), (String, Outcome)>,
    /// The change ids stored.
    taken: HashSet<String>,
    /// The summaries of the cases the group's changes name.
    summaries: HashMap<Id, CaseSummary>,
}

impl Known {
    async fn read(tx: &mut Transaction<'static, Any>, pushes: &[Job]) -> Result<Self, sqlx::Error> {
        let ledger = ledger(tx, pushes).await?;
        let ids = pushes
            .iter()
            .flat_map(|job| &job.ready)
            .map(|r| r.id.clone());
        let taken = ids_taken(tx, ids.collect()).await?;
        // A change answered from the ledger stores nothing: its case need
        // not be read (a retried batch of a long-closed case costs nothing).
        let case_ids: BTreeSet<Id> = pushes
            .iter()
            .flat_map(|Job { req, .. }| {
                let device = req.device.to_string();
                let ledger = &ledger;
                req.changes
                    .iter()
                    .filter(move |c| !ledger.contains_key(&(device.clone(), seq_key(c))))
                    .map(|c| c.case_id)
            })
            .collect();
        let summaries = load_summaries(tx, &case_ids).await?;
        Ok(Known {
            ledger,
            taken,
            summaries,
        })
    }
}

/// What a group stores, gathered while its pushes are decided.
#[derive(Default)]
struct Writes<'a> {
    /// Each change stored (as it was made ready), its server_seq, who
    /// sent it and when.
    changes: Vec<(&'a Ready, i64, &'a str, u64)>,
    /// Each change refused now, for the ledger.
    received: Vec<(&'a Change, Outcome, &'a str, u64)>,
    /// Each case stored to, and its last server_seq now.
    cases: BTreeMap<Id, i64>,
}

impl Writes<'_> {
    async fn write(
        &self,
        tx: &mut Transaction<'static, Any>,
        summaries: &HashMap<Id, CaseSummary>,
    ) -> Result<(), sqlx::Error> {
        insert_changes(tx, &self.changes).await?;
        record(tx, &self.received).await?;
        let opened: Vec<_> = self
            .changes
            .iter()
            .filter_map(|(r, ..)| match &r.stored {
                Ok((c, _)) => match &c.op {
                    Op::Open { case } => Some((c.case_id.to_string(), &case.patient)),
                    _ => None,
                },
                Err(_) => None,
            })
            .collect();
        audit::patients::index(tx, &opened).await?;
        let cases: Vec<_> = self
            .cases
            .iter()
            .map(|(id, last)| (*id, &summaries[id], *last))
            .collect();
        save_cases(tx, &cases).await
    }
}

/// One push of a group, decided in memory: its answers, what it stored
/// (numbered on from `last_seq`, gathered in `writes`), and its audit rows.
fn decide<'a>(
    known: &mut Known,
    writes: &mut Writes<'a>,
    last_seq: &mut i64,
    units: &UnitIndex,
    job: &'a Job,
) -> (Pushed, Vec<Entry>) {
    let Job {
        user,
        req,
        now_ms,
        ready,
    } = job;
    let now_ms = *now_ms;
    let first_seq = *last_seq;
    let device = req.device.to_string();
    let mut touched = BTreeSet::new();
    let mut decided = Vec::new();
    let mut results = Vec::with_capacity(req.changes.len());
    for (change, ready) in req.changes.iter().zip(ready) {
        let outcome = match known.ledger.get(&(device.clone(), seq_key(change))) {
            Some((id, outcome)) if *id == ready.id => outcome.clone().replayed(),
            Some(_) => seq_reused(change.seq),
            None => {
                let outcome = if known.taken.contains(&ready.id) {
                    id_taken()
                } else {
                    // Decided from the case's summary, never by refolding
                    // its log: a push costs the same on a long history.
                    let summary = known.summaries.entry(change.case_id).or_default();
                    let holding = summary.holders();
                    let holders = holding.as_ref().map(Holding::holders);
                    // `accept`, its first half made ready before.
                    let accepted =
                        ready
                            .stored
                            .as_ref()
                            .map_err(Clone::clone)
                            .and_then(|(stored, _)| {
                                authorize(user, change, holders.as_ref(), units).map(|()| stored)
                            });
                    match accepted {
                        Ok(stored) => {
                            *last_seq += 1;
                            let hlc = stored.hlc;
                            known.taken.insert(ready.id.clone());
                            summary.add(stored);
                            writes
                                .changes
                                .push((ready, *last_seq, &user.username, now_ms));
                            writes.cases.insert(change.case_id, *last_seq);
                            touched.insert(change.case_id);
                            Outcome::Stored {
                                server_seq: *last_seq as u64,
                                hlc,
                                duplicate: false,
                            }
                        }
                        Err(reason) => Outcome::Refused { reason },
                    }
                };
                decided.push((change, outcome.clone()));
                // A pair repeated later (in this request or another of the
                // group) gets this answer, as the ledger's row would give
                // it: recorded under the change's own device.
                known.ledger.insert(
                    (ready.device.clone(), seq_key(change)),
                    (ready.id.clone(), outcome.clone()),
                );
                // Only a refusal: a stored change's row is its entry.
                if let Outcome::Refused { .. } = outcome {
                    writes
                        .received
                        .push((change, outcome.clone(), &user.username, now_ms));
                }
                outcome
            }
        };
        results.push(PushResult {
            id: change.id,
            seq: change.seq,
            outcome,
        });
    }
    // Access as it reads each case after this push (a later push of the
    // group may change it again).
    let cases = touched
        .iter()
        .filter_map(|id| known.summaries[id].holders())
        .collect();
    let stored = (*last_seq != first_seq).then(|| Stored {
        last_seq: *last_seq as u64,
        cases,
        units: units.clone(),
    });
    (
        Pushed {
            response: PushResponse { results },
            stored,
        },
        pushed(user, &decided),
    )
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

/// Rows per multi-row INSERT: well under either database's parameter limit.
pub(crate) const ROWS_PER_INSERT: usize = 100;

/// Parameters a SELECT binds at most: well under either database's limit
/// (SQLite's is 32,766, PostgreSQL's 65,535), and a plan stays cheap.
const PARAMS_PER_STATEMENT: usize = ROWS_PER_INSERT * 4;

/// The answer to a change numbered as one the device sent before under
/// another id (case and supply pushes alike).
pub(crate) fn seq_reused(seq: u64) -> Outcome {
    Outcome::Refused {
        reason: invalid(
            "seq",
            format!(
                "This device already sent a different change numbered {seq}: sequence numbers cannot be reused."
            ),
        ),
    }
}

/// The answer to a change whose id is stored under another (device, seq).
pub(crate) fn id_taken() -> Outcome {
    Outcome::Refused {
        reason: invalid(
            "id",
            "A change with this id was already sent from another device or under another number.",
        ),
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        error: "invalid".into(),
        message: message.into(),
        field: Some(field.into()),
    }
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    column: &str,
    json: &str,
) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    })
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("sync types serialize")
}

async fn ids_taken(
    tx: &mut Transaction<'static, Any>,
    ids: Vec<String>,
) -> Result<HashSet<String>, sqlx::Error> {
    select_in(
        tx,
        "SELECT change_id FROM changes WHERE change_id IN ({})",
        &ids,
    )
    .await?
    .iter()
    .map(|row| row.try_get("change_id"))
    .collect()
}

/// The rows `sql` selects for `ids`, its one `{}` the list of their
/// placeholders, a few hundred ids a statement.
///
/// A list's length is rounded up to a power of two, the last id repeated
/// (an `IN` list means the same with an id twice): so a statement has a
/// handful of texts, not one per length, each parsed and prepared once per
/// connection and kept in its statement cache, not prepared anew on nearly
/// every call and pushing other statements out of that cache.
pub(crate) async fn select_in(
    conn: &mut AnyConnection,
    sql: &str,
    ids: &[String],
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let sqlite = is_sqlite(conn);
    let mut rows = Vec::new();
    for chunk in ids.chunks(PARAMS_PER_STATEMENT) {
        let len = padded_len(chunk.len());
        let sql = sql.replace("{}", &placeholders(sqlite, 1, len));
        let mut q = sqlx::query(&sql);
        for i in 0..len {
            q = q.bind(&chunk[i.min(chunk.len() - 1)]);
        }
        rows.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// `n` rounded up to a power of two, at most [`PARAMS_PER_STATEMENT`].
fn padded_len(n: usize) -> usize {
    n.next_power_of_two().min(PARAMS_PER_STATEMENT)
}

/// The summaries of `case_ids` that are stored (a case not yet opened has
/// none). A case stored before summaries were kept is summed up from its
/// log, once: the push writes its summary.
async fn load_summaries(
    tx: &mut Transaction<'static, Any>,
    case_ids: &BTreeSet<Id>,
) -> Result<HashMap<Id, CaseSummary>, sqlx::Error> {
    let mut summaries = HashMap::new();
    let mut unsummed = Vec::new();
    let ids: Vec<String> = case_ids.iter().map(Id::to_string).collect();
    let sql = "SELECT case_id, summary FROM cases WHERE case_id IN ({})";
    for row in select_in(tx, sql, &ids).await? {
        let case_id: String = row.try_get("case_id")?;
        let summary: String = row.try_get("summary")?;
        if summary.is_empty() {
            unsummed.push(case_id);
        } else {
            let id = case_id.parse().map_err(|e| sqlx::Error::ColumnDecode {
                index: "case_id".into(),
                source: Box::new(e),
            })?;
            summaries.insert(id, decode("summary", &summary)?);
        }
    }
    let sql = "SELECT server_seq, body FROM changes WHERE case_id IN ({})";
    for row in select_in(tx, sql, &unsummed).await? {
        let change = pulled(&row)?.change;
        summaries
            .entry(change.case_id)
            .or_insert_with(CaseSummary::default)
            .add(&change);
    }
    Ok(summaries)
}

async fn insert_changes(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&Ready, i64, &str, u64)],
) -> Result<(), sqlx::Error> {
    let sqlite = is_sqlite(tx);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO changes (server_seq, change_id, device, seq, case_id, username, received_at_ms, body) VALUES {}",
            values(sqlite, chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for (ready, server_seq, username, now_ms) in chunk {
            let Ok((change, body)) = &ready.stored else {
                unreachable!("only a change whose checks passed is stored")
            };
            q = q
                .bind(*server_seq)
                .bind(ready.id.as_str())
                .bind(ready.device.as_str())
                .bind(seq_key(change))
                .bind(change.case_id.to_string())
                .bind(*username)
                .bind(*now_ms as i64)
                .bind(body.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Writes each case's summary and what access reads beside it, and marks
/// its state behind: [`projection`] folds it after the commit. A new
/// case's state and facts stay empty until then. One row per case, so no
/// statement updates a row twice (PostgreSQL refuses that), in case_id
/// order, the order [`projection`] writes rows in: neither ever waits for
/// the other in a cycle.
async fn save_cases(
    tx: &mut Transaction<'static, Any>,
    cases: &[(Id, &CaseSummary, i64)],
) -> Result<(), sqlx::Error> {
    // Only stored changes are summed up, and the first one stored for a
    // case is always its opening (accept refuses anything else first).
    let rows: Vec<_> = cases
        .iter()
        .filter_map(|(id, summary, last)| Some((id, summary, summary.holders()?, last)))
        .collect();
    let sqlite = is_sqlite(tx);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO cases (case_id, unit, assignee, created_by, deleted, last_seq, involved, summary, state, facts, projected_seq)
             VALUES {}
             ON CONFLICT (case_id) DO UPDATE SET unit = excluded.unit, assignee = excluded.assignee,
                 created_by = excluded.created_by, deleted = excluded.deleted,
                 last_seq = excluded.last_seq, involved = excluded.involved,
                 summary = excluded.summary",
            values(sqlite, chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for (id, summary, h, last) in chunk {
            q = q
                .bind(id.to_string())
                .bind(h.unit.clone())
                .bind(h.assignee.clone())
                .bind(h.created_by.clone())
                .bind(i64::from(summary.is_deleted()))
                .bind(**last)
                .bind(h.involved.clone())
                .bind(encode(*summary))
                .bind("")
                .bind("")
                .bind(0_i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
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
