//! Each case's report facts (`advocase_core::report::CaseFacts`), kept in
//! `cases.facts` beside its folded state: written with the fold at every
//! push ([`encode`]), filled in at start-up for cases stored before
//! ([`backfill`]), and read back for a report with the columns access
//! decides by ([`visible`]).

use advocase_core::access::User;
use advocase_core::caseload::CaseFile;
use advocase_core::directory::{Structure, UnitIndex, unit_key};
use advocase_core::report::CaseFacts;
use sqlx::Row;

use crate::db::Db;

/// The facts column of a folded case: its facts as JSON, `null` once deleted.
pub fn encode(file: &CaseFile) -> String {
    serde_json::to_string(&CaseFacts::of(file)).expect("facts serialize")
}

fn decode<T: serde::de::DeserializeOwned>(column: &str, json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    })
}

/// Writes the facts of every case that has none yet, a few hundred at a
/// time: how many. One indexed-free scan of a text column when there is
/// nothing to do.
pub async fn backfill(db: &Db) -> Result<usize, sqlx::Error> {
    let mut done = 0;
    loop {
        let rows = sqlx::query(
            "SELECT case_id, state FROM cases WHERE facts = '' AND state <> '' LIMIT 500",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            if done > 0 {
                tracing::info!(
                    cases = done,
                    "report facts written for cases stored before reports"
                );
            }
            return Ok(done);
        }
        let mut tx = db.pool.begin().await?;
        for row in &rows {
            let case_id: String = row.try_get("case_id")?;
            let state: String = row.try_get("state")?;
            let file: CaseFile = decode("state", &state)?;
            sqlx::query("UPDATE cases SET facts = $1 WHERE case_id = $2")
                .bind(encode(&file))
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        done += rows.len();
    }
}

/// Which units a report covers: every unit (empty), or those named, each
/// read as the structure reads it ("Unit 4-b" is 4B).
#[derive(Debug, Clone)]
pub struct Units {
    structure: Structure,
    wanted: Vec<String>,
}

impl Units {
    pub fn new(structure: Structure, asked: &[String]) -> Units {
        let mut wanted: Vec<String> = asked
            .iter()
            .map(|u| unit_key(&structure.unit_name(u)))
            .filter(|k| !k.is_empty())
            .collect();
        wanted.sort();
        wanted.dedup();
        Units { structure, wanted }
    }

    /// The names the report shows for what was asked, in the asked order.
    pub fn names(&self, asked: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for u in asked {
            let name = self.structure.unit_name(u);
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// The unit a case is grouped under (its unit's current name), if the
    /// report covers it.
    pub fn group(&self, typed: &str) -> Option<String> {
        let name = self.structure.unit_name(typed);
        let name = if name.is_empty() {
            "(no unit)".to_owned()
        } else {
            name
        };
        (self.wanted.is_empty() || self.wanted.contains(&unit_key(&name))).then_some(name)
    }

    pub fn structure(&self) -> &Structure {
        &self.structure
    }
}

/// Rows handed to the decoder at a time.
const BATCH: usize = 1000;

/// The facts of every case `user` may see in the covered units, each with
/// the unit it is grouped under, once every case is folded up to date (a
/// case opened by a push committing meanwhile has no facts yet: left out). Read and decoded at once: the rows stream
/// from the database while a blocking thread decodes the batches already
/// read (a year of a large hospital is tens of megabytes of JSON, and
/// reading it and decoding it take about as long each).
pub async fn visible(
    db: &Db,
    user: &User,
    units: &Units,
) -> Result<Vec<(String, CaseFacts)>, sqlx::Error> {
    use futures_util::TryStreamExt;

    // Every push committed before this report was asked for is in it.
    crate::changes::projection::catch_up(db).await?;
    let index = UnitIndex::new(units.structure());
    let (send, mut batches) = tokio::sync::mpsc::channel::<Vec<(String, String)>>(4);
    let decoder = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        while let Some(batch) = batches.blocking_recv() {
            for (group, json) in batch {
                if let Some(f) = decode::<Option<CaseFacts>>("facts", &json)? {
                    out.push((group, f));
                }
            }
        }
        Ok::<_, sqlx::Error>(out)
    });
    let mut rows = sqlx::query(
        "SELECT unit, assignee, created_by, involved, facts FROM cases
         WHERE deleted = 0 AND facts <> ''",
    )
    .fetch(&db.pool);
    let mut batch = Vec::with_capacity(BATCH);
    let mut read = async || -> Result<(), sqlx::Error> {
        while let Some(row) = rows.try_next().await? {
            let holders = crate::changes::holders(&row)?;
            if !crate::changes::may_see(user, &holders, &index) {
                continue;
            }
            let Some(group) = units.group(&holders.0) else {
                continue;
            };
            batch.push((group, row.try_get("facts")?));
            if batch.len() == BATCH && send.send(std::mem::take(&mut batch)).await.is_err() {
                // The decoder stopped at a row it could not read: its
                // error is the one to report.
                return Ok(());
            }
        }
        let _ = send.send(std::mem::take(&mut batch)).await;
        Ok(())
    };
    let read = read().await;
    drop(rows);
    drop(send);
    let decoded = decoder
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the facts decoder failed: {e}")))?;
    read?;
    decoded
}
