//! The idempotency ledger: the answer given for each `(device, seq)` a
//! device sent, so a batch sent twice, reordered or resent after a lost
//! answer is stored once and answered the same (docs/SYNC.md, "Exactly
//! once"). A stored change is its own entry (`changes` is unique by device
//! and seq); a refusal is a row in `received`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use advocase_core::access::User;
use advocase_core::change::Change;
use advocase_core::sync::{Outcome, PushRequest};
use sqlx::{Any, Row, Transaction};

use super::{PARAMS_PER_STATEMENT, ROWS_PER_INSERT, decode, encode};
use crate::db::{is_sqlite, placeholders, values};

/// Of a stored change's body, what its answer repeats.
#[derive(serde::Deserialize)]
struct Clocked {
    hlc: advocase_core::hlc::Timestamp,
}

/// The answer given the first time, marked as a repeat if it was stored.
pub(super) fn replay(outcome: Outcome) -> Outcome {
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
pub(super) fn seq_key(change: &Change) -> i64 {
    change.seq as i64
}

/// What the ledger holds of the (device, seq) pairs the group sends, in as
/// few statements as the parameter limits allow: `(device = ? AND seq IN
/// (…)) OR …`, each term served by a unique index. The ledger is two
/// tables: a stored change is its row in `changes` (unique by device and
/// seq), a refusal a row in `received`. Writing every stored change into
/// `received` as well cost a row and an index entry per change, a good part
/// of a push group's time, for what `changes` already says (issue 16).
pub(super) async fn ledger(
    tx: &mut Transaction<'static, Any>,
    pushes: &[(&User, &PushRequest, u64)],
) -> Result<HashMap<(String, i64), (String, Outcome)>, sqlx::Error> {
    let mut asked: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for (_, req, _) in pushes {
        asked
            .entry(req.device.to_string())
            .or_default()
            .extend(req.changes.iter().map(seq_key));
    }
    let asked: Vec<(String, Vec<i64>)> = asked
        .into_iter()
        .map(|(device, seqs)| (device, seqs.into_iter().collect()))
        .collect();
    let terms: Vec<(&str, &[i64])> = asked
        .iter()
        .flat_map(|(device, seqs)| {
            seqs.chunks(PARAMS_PER_STATEMENT - 1)
                .map(move |chunk| (device.as_str(), chunk))
        })
        .collect();
    let mut found = HashMap::new();
    let sqlite = is_sqlite(tx);
    let mut rest = &terms[..];
    while !rest.is_empty() {
        // As many terms as fit, at least one.
        let mut n = 0;
        let mut params = 0;
        while n < rest.len() && (n == 0 || params + 1 + rest[n].1.len() <= PARAMS_PER_STATEMENT) {
            params += 1 + rest[n].1.len();
            n += 1;
        }
        let (these, next) = rest.split_at(n);
        rest = next;
        let mut at = 1;
        let mut clauses = Vec::with_capacity(these.len());
        for (_, seqs) in these {
            clauses.push(format!(
                "(device = {} AND seq IN ({}))",
                placeholders(sqlite, at, 1),
                placeholders(sqlite, at + 1, seqs.len())
            ));
            at += 1 + seqs.len();
        }
        let bind = |sql| {
            let mut q = sqlx::query(sql);
            for (device, seqs) in these {
                q = q.bind(*device);
                for seq in *seqs {
                    q = q.bind(*seq);
                }
            }
            q
        };
        let terms = clauses.join(" OR ");
        // A stored change is its own ledger entry: its answer is its number
        // and clock, as stored.
        let sql =
            format!("SELECT device, seq, change_id, server_seq, body FROM changes WHERE {terms}");
        for row in bind(&sql).fetch_all(&mut **tx).await? {
            let body: String = row.try_get("body")?;
            let Clocked { hlc } = decode("body", &body)?;
            let server_seq: i64 = row.try_get("server_seq")?;
            let stored = Outcome::Stored {
                server_seq: server_seq as u64,
                hlc,
                duplicate: false,
            };
            found.insert(
                (row.try_get("device")?, row.try_get("seq")?),
                (row.try_get("change_id")?, stored),
            );
        }
        // Refusals, and (from before this) stored changes too: the same
        // answer as the change's row gives.
        let sql =
            format!("SELECT device, seq, change_id, outcome_json FROM received WHERE {terms}");
        for row in bind(&sql).fetch_all(&mut **tx).await? {
            let outcome: String = row.try_get("outcome_json")?;
            found
                .entry((row.try_get("device")?, row.try_get("seq")?))
                .or_insert((row.try_get("change_id")?, decode("outcome_json", &outcome)?));
        }
    }
    Ok(found)
}

pub(super) async fn record(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&Change, Outcome, &str, u64)],
) -> Result<(), sqlx::Error> {
    let sqlite = is_sqlite(tx);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO received (device, seq, change_id, outcome_json, username, received_at_ms) VALUES {}",
            values(sqlite, chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (change, outcome, username, now_ms) in chunk {
            q = q
                .bind(change.device.to_string())
                .bind(seq_key(change))
                .bind(change.id.to_string())
                .bind(encode(outcome))
                .bind(*username)
                .bind(*now_ms as i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
