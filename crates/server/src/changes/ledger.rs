//! The idempotency ledger: the answer given for each `(device, seq)` a
//! device sent, so a batch sent twice, reordered or resent after a lost
//! answer is stored once and answered the same (docs/SYNC.md, "Exactly
//! once"). A stored change is its own entry (`changes` is unique by device
//! and seq); a refusal is a row in `received`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use advocase_core::change::Change;
use advocase_core::sync::Outcome;
use sqlx::{Any, Row, Transaction};

use super::{PARAMS_PER_STATEMENT, ROWS_PER_INSERT, decode, encode};
use crate::db::{is_sqlite, placeholders, values};

/// Of a stored change's body, what its answer repeats.
#[derive(serde::Deserialize)]
struct Clocked {
    hlc: advocase_core::hlc::Timestamp,
}

// Sequence numbers are u64 on the wire and BIGINT here: `as` maps one onto
// the other both ways without collisions, which is all a key needs.
pub(super) fn seq_key(change: &Change) -> i64 {
    change.seq as i64
}

/// What the ledger holds of the (device, seq) pairs the group sends, in as
/// few statements as the parameter limits allow: `(device = ? AND seq
/// BETWEEN ? AND ?) OR …`, each term served by a unique index. The ledger is two
/// tables: a stored change is its row in `changes` (unique by device and
/// seq), a refusal a row in `received`. Writing every stored change into
/// `received` as well cost a row and an index entry per change, a good part
/// of a push group's time, for what `changes` already says (issue 16).
pub(super) async fn ledger(
    tx: &mut Transaction<'static, Any>,
    pushes: &[super::Job],
) -> Result<HashMap<(String, i64), (String, Outcome)>, sqlx::Error> {
    let mut asked: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for super::Job { req, .. } in pushes {
        asked
            .entry(req.device.to_string())
            .or_default()
            .extend(req.changes.iter().map(seq_key));
    }
    // Each device's seqs as runs of near neighbours, each run a range:
    // `(device = ? AND seq BETWEEN ? AND ?)`. A batch is usually one run.
    // Not `seq IN (…)`: with statistics from when the device had sent a
    // few hundred changes, PostgreSQL read every change of the device and
    // filtered the list, a cost growing with its history (issue 16); a
    // range is always the index's own condition.
    let terms: Vec<(&str, i64, i64)> = asked
        .iter()
        .flat_map(|(device, seqs)| runs(seqs).map(move |(lo, hi)| (device.as_str(), lo, hi)))
        .collect();
    let mut found = HashMap::new();
    let sqlite = is_sqlite(tx);
    for these in terms.chunks(PARAMS_PER_STATEMENT / 3) {
        let clauses: Vec<String> = (0..these.len())
            .map(|i| {
                format!(
                    "(device = {} AND seq BETWEEN {} AND {})",
                    placeholders(sqlite, 3 * i + 1, 1),
                    placeholders(sqlite, 3 * i + 2, 1),
                    placeholders(sqlite, 3 * i + 3, 1)
                )
            })
            .collect();
        let bind = |sql| {
            let mut q = sqlx::query(sql);
            for (device, lo, hi) in these {
                q = q.bind(*device).bind(*lo).bind(*hi);
            }
            q
        };
        // A range may hold seqs not asked for, between two that were.
        let was_asked = |device: &String, seq: i64| asked[device].contains(&seq);
        let terms = clauses.join(" OR ");
        // A stored change is its own ledger entry: its answer is its number
        // and clock, as stored.
        let sql =
            format!("SELECT device, seq, change_id, server_seq, body FROM changes WHERE {terms}");
        for row in bind(&sql).fetch_all(&mut **tx).await? {
            let (device, seq): (String, i64) = (row.try_get("device")?, row.try_get("seq")?);
            if !was_asked(&device, seq) {
                continue;
            }
            let body: String = row.try_get("body")?;
            let Clocked { hlc } = decode("body", &body)?;
            let server_seq: i64 = row.try_get("server_seq")?;
            let stored = Outcome::Stored {
                server_seq: server_seq as u64,
                hlc,
                duplicate: false,
            };
            found.insert((device, seq), (row.try_get("change_id")?, stored));
        }
        // Refusals, and (from before this) stored changes too: the same
        // answer as the change's row gives.
        let sql =
            format!("SELECT device, seq, change_id, outcome_json FROM received WHERE {terms}");
        for row in bind(&sql).fetch_all(&mut **tx).await? {
            let (device, seq): (String, i64) = (row.try_get("device")?, row.try_get("seq")?);
            if !was_asked(&device, seq) {
                continue;
            }
            let outcome: String = row.try_get("outcome_json")?;
            found
                .entry((device, seq))
                .or_insert((row.try_get("change_id")?, decode("outcome_json", &outcome)?));
        }
    }
    Ok(found)
}

/// Seqs further apart than this start a new range: a range reads at most
/// this many entries not asked for between two that were.
const MOST_BETWEEN: i64 = 8;

/// `seqs` (ascending) as the ranges of its runs.
fn runs(seqs: &BTreeSet<i64>) -> impl Iterator<Item = (i64, i64)> + '_ {
    let mut seqs = seqs.iter().copied().peekable();
    std::iter::from_fn(move || {
        let lo = seqs.next()?;
        let mut hi = lo;
        while let Some(&next) = seqs.peek() {
            if next.saturating_sub(hi) > MOST_BETWEEN {
                break;
            }
            hi = next;
            seqs.next();
        }
        Some((lo, hi))
    })
}

pub(super) async fn record(
    tx: &mut Transaction<'static, Any>,
    rows: &[(&Change, Outcome, &str, u64)],
) -> Result<(), sqlx::Error> {
    let rows: Vec<_> = rows
        .iter()
        .map(|(change, outcome, username, now_ms)| Refusal {
            device: change.device.to_string(),
            seq: seq_key(change),
            change_id: change.id.to_string(),
            outcome,
            username,
            now_ms: *now_ms,
        })
        .collect();
    record_in(tx, "received", &rows).await
}

/// A refusal as a ledger keeps it: the answer given to `(device, seq)`.
pub(crate) struct Refusal<'a> {
    pub device: String,
    pub seq: i64,
    pub change_id: String,
    pub outcome: &'a Outcome,
    pub username: &'a str,
    pub now_ms: u64,
}

/// Writes `rows` to `table`, a ledger of refusals (`received`, or the
/// supply stream's `supply_received`: the same columns).
pub(crate) async fn record_in(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    rows: &[Refusal<'_>],
) -> Result<(), sqlx::Error> {
    let sqlite = is_sqlite(tx);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO {table} (device, seq, change_id, outcome_json, username, received_at_ms) VALUES {}",
            values(sqlite, chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.device.as_str())
                .bind(r.seq)
                .bind(r.change_id.as_str())
                .bind(encode(r.outcome))
                .bind(r.username)
                .bind(r.now_ms as i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(seqs: &[i64]) -> Vec<(i64, i64)> {
        runs(&seqs.iter().copied().collect()).collect()
    }

    #[test]
    fn seqs_become_the_ranges_of_their_runs() {
        assert_eq!(ranges(&[]), []);
        assert_eq!(ranges(&[7]), [(7, 7)]);
        // A batch: one range.
        assert_eq!(ranges(&(1..=500).collect::<Vec<_>>()), [(1, 500)]);
        // Near neighbours share a range, far ones do not.
        assert_eq!(
            ranges(&[1, 9, 30, 31, 1_000]),
            [(1, 9), (30, 31), (1_000, 1_000)]
        );
        assert_eq!(ranges(&[1, 10]), [(1, 1), (10, 10)]);
        // Seqs past i64::MAX are negative keys: still in key order, and no
        // difference overflows.
        assert_eq!(
            ranges(&[i64::MIN, -1, 0, i64::MAX]),
            [(i64::MIN, i64::MIN), (-1, 0), (i64::MAX, i64::MAX)]
        );
    }
}
