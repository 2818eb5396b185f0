//! Which patient each case is about: the `case_patients` index the Access
//! log filters by (name or MRN) and shows beside the rows, which themselves
//! hold only the case id.
//!
//! A patient's name and MRN come with the case's `open` change and no later
//! change edits them, so the index is written once per case, in the push
//! that stores the opening. Cases stored before the index existed are added
//! at start-up from their folded state ([`backfill`]): the migration could
//! not read the JSON portably.

use advocase_core::caseload::CaseFile;
use advocase_core::patient::Patient;
use sqlx::{Any, Row, Transaction};

use crate::db::Db;

/// What the Access log's search compares: the text lower-cased by the
/// server (SQLite's LOWER knows only ASCII), trimmed.
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Rows per multi-row INSERT (5 parameters each).
const ROWS_PER_INSERT: usize = 100;

/// Adds each case's patient, unless the case is already indexed.
pub async fn index(
    tx: &mut Transaction<'static, Any>,
    cases: &[(String, &Patient)],
) -> Result<(), sqlx::Error> {
    let sqlite = crate::db::is_sqlite(tx);
    for chunk in cases.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO case_patients (case_id, patient_name, mrn, name_folded, mrn_folded) VALUES {}
             ON CONFLICT (case_id) DO NOTHING",
            crate::db::values(sqlite, chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (case_id, patient) in chunk {
            q = q
                .bind(case_id.clone())
                .bind(patient.name.clone())
                .bind(patient.mrn.clone())
                .bind(fold(&patient.name))
                .bind(fold(&patient.mrn));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Indexes every stored case the index lacks (all of them, the first time
/// a database from before the audit trail starts), a few hundred at a time:
/// how many were added. Cheap when there is nothing to do: one anti-join on
/// primary keys.
pub async fn backfill(db: &Db) -> Result<usize, sqlx::Error> {
    let mut added = 0;
    loop {
        let rows = sqlx::query(
            "SELECT k.case_id, k.state FROM cases k
             LEFT JOIN case_patients p ON p.case_id = k.case_id
             WHERE p.case_id IS NULL AND k.state <> '' LIMIT 500",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(added);
        }
        let mut files = Vec::with_capacity(rows.len());
        for row in &rows {
            let case_id: String = row.try_get("case_id")?;
            let state: String = row.try_get("state")?;
            let file: CaseFile =
                serde_json::from_str(&state).map_err(|e| sqlx::Error::ColumnDecode {
                    index: "state".into(),
                    source: e.into(),
                })?;
            files.push((case_id, file));
        }
        let cases: Vec<(String, &Patient)> = files
            .iter()
            .map(|(id, file)| (id.clone(), &file.case.patient))
            .collect();
        let mut tx = db.pool.begin().await?;
        index(&mut tx, &cases).await?;
        tx.commit().await?;
        added += cases.len();
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`: what was typed matches anywhere, and
/// its own `%` and `_` are only themselves.
pub fn contains_pattern(typed: &str) -> String {
    let mut p = String::from("%");
    for c in fold(typed).chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_fold_case_and_escape_wildcards() {
        assert_eq!(contains_pattern(" José "), "%josé%");
        assert_eq!(contains_pattern("MRN_10%"), "%mrn\\_10\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(fold("ÉLODIE Durand"), "élodie durand");
    }
}
