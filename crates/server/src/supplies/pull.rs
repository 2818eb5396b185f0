//! Handing out the supply stream: a page of the changes after a cursor,
//! those of the units the person keeps.

use advocase_core::access::User;
use advocase_core::supplies::wire::{SupplyPage, SupplyPulled, sees};
use sqlx::Row;

use crate::changes::decode;
use crate::db::Db;
use crate::directory::structure::unit_index;

/// Up to `limit` supply changes after `after`, oldest first, of the units
/// `user` sees (`wire::sees`: a manager every unit).
///
/// Who sees a change is decided here, row by row, against the hospital's
/// structure as it is now, not in SQL by `unit_key`: a unit's name, code
/// and aliases may change after a change was stored (or a typed text be
/// mapped to a unit later), and a coordinator's units are compared through
/// the structure, as for cases (`changes::pull`). Supplies are a few
/// hundred changes a unit a day, so reading rows a person may not see
/// costs little. `next` is the last row read, seen or not: a page of only
/// other units' changes still moves the cursor, and a device never loops.
pub async fn pull(
    db: &Db,
    user: &User,
    after: u64,
    limit: usize,
) -> Result<SupplyPage, sqlx::Error> {
    // One connection for the page's statements, not a checkout each.
    let mut conn = db.pool.acquire().await?;
    let units = unit_index(&mut *conn).await?;
    // One row more than the page: whether more wait, in the same read.
    let rows = sqlx::query(
        "SELECT server_seq, unit, body FROM supply_changes
         WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
    )
    .bind(after as i64)
    .bind(limit as i64 + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() > limit;
    let mut next = after;
    let mut changes = Vec::new();
    for row in rows.iter().take(limit) {
        let server_seq: i64 = row.try_get("server_seq")?;
        next = server_seq as u64;
        let unit: String = row.try_get("unit")?;
        if !sees(user, &unit, &units) {
            continue;
        }
        let body: String = row.try_get("body")?;
        changes.push(SupplyPulled {
            server_seq: next,
            change: decode("body", &body)?,
        });
    }
    Ok(SupplyPage {
        changes,
        next,
        more,
    })
}
