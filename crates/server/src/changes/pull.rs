//! Handing out the change stream: pull pages (each change sent as stored)
//! and a case's whole history.

use std::collections::BTreeSet;

use advocase_core::access::User;
use advocase_core::id::Id;
use advocase_core::sync::Pulled;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{decode, holders, may_see};
use crate::db::Db;
use crate::directory::structure::unit_index;

pub(super) fn pulled(row: &AnyRow) -> Result<Pulled, sqlx::Error> {
    let server_seq: i64 = row.try_get("server_seq")?;
    let body: String = row.try_get("body")?;
    Ok(Pulled {
        server_seq: server_seq as u64,
        change: decode("body", &body)?,
    })
}

/// A pull page as stored: each change is the JSON the server wrote when it
/// took it, sent as it is. Decoding every change and encoding it again was
/// most of a pull's cost after compression (issue 16); the stored text is
/// that same encoding (`encode`), only checked to be well-formed JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    /// `(server_seq, case, body)`, oldest first.
    pub changes: Vec<(u64, Id, String)>,
    pub hidden: Vec<Id>,
    pub next: u64,
    pub more: bool,
}

impl StoredPage {
    /// The page as the `PullPage` JSON a device reads.
    pub fn to_json(&self) -> Vec<u8> {
        use std::io::Write;
        let bodies: usize = self.changes.iter().map(|c| c.2.len() + 32).sum();
        let mut out = Vec::with_capacity(bodies + 64 + self.hidden.len() * 40);
        out.extend_from_slice(b"{\"changes\":[");
        for (i, (server_seq, _, body)) in self.changes.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "{{\"server_seq\":{server_seq},\"change\":");
            out.extend_from_slice(body.as_bytes());
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"hidden\":");
        serde_json::to_writer(&mut out, &self.hidden).expect("ids serialize");
        let _ = write!(out, ",\"next\":{},\"more\":{}}}", self.next, self.more);
        out
    }
}

/// Up to `limit` changes after `after`, in server_seq order: those whose
/// case `user` may see now (as the case stands, not as it stood then) in
/// full, the others only as the id of a case to drop. The changes after
/// `params.after` the user may see, leaving out the
/// asking device's own from `own_from` on (it holds them): their bodies are
/// not even read, yet the cursor moves past them.
pub async fn pull(
    db: &Db,
    user: &User,
    params: &crate::sync::PullParams,
) -> Result<StoredPage, sqlx::Error> {
    let (after, limit) = (params.after, params.limit);
    let units = unit_index(&db.pool).await?;
    // No device is the empty text: no change's device matches it.
    let (device, own_from) = params
        .own
        .map_or((String::new(), 0), |(d, n)| (d.to_string(), n as i64));
    // One more than asked: whether more remain, without counting them all.
    let rows = sqlx::query(
        "SELECT c.server_seq, c.case_id,
                CASE WHEN c.device = $3 AND c.seq >= $4 THEN NULL ELSE c.body END AS body,
                k.unit, k.assignee, k.created_by, k.involved
         FROM changes c JOIN cases k ON k.case_id = c.case_id
         WHERE c.server_seq > $1 ORDER BY c.server_seq LIMIT $2",
    )
    .bind(after as i64)
    .bind(limit as i64 + 1)
    .bind(device)
    .bind(own_from)
    .fetch_all(&db.pool)
    .await?;
    let more = rows.len() > limit;
    let page = &rows[..rows.len().min(limit)];
    let mut changes = Vec::new();
    let mut hidden = BTreeSet::new();
    let mut next = after;
    for row in page {
        let server_seq: i64 = row.try_get("server_seq")?;
        next = server_seq as u64;
        let case_id: String = row.try_get("case_id")?;
        let case_id = decode_id("case_id", &case_id)?;
        if may_see(user, &holders(row)?, &units) {
            // None: the device's own, which it holds.
            let Some(body) = row.try_get::<Option<String>, _>("body")? else {
                continue;
            };
            // Well-formed, so the page is: a damaged row fails the pull here,
            // as decoding it did, rather than on every device.
            decode::<serde::de::IgnoredAny>("body", &body)?;
            changes.push((server_seq as u64, case_id, body));
        } else {
            hidden.insert(case_id);
        }
    }
    Ok(StoredPage {
        changes,
        hidden: hidden.into_iter().collect(),
        next,
        more,
    })
}

fn decode_id(column: &str, s: &str) -> Result<Id, sqlx::Error> {
    s.parse::<Id>().map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: Box::new(e),
    })
}

pub enum History {
    Unknown,
    Forbidden,
    Changes(Vec<Pulled>),
}

/// Every stored change of one case, for a user who may see it.
pub async fn history(db: &Db, user: &User, case_id: Id) -> Result<History, sqlx::Error> {
    let row =
        sqlx::query("SELECT unit, assignee, created_by, involved FROM cases WHERE case_id = $1")
            .bind(case_id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else {
        return Ok(History::Unknown);
    };
    if !may_see(user, &holders(&row)?, &unit_index(&db.pool).await?) {
        return Ok(History::Forbidden);
    }
    let rows =
        sqlx::query("SELECT server_seq, body FROM changes WHERE case_id = $1 ORDER BY server_seq")
            .bind(case_id.to_string())
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(pulled)
        .collect::<Result<_, _>>()
        .map(History::Changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::encode;
    use advocase_core::change::Change;
    use advocase_core::sync::PullPage;

    #[test]
    fn a_stored_page_is_the_json_of_the_page_it_stands_for() {
        let now = advocase_core::sample::reference_now();
        let logs = advocase_core::sample::synced_logs(7, 3, 4, now);
        let changes: Vec<Change> = logs
            .iter()
            .flat_map(|l| l.entries.iter().map(|e| e.change.clone()))
            .collect();
        let page = PullPage {
            changes: changes
                .iter()
                .enumerate()
                .map(|(i, c)| Pulled {
                    server_seq: 10 + i as u64,
                    change: c.clone(),
                })
                .collect(),
            hidden: vec![changes[0].device],
            next: 99,
            more: true,
        };
        let stored = StoredPage {
            changes: changes
                .iter()
                .enumerate()
                .map(|(i, c)| (10 + i as u64, c.case_id, encode(c)))
                .collect(),
            hidden: page.hidden.clone(),
            next: 99,
            more: true,
        };
        let json = stored.to_json();
        assert_eq!(json, serde_json::to_vec(&page).unwrap());
        assert_eq!(serde_json::from_slice::<PullPage>(&json).unwrap(), page);
        let empty = StoredPage {
            changes: vec![],
            hidden: vec![],
            next: 0,
            more: false,
        };
        assert_eq!(
            serde_json::from_slice::<PullPage>(&empty.to_json()).unwrap(),
            PullPage {
                changes: vec![],
                hidden: vec![],
                next: 0,
                more: false
            }
        );
    }
}
