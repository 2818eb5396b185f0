//! Handing out the change stream: pull pages (each change sent as stored)
//! and a case's whole history.

use std::collections::{BTreeSet, HashMap};

use advocase_core::access::User;
use advocase_core::id::Id;
use advocase_core::sync::Pulled;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{decode, holders, may_see};
use crate::db::{Db, is_sqlite, placeholders};
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
/// that same encoding (`encode`), only checked to be well-formed JSON. The
/// database joins the page's changes into one text, so a page is a few
/// rows (one per case) and not hundreds: on SQLite each row crosses a
/// thread, which cost more than reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    /// `{"server_seq":N,"change":…}` for each change sent, oldest first,
    /// joined by commas.
    pub changes: String,
    /// Each case with changes sent: how many, and the first and last
    /// server_seq, in the order of its first.
    pub sent: Vec<(Id, usize, u64, u64)>,
    pub hidden: Vec<Id>,
    pub next: u64,
    pub more: bool,
}

impl StoredPage {
    /// The page as the `PullPage` JSON a device reads.
    pub fn to_json(&self) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::with_capacity(self.changes.len() + 64 + self.hidden.len() * 40);
        out.extend_from_slice(b"{\"changes\":[");
        out.extend_from_slice(self.changes.as_bytes());
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
    // One connection for the page's statements, not a checkout each.
    let mut conn = db.pool.acquire().await?;
    let units = unit_index(&mut *conn).await?;
    // No device is the empty text: no change's device matches it.
    let (device, own_from) = params
        .own
        .map_or((String::new(), 0), |(d, n)| (d.to_string(), n as i64));
    // The page's cases, each once: its last change in the page, and which
    // of its changes are sent (not the device's own).
    let cases = sqlx::query(
        "SELECT case_id,
                MAX(server_seq) AS last_seq,
                SUM(CASE WHEN device = $3 AND seq >= $4 THEN 0 ELSE 1 END) AS sent,
                MIN(CASE WHEN device = $3 AND seq >= $4 THEN NULL ELSE server_seq END) AS lo,
                MAX(CASE WHEN device = $3 AND seq >= $4 THEN NULL ELSE server_seq END) AS hi
         FROM (SELECT server_seq, case_id, device, seq FROM changes
               WHERE server_seq > $1 ORDER BY server_seq LIMIT $2) p
         GROUP BY case_id",
    )
    .bind(after as i64)
    .bind(limit as i64)
    .bind(&device)
    .bind(own_from)
    .fetch_all(&mut *conn)
    .await?;
    // Who may see each, looked up by key. Not a join in the statement
    // above: PostgreSQL's generic plan for it hashed every case row, a
    // scan of the whole table for each page (issue 16).
    let ids: Vec<String> = cases
        .iter()
        .map(|row| row.try_get("case_id"))
        .collect::<Result<_, _>>()?;
    let sql =
        "SELECT case_id, unit, assignee, created_by, involved FROM cases WHERE case_id IN ({})";
    let holders_of: HashMap<String, AnyRow> = super::select_in(&mut conn, sql, &ids)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("case_id")?, row)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut next = after;
    let mut sent = Vec::new();
    let mut hidden = BTreeSet::new();
    // The page's cases whose changes are not sent.
    let mut left_out = Vec::new();
    for row in &cases {
        let case_id: String = row.try_get("case_id")?;
        // A change is stored only with its case's row (one transaction);
        // one without (a damaged database) is left out, as the join did.
        let Some(case) = holders_of.get(&case_id) else {
            left_out.push(case_id);
            continue;
        };
        let last: i64 = row.try_get("last_seq")?;
        next = next.max(last as u64);
        let id = decode_id("case_id", &case_id)?;
        if !may_see(user, &holders(case)?, &units) {
            hidden.insert(id);
            left_out.push(case_id);
            continue;
        }
        let n: i64 = row.try_get("sent")?;
        if n > 0 {
            let lo: i64 = row.try_get("lo")?;
            let hi: i64 = row.try_get("hi")?;
            sent.push((case_id, (id, n as usize, lo as u64, hi as u64)));
        }
    }
    sent.sort_by_key(|(_, (_, _, lo, _))| *lo);
    // ORDER BY: without it PostgreSQL's generic plan scanned the table
    // from its start for the first row past `next`.
    let more = sqlx::query(
        "SELECT server_seq FROM changes WHERE server_seq > $1 ORDER BY server_seq LIMIT 1",
    )
    .bind(next as i64)
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    let changes = if sent.is_empty() {
        String::new()
    } else {
        let sqlite = is_sqlite(&conn);
        // Both join in server_seq order: SQLite's group_concat and
        // PostgreSQL's string_agg take an ORDER BY. The cases left out
        // are named, not those sent: usually none is, and the statement
        // keeps one text (one plan) whatever the page holds.
        let join = if sqlite { "group_concat" } else { "string_agg" };
        let not_in = if left_out.is_empty() {
            String::new()
        } else {
            format!(
                " AND case_id NOT IN ({})",
                placeholders(sqlite, 5, left_out.len())
            )
        };
        let sql = format!(
            "SELECT {join}('{{\"server_seq\":' || CAST(server_seq AS TEXT) || ',\"change\":' || body || '}}', ','
                           ORDER BY server_seq) AS page
             FROM changes
             WHERE server_seq > {} AND server_seq <= {} AND NOT (device = {} AND seq >= {}){not_in}",
            placeholders(sqlite, 1, 1),
            placeholders(sqlite, 2, 1),
            placeholders(sqlite, 3, 1),
            placeholders(sqlite, 4, 1),
        );
        let mut q = sqlx::query(&sql)
            .bind(after as i64)
            .bind(next as i64)
            .bind(&device)
            .bind(own_from);
        for case_id in &left_out {
            q = q.bind(case_id);
        }
        let page: Option<String> = q.fetch_one(&mut *conn).await?.try_get("page")?;
        page.unwrap_or_default()
    };
    // Well-formed, so the page is: a damaged row fails the pull here, as
    // decoding it did, rather than on every device.
    decode::<Vec<serde::de::IgnoredAny>>("body", &format!("[{changes}]"))?;
    Ok(StoredPage {
        changes,
        sent: sent.into_iter().map(|(_, s)| s).collect(),
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
