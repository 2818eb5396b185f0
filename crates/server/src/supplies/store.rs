//! Storing a supply push: idempotent by `(device, seq)`, in one
//! transaction, numbered by `supply_counter` (docs/SUPPLIES.md, "Sync").
//!
//! Not through the case pushes' group writer (`changes::writer`): supply
//! pushes are a few a minute a unit, not a hundred tablets at once, and
//! one transaction a push keeps this short. The answers are the case
//! pushes' own (`Outcome::replayed`, `changes::{seq_reused, id_taken}`).

use std::collections::{HashMap, HashSet};

use advocase_core::access::User;
use advocase_core::directory::unit_key;
use advocase_core::supplies::wire::{SupplyPush, accept};
use advocase_core::supplies::{SupplyChange, SupplyOp};
use advocase_core::sync::{Outcome, PushResponse, PushResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, Entry, action, outcome};
use crate::changes::{
    ROWS_PER_INSERT, Refusal, decode, encode, id_taken, record_in, select_in, seq_reused,
};
use crate::db::{Db, is_sqlite, values};
use crate::directory::structure::unit_index;

/// What the ledger holds of one device: seq -> the change id and the
/// answer given.
type Ledger = HashMap<i64, (String, Outcome)>;

/// Stores what can be stored of `req` and answers every change, in order.
/// The caller has checked the batch whole (size, one device).
///
/// The transaction's first statement locks the one `supply_counter` row
/// (PostgreSQL: its row lock; SQLite: the write lock the update takes) and
/// holds it to the commit: supply pushes commit in server_seq order, so a
/// pull never sees a number before every smaller one is visible and its
/// cursor never passes a change still committing. Then the audit head's
/// lock, as case pushes take `sync_counter`'s and then the audit head's:
/// one order, no deadlock.
pub async fn push(
    db: &Db,
    user: &User,
    req: &SupplyPush,
    now_ms: u64,
) -> Result<PushResponse, sqlx::Error> {
    if req.changes.is_empty() {
        return Ok(PushResponse { results: vec![] });
    }
    let mut tx = db.pool.begin().await?;
    let counter: i64 = sqlx::query_scalar(
        "UPDATE supply_counter SET value = value + 0 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    let units = unit_index(&mut *tx).await?;
    let device = req.device.to_string();
    let mut ledger = ledger(&mut tx, &device, &req.changes).await?;
    let ids: Vec<String> = req.changes.iter().map(|c| c.id.to_string()).collect();
    let sql = "SELECT change_id FROM supply_changes WHERE change_id IN ({})";
    let mut taken: HashSet<String> = select_in(&mut tx, sql, &ids)
        .await?
        .iter()
        .map(|row| row.try_get("change_id"))
        .collect::<Result<_, _>>()?;

    let mut last_seq = counter;
    let mut stored: Vec<(i64, SupplyChange)> = Vec::new();
    let mut refused: Vec<(&SupplyChange, Outcome)> = Vec::new();
    let mut results = Vec::with_capacity(req.changes.len());
    for (change, id) in req.changes.iter().zip(&ids) {
        let key = change.seq as i64;
        let outcome = match ledger.get(&key) {
            Some((was, outcome)) if was == id => outcome.clone().replayed(),
            Some(_) => seq_reused(change.seq),
            None => {
                let outcome = if taken.contains(id) {
                    id_taken()
                } else {
                    match accept(user, change, &units, now_ms) {
                        Ok(accepted) => {
                            last_seq += 1;
                            taken.insert(id.clone());
                            let hlc = accepted.hlc;
                            stored.push((last_seq, accepted));
                            Outcome::Stored {
                                server_seq: last_seq as u64,
                                hlc,
                                duplicate: false,
                            }
                        }
                        Err(reason) => Outcome::Refused { reason },
                    }
                };
                // The same pair again in this batch gets this answer, as
                // the ledger's row would give it.
                ledger.insert(key, (id.clone(), outcome.clone()));
                if let Outcome::Refused { .. } = outcome {
                    refused.push((change, outcome.clone()));
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

    insert_stored(&mut tx, &stored, &user.username, now_ms).await?;
    record_refused(&mut tx, &refused, &user.username, now_ms).await?;
    if !stored.is_empty() {
        sqlx::query("UPDATE supply_counter SET value = $1 WHERE id = 1")
            .bind(last_seq)
            .execute(&mut *tx)
            .await?;
    }
    // In this transaction: the changes are stored if and only if their row
    // is. A push that only had refusals has its row too, as case pushes'
    // refusals do; a repeat answered from the ledger decided nothing now
    // and adds none.
    if let Some(entry) = pushed(user, &device, &stored, &refused) {
        audit::append(&mut tx, &[entry], now_ms).await?;
    }
    tx.commit().await?;
    // Counts only: no unit, item or body in the server's logs.
    tracing::debug!(
        changes = req.changes.len(),
        stored = stored.len(),
        refused = refused.len(),
        "supply push"
    );
    Ok(PushResponse { results })
}

/// The audit row of a push's changes decided now: counts and numbers, and
/// each refusal's seq, kind and error code (supplies name no patient);
/// `None` when nothing was decided now.
fn pushed(
    user: &User,
    device: &str,
    stored: &[(i64, SupplyChange)],
    refused: &[(&SupplyChange, Outcome)],
) -> Option<Entry> {
    let mut detail = match (stored.first(), stored.last()) {
        (Some((first, _)), Some((last, _))) => format!(
            "{} supply changes stored (server_seq {first} to {last}), {} refused",
            stored.len(),
            refused.len()
        ),
        _ if refused.is_empty() => return None,
        _ => format!("{} supply changes refused", refused.len()),
    };
    for (i, (change, outcome)) in refused.iter().enumerate() {
        if let Outcome::Refused { reason } = outcome {
            let on = reason.field.as_deref().map(|f| format!(" on {f}"));
            detail += &format!(
                "{}seq {} ({}): {}{}",
                if i == 0 { ": " } else { "; " },
                change.seq,
                kind(&change.op),
                reason.error,
                on.unwrap_or_default()
            );
        }
    }
    let result = if stored.is_empty() {
        outcome::REFUSED
    } else {
        outcome::OK
    };
    Some(
        Entry::new(action::SUPPLIES_PUSHED, result, &user.username)
            .device(Some(device.to_owned()))
            .detail(detail),
    )
}

fn kind(op: &SupplyOp) -> &'static str {
    match op {
        SupplyOp::AddItem { .. } => "add_item",
        SupplyOp::SetItem { .. } => "set_item",
        SupplyOp::StartRound { .. } => "start_round",
        SupplyOp::Count { .. } => "count",
        SupplyOp::Check { .. } => "check",
        SupplyOp::Request { .. } => "request",
        SupplyOp::Fill { .. } => "fill",
    }
}

/// What the ledger holds of the seqs `changes` name, for `device`: stored
/// changes (their number and clock, as stored) and refusals.
async fn ledger(
    tx: &mut Transaction<'static, Any>,
    device: &str,
    changes: &[SupplyChange],
) -> Result<Ledger, sqlx::Error> {
    let mut found = Ledger::new();
    let sql = "SELECT seq, change_id, server_seq, body FROM supply_changes";
    for row in entries(tx, sql, device, changes).await? {
        let body: String = row.try_get("body")?;
        let change: SupplyChange = decode("body", &body)?;
        let server_seq: i64 = row.try_get("server_seq")?;
        let answer = Outcome::Stored {
            server_seq: server_seq as u64,
            hlc: change.hlc,
            duplicate: false,
        };
        found.insert(row.try_get("seq")?, (row.try_get("change_id")?, answer));
    }
    let sql = "SELECT seq, change_id, outcome_json FROM supply_received";
    for row in entries(tx, sql, device, changes).await? {
        let answer: String = row.try_get("outcome_json")?;
        let answer = decode("outcome_json", &answer)?;
        found
            .entry(row.try_get("seq")?)
            .or_insert((row.try_get("change_id")?, answer));
    }
    Ok(found)
}

/// The rows `select` (a ledger table's columns) reads of `device`'s seqs
/// that `changes` name: one range, the batch's lowest seq to its highest
/// (a batch is one run), and of it only the seqs asked for.
async fn entries(
    tx: &mut Transaction<'static, Any>,
    select: &str,
    device: &str,
    changes: &[SupplyChange],
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let asked: HashSet<i64> = changes.iter().map(|c| c.seq as i64).collect();
    let lo = asked.iter().copied().min().unwrap_or(0);
    let hi = asked.iter().copied().max().unwrap_or(-1);
    let rows = sqlx::query(&format!(
        "{select} WHERE device = $1 AND seq BETWEEN $2 AND $3"
    ))
    .bind(device)
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut **tx)
    .await?;
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        if asked.contains(&row.try_get::<i64, _>("seq")?) {
            kept.push(row);
        }
    }
    Ok(kept)
}

/// The accepted changes (clock clamped) as stored: `body` is their JSON,
/// `unit_key` their unit's key (see `pull.rs` for why pulls decide by the
/// unit's text and the structure instead).
async fn insert_stored(
    tx: &mut Transaction<'static, Any>,
    stored: &[(i64, SupplyChange)],
    username: &str,
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    let sqlite = is_sqlite(tx);
    for chunk in stored.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO supply_changes (server_seq, change_id, device, seq, unit, unit_key, username, received_at_ms, body) VALUES {}",
            values(sqlite, chunk.len(), 9)
        );
        let mut q = sqlx::query(&sql);
        for (server_seq, change) in chunk {
            q = q
                .bind(*server_seq)
                .bind(change.id.to_string())
                .bind(change.device.to_string())
                .bind(change.seq as i64)
                .bind(change.unit.clone())
                .bind(unit_key(&change.unit))
                .bind(username.to_owned())
                .bind(now_ms as i64)
                .bind(encode(change));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The refusals decided now, so a retry gets the same answer.
async fn record_refused(
    tx: &mut Transaction<'static, Any>,
    refused: &[(&SupplyChange, Outcome)],
    username: &str,
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = refused
        .iter()
        .map(|(change, outcome)| Refusal {
            device: change.device.to_string(),
            seq: change.seq as i64,
            change_id: change.id.to_string(),
            outcome,
            username,
            now_ms,
        })
        .collect();
    record_in(tx, "supply_received", &rows).await
}
