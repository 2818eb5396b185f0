//! The hash chain, and `advocase-server verify-audit`.
//!
//! Each row's `hash` is SHA-256 (hex) over a canonical encoding of every
//! other column, its `prev_hash` included, and `prev_hash` is the hash of the
//! row before (64 zeros for seq 1). The encoding: the bytes
//! `advocase-audit-v1\0`, `seq` as 8 bytes big-endian, then each of `at`,
//! `recorded_at`, `username`, `device`, `case_id`, `action`, `outcome`,
//! `detail`, `prev_hash` in that order as one byte 0 (NULL) or one byte 1,
//! its length in bytes (8 bytes big-endian) and its UTF-8 bytes. Lengths
//! first, so no two different rows encode alike.
//!
//! Editing a row breaks its hash; deleting one leaves a gap in `seq`;
//! recomputing an edited row's hash breaks the next row's `prev_hash`;
//! deleting rows at the end leaves `audit_head` ahead of the last row. What
//! it cannot show: someone with write access to the database who rewrites
//! every hash from the edit onwards and `audit_head` too (docs/SECURITY.md:
//! keep the head hash somewhere else as well).

use std::fmt;

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Entry;
use crate::db::{Backend, Db};

/// `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub seq: i64,
    pub at: String,
    pub recorded_at: String,
    pub username: String,
    pub device: Option<String>,
    pub case_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Stored {
    /// The row `entry` becomes as number `seq` after a row hashed `prev_hash`.
    pub fn chained(
        seq: i64,
        at: String,
        recorded_at: String,
        entry: &Entry,
        prev_hash: String,
    ) -> Self {
        let mut row = Stored {
            seq,
            at,
            recorded_at,
            username: entry.username.clone(),
            device: entry.device.clone(),
            case_id: entry.case_id.clone(),
            action: entry.action.to_owned(),
            outcome: entry.outcome.to_owned(),
            detail: entry.detail.clone(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.digest(seq);
        row
    }

    /// The hash of this row's contents had it been written as number `seq`.
    pub fn digest(&self, seq: i64) -> String {
        let mut h = Sha256::new();
        h.update(b"advocase-audit-v1\0");
        h.update(seq.to_be_bytes());
        for field in [
            Some(&self.at),
            Some(&self.recorded_at),
            Some(&self.username),
            self.device.as_ref(),
            self.case_id.as_ref(),
            Some(&self.action),
            Some(&self.outcome),
            Some(&self.detail),
            Some(&self.prev_hash),
        ] {
            match field {
                None => h.update([0u8]),
                Some(text) => {
                    h.update([1u8]);
                    h.update((text.len() as u64).to_be_bytes());
                    h.update(text.as_bytes());
                }
            }
        }
        hex(&h.finalize())
    }

    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Stored {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            recorded_at: row.try_get("recorded_at")?,
            username: row.try_get("username")?,
            device: row.try_get("device")?,
            case_id: row.try_get("case_id")?,
            action: row.try_get("action")?,
            outcome: row.try_get("outcome")?,
            detail: row.try_get("detail")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The first thing wrong with a chain, at the seq where it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Rows `from..=to` are not there: deleted.
    Missing { from: i64, to: i64 },
    /// The row's contents no longer match its hash.
    Edited { seq: i64 },
    /// The row's hash matches its contents as number `was`: rows moved.
    Reordered { seq: i64, was: i64 },
    /// The row is whole but does not follow the row before it: that row
    /// was edited and its hash recomputed, or rows were removed and the
    /// others renumbered.
    Relinked { seq: i64 },
    /// Rows after `last` were deleted: the server wrote up to `head`.
    Truncated { last: i64, head: i64 },
    /// The last row's hash is not the one the server wrote: it was edited
    /// and its hash recomputed.
    Rehashed { seq: i64 },
    /// Rows after `head` that the server did not write.
    Unrecorded { seq: i64, head: i64 },
    /// The `audit_head` row itself is gone.
    HeadMissing,
}

impl Break {
    /// Where it shows.
    pub fn seq(&self) -> i64 {
        match *self {
            Break::Missing { from, .. } => from,
            Break::Edited { seq }
            | Break::Reordered { seq, .. }
            | Break::Relinked { seq }
            | Break::Rehashed { seq }
            | Break::Unrecorded { seq, .. } => seq,
            Break::Truncated { last, .. } => last + 1,
            Break::HeadMissing => 0,
        }
    }
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq();
        match *self {
            Break::Missing { from, to } if from == to => write!(
                f,
                "seq {seq}: deleted row (missing: the chain goes from seq {} to seq {})",
                from - 1,
                to + 1
            ),
            Break::Missing { from, to } => write!(
                f,
                "seq {seq}: deleted rows (seq {from} to {to} are missing)"
            ),
            Break::Edited { .. } => write!(
                f,
                "seq {seq}: edited row (its contents no longer match its hash)"
            ),
            Break::Reordered { was, .. } => write!(
                f,
                "seq {seq}: reordered rows (this row was written as seq {was})"
            ),
            Break::Relinked { .. } => write!(
                f,
                "seq {seq}: broken link (its prev_hash is not the hash of seq {}: that row was edited and its hash recomputed, or rows were deleted and the rest renumbered)",
                seq - 1
            ),
            Break::Truncated { last, head } => write!(
                f,
                "seq {seq}: deleted rows at the end (the last row is seq {last}; the server wrote up to seq {head})"
            ),
            Break::Rehashed { .. } => write!(
                f,
                "seq {seq}: edited row (its hash was recomputed: it is not the hash the server recorded)"
            ),
            Break::Unrecorded { head, .. } => write!(
                f,
                "seq {seq}: row the server did not write (it wrote up to seq {head})"
            ),
            Break::HeadMissing => write!(f, "seq 0: the audit_head row was deleted"),
        }
    }
}

/// How far from its place a moved row is looked for.
const MOVED_WINDOW: i64 = 1000;

/// Checks rows in seq order, one at a time.
#[derive(Debug, Clone)]
pub struct Checker {
    expected: i64,
    prev: String,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            expected: 1,
            prev: GENESIS.to_owned(),
        }
    }
}

impl Checker {
    /// The next row (rows come in increasing seq, as the primary key keeps
    /// them unique).
    pub fn check(&mut self, row: &Stored) -> Result<(), Break> {
        if row.seq != self.expected {
            return Err(Break::Missing {
                from: self.expected,
                to: row.seq - 1,
            });
        }
        if row.digest(row.seq) != row.hash {
            let lo = (row.seq - MOVED_WINDOW).max(1);
            let was = (lo..=row.seq + MOVED_WINDOW)
                .filter(|s| *s != row.seq)
                .find(|s| row.digest(*s) == row.hash);
            return Err(match was {
                Some(was) => Break::Reordered { seq: row.seq, was },
                None => Break::Edited { seq: row.seq },
            });
        }
        if row.prev_hash != self.prev {
            return Err(Break::Relinked { seq: row.seq });
        }
        self.expected += 1;
        self.prev.clone_from(&row.hash);
        Ok(())
    }

    /// After the last row: does it end where the server says it wrote last?
    pub fn finish(self, head: Option<(i64, String)>) -> Result<Intact, Break> {
        let last = self.expected - 1;
        let Some((head_seq, head_hash)) = head else {
            return Err(Break::HeadMissing);
        };
        if last < head_seq {
            return Err(Break::Truncated {
                last,
                head: head_seq,
            });
        }
        if last > head_seq {
            return Err(Break::Unrecorded {
                seq: head_seq + 1,
                head: head_seq,
            });
        }
        if head_hash != self.prev {
            return Err(Break::Rehashed { seq: last });
        }
        Ok(Intact {
            rows: last as u64,
            head: self.prev,
        })
    }
}

/// A whole chain: how many rows, and the last one's hash (worth keeping
/// off the server: a later run must still show it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub rows: u64,
    pub head: String,
}

/// Rows read per query.
const PAGE: i64 = 5000;

/// Recomputes the whole chain in one read-only snapshot (a server may be
/// appending meanwhile): the function `verify-audit` runs.
pub async fn verify(db: &Db) -> Result<Result<Intact, Break>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        // One snapshot for every query, so rows appended meanwhile are
        // neither half seen nor taken for rows the head does not know.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    // Read first: on SQLite this starts the snapshot the rest reads.
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("seq")?, r.try_get("hash")?)))
        .transpose()?;
    let mut checker = Checker::default();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, recorded_at, username, device, case_id, action, outcome, detail, prev_hash, hash
             FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let row = Stored::from_row(row)?;
            if let Err(b) = checker.check(&row) {
                tx.rollback().await?;
                return Ok(Err(b));
            }
            after = row.seq;
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    tx.rollback().await?;
    Ok(checker.finish(head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{action, outcome};

    fn chain(n: i64) -> Vec<Stored> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = Entry::new(action::CASE_PULLED, outcome::OK, "ana")
                    .case(format!("case-{seq}"))
                    .detail(format!("{seq} changes"));
                let at = format!("2026-03-01T08:30:{:02}.000Z", seq % 60);
                let row = Stored::chained(seq, at.clone(), at, &entry, prev.clone());
                prev.clone_from(&row.hash);
                row
            })
            .collect()
    }

    fn check(rows: &[Stored], head: Option<(i64, String)>) -> Result<Intact, Break> {
        let mut c = Checker::default();
        for r in rows {
            c.check(r)?;
        }
        c.finish(head)
    }

    fn head(rows: &[Stored]) -> Option<(i64, String)> {
        let last = rows.last().unwrap();
        Some((last.seq, last.hash.clone()))
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let rows = chain(5);
        assert_eq!(rows[0].prev_hash, GENESIS);
        assert_eq!(rows[0].hash.len(), 64);
        let intact = check(&rows, head(&rows)).unwrap();
        assert_eq!(intact.rows, 5);
        assert_eq!(intact.head, rows[4].hash);
        assert_eq!(
            check(&[], Some((0, GENESIS.into()))).unwrap().rows,
            0,
            "an empty trail is whole"
        );
    }

    #[test]
    fn every_column_is_covered_and_null_is_not_empty() {
        let rows = chain(1);
        let base = rows[0].clone();
        let edits: [fn(&mut Stored); 9] = [
            |r| r.at.push('x'),
            |r| r.recorded_at.push('x'),
            |r| r.username.push('x'),
            |r| r.device = Some(String::new()),
            |r| r.case_id = None,
            |r| r.action.push('x'),
            |r| r.outcome.push('x'),
            |r| r.detail.push('x'),
            |r| r.prev_hash.replace_range(0..1, "1"),
        ];
        for edit in edits {
            let mut r = base.clone();
            edit(&mut r);
            assert_ne!(r.digest(1), base.hash);
        }
        // Moving text between neighbouring columns changes the hash too.
        let mut r = base.clone();
        r.username = "an".into();
        r.action = format!("a{}", r.action);
        assert_ne!(r.digest(1), base.hash);
    }

    #[test]
    fn an_edited_row_is_named() {
        let mut rows = chain(5);
        rows[2].detail = "0 changes".into();
        assert_eq!(check(&rows, head(&rows)), Err(Break::Edited { seq: 3 }));
    }

    #[test]
    fn an_edited_and_rehashed_row_breaks_the_next_link() {
        let mut rows = chain(5);
        rows[2].username = "ben".into();
        rows[2].hash = rows[2].digest(3);
        assert_eq!(check(&rows, head(&rows)), Err(Break::Relinked { seq: 4 }));
        // The last row: the head knows its hash.
        let mut rows = chain(5);
        let h = head(&rows);
        rows[4].username = "ben".into();
        rows[4].hash = rows[4].digest(5);
        assert_eq!(check(&rows, h), Err(Break::Rehashed { seq: 5 }));
    }

    #[test]
    fn deleted_rows_are_named() {
        let mut rows = chain(6);
        let h = head(&rows);
        rows.remove(2);
        assert_eq!(
            check(&rows, h.clone()),
            Err(Break::Missing { from: 3, to: 3 })
        );
        rows.remove(2);
        assert_eq!(
            check(&rows, h.clone()),
            Err(Break::Missing { from: 3, to: 4 })
        );
        let mut first = chain(3);
        first.remove(0);
        assert_eq!(
            check(&first, h.clone()),
            Err(Break::Missing { from: 1, to: 1 })
        );
        let mut rows = chain(6);
        rows.truncate(4);
        assert_eq!(check(&rows, h), Err(Break::Truncated { last: 4, head: 6 }));
        assert_eq!(check(&chain(2), None), Err(Break::HeadMissing));
    }

    #[test]
    fn swapped_rows_are_named_as_reordered() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows.swap(1, 2);
        rows[1].seq = 2;
        rows[2].seq = 3;
        assert_eq!(check(&rows, h), Err(Break::Reordered { seq: 2, was: 3 }));
    }

    #[test]
    fn a_row_not_written_by_the_server_is_named() {
        let rows = chain(5);
        let h = Some((4, rows[3].hash.clone()));
        assert_eq!(check(&rows, h), Err(Break::Unrecorded { seq: 5, head: 4 }));
    }

    #[test]
    fn the_messages_name_the_seq_and_why() {
        let text = Break::Missing { from: 3, to: 3 }.to_string();
        assert!(text.starts_with("seq 3: deleted row"), "{text}");
        let text = Break::Edited { seq: 7 }.to_string();
        assert!(text.starts_with("seq 7: edited row"), "{text}");
        let text = Break::Reordered { seq: 2, was: 3 }.to_string();
        assert!(text.starts_with("seq 2: reordered"), "{text}");
    }
}
