//! What managers enter for reports: patient days per unit and month (the
//! rates' denominator), and the notes kept with a report for the meeting
//! (suggestions dismissed, their own recommendations). Neither holds
//! patient data; both record who saved them and when.

use advocase_core::access::Role;
use advocase_core::directory::Structure;
use advocase_core::report::{
    NoteAction, NoteRequest, PatientDays, PatientDaysList, Period, Recommendation, ReportNotes,
    report_key,
};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use sqlx::Row;

use crate::api::Failure;
use crate::auth::CaseWorker;
use crate::body::{Body, JsonBody, form_fields};
use crate::db::Db;
use crate::directory::structure;
use crate::{AppState, now_ms};

/// Entries in one save: a year of a 450-unit hospital.
pub const MAX_ENTRIES: usize = 450 * 12;

fn managers_only(role: Role) -> Result<(), Failure> {
    if role == Role::Manager {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "Only a manager can enter patient days and keep notes with a report.",
        ))
    }
}

/// The months a period touches, as `2026-11`.
fn months_of(period: &Period) -> (String, String) {
    let key = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
    (key(period.from), key(period.to))
}

/// Patient days entered for the months `period` touches, each unit read as
/// the structure names it now.
pub async fn patient_days_for(
    db: &Db,
    period: &Period,
    structure: &Structure,
) -> Result<Vec<PatientDays>, sqlx::Error> {
    let (first, last) = months_of(period);
    let rows = sqlx::query(
        "SELECT unit, month, days FROM patient_days WHERE month >= $1 AND month <= $2
         ORDER BY unit, month",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let days: i64 = r.try_get("days")?;
            let unit: String = r.try_get("unit")?;
            Ok(PatientDays {
                unit: structure.unit_name(&unit),
                month: r.try_get("month")?,
                days: days.max(0) as u64,
            })
        })
        .collect()
}

/// `GET /api/report/patient-days?from=2026-01-01&to=2026-12-31`.
pub async fn patient_days(
    State(state): State<AppState>,
    CaseWorker(_): CaseWorker,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<PatientDaysList>, Failure> {
    let asked = super::Asked::parse(query, &state)?;
    let structure = structure::newest(&state.db.pool).await?;
    let entries = patient_days_for(&state.db, &asked.period, &structure).await?;
    Ok(Json(PatientDaysList { entries }))
}

/// `PUT /api/report/patient-days`: managers; each entry replaces the
/// unit's month. All or nothing: the first bad entry is named and nothing
/// is stored.
pub async fn save_patient_days(
    State(state): State<AppState>,
    CaseWorker(user): CaseWorker,
    req: Request,
) -> Result<Json<PatientDaysList>, Failure> {
    managers_only(user.role)?;
    // JSON from any client; the report page's form as the browser sends
    // it, its fields named `unit|2026-11` (a refusal then names the field).
    let (list, names) = match form_fields(req, &state).await? {
        Body::Json(req) => {
            let JsonBody(list) =
                JsonBody::<PatientDaysList, { 512 * 1024 }>::from_request(*req, &state).await?;
            (list, None)
        }
        Body::Form(fields) => {
            let mut entries = Vec::new();
            let mut names = Vec::new();
            for (name, value) in fields {
                // A field left empty keeps what is entered.
                let Some((unit, month)) = name.split_once('|') else {
                    continue;
                };
                if value.trim().is_empty() {
                    continue;
                }
                let days = value.trim().parse::<u64>().map_err(|_| {
                    Failure::on(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        &name,
                        "Give the patient days as a whole number.",
                    )
                })?;
                entries.push(PatientDays {
                    unit: unit.to_owned(),
                    month: month.to_owned(),
                    days,
                });
                names.push(name);
            }
            (PatientDaysList { entries }, Some(names))
        }
    };
    if list.entries.is_empty() && names.is_some() {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "Enter the patient days of at least one unit and month.",
        ));
    }
    if list.entries.len() > MAX_ENTRIES {
        return Err(Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "entries",
            format!("At most {MAX_ENTRIES} entries at a time."),
        ));
    }
    for (i, e) in list.entries.iter().enumerate() {
        if let Some((field, message)) = e.problem() {
            let field = match &names {
                Some(names) => names[i].clone(),
                None => format!("entries.{i}.{field}"),
            };
            return Err(Failure::on(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &field,
                message,
            ));
        }
    }
    let structure = structure::newest(&state.db.pool).await?;
    let now = now_ms() as i64;
    let mut tx = state.db.pool.begin().await?;
    let mut saved = Vec::with_capacity(list.entries.len());
    for e in &list.entries {
        let unit = structure.unit_name(&e.unit);
        sqlx::query(
            "INSERT INTO patient_days (unit, month, days, saved_by, saved_at_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (unit, month) DO UPDATE SET days = excluded.days,
                 saved_by = excluded.saved_by, saved_at_ms = excluded.saved_at_ms",
        )
        .bind(&unit)
        .bind(&e.month)
        .bind(e.days as i64)
        .bind(&user.username)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        saved.push(PatientDays {
            unit,
            month: e.month.clone(),
            days: e.days,
        });
    }
    tx.commit().await?;
    tracing::info!(username = %user.username, entries = saved.len(), "patient days saved");
    Ok(Json(PatientDaysList { entries: saved }))
}

const DISMISSED: &str = "dismissed:";

/// The notes kept with the report under `key`.
pub async fn kept(db: &Db, key: &str) -> Result<ReportNotes, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT note_id, body, saved_by, saved_at_ms FROM report_notes WHERE report_key = $1
         ORDER BY saved_at_ms, note_id",
    )
    .bind(key)
    .fetch_all(&db.pool)
    .await?;
    let mut notes = ReportNotes::default();
    for r in &rows {
        let id: String = r.try_get("note_id")?;
        match id.strip_prefix(DISMISSED) {
            Some(suggestion) => notes.dismissed.push(suggestion.to_owned()),
            None => {
                let at: i64 = r.try_get("saved_at_ms")?;
                notes.recommendations.push(Recommendation {
                    id: id.parse().map_err(|e| sqlx::Error::ColumnDecode {
                        index: "note_id".into(),
                        source: Box::new(e),
                    })?,
                    text: r.try_get("body")?,
                    by: r.try_get("saved_by")?,
                    at: chrono::DateTime::from_timestamp_millis(at).unwrap_or_default(),
                })
            }
        }
    }
    Ok(notes)
}

/// `POST /api/report/notes`: managers dismiss or restore a suggestion, add
/// or remove a recommendation. Each is idempotent (a retry changes nothing
/// more); the answer is every note now kept with that report.
pub async fn save_note(
    State(state): State<AppState>,
    CaseWorker(user): CaseWorker,
    req: Request,
) -> Result<Json<ReportNotes>, Failure> {
    managers_only(user.role)?;
    let note = match form_fields(req, &state).await? {
        Body::Json(req) => JsonBody::<NoteRequest>::from_request(*req, &state).await?.0,
        Body::Form(fields) => note_of(&fields)?,
    };
    if let Some((field, message)) = note.problem() {
        return Err(Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            field,
            message,
        ));
    }
    let structure = structure::newest(&state.db.pool).await?;
    let units = super::facts::Units::new(structure, &note.units);
    let key = report_key(&note.period, &units.names(&note.units));
    let now = now_ms() as i64;
    let (note_id, body) = match note.action {
        NoteAction::Dismiss | NoteAction::Restore => (
            format!("{DISMISSED}{}", note.suggestion.trim()),
            String::new(),
        ),
        NoteAction::Recommend | NoteAction::Remove => (
            note.id.map(|i| i.to_string()).unwrap_or_default(),
            note.text.trim().to_owned(),
        ),
    };
    match note.action {
        NoteAction::Dismiss | NoteAction::Recommend => {
            sqlx::query(
                "INSERT INTO report_notes (report_key, note_id, body, saved_by, saved_at_ms)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_key, note_id) DO NOTHING",
            )
            .bind(&key)
            .bind(&note_id)
            .bind(&body)
            .bind(&user.username)
            .bind(now)
            .execute(&state.db.pool)
            .await?;
        }
        NoteAction::Restore | NoteAction::Remove => {
            sqlx::query("DELETE FROM report_notes WHERE report_key = $1 AND note_id = $2")
                .bind(&key)
                .bind(&note_id)
                .execute(&state.db.pool)
                .await?;
        }
    }
    tracing::info!(username = %user.username, action = ?note.action, "report note saved");
    Ok(Json(kept(&state.db, &key).await?))
}

/// A note from the page's form: `from`, `to`, `units` (repeated),
/// `action`, and `suggestion`, `id` or `text`.
fn note_of(fields: &[(String, String)]) -> Result<NoteRequest, Failure> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let bad = |field: &str, message: &str| {
        Failure::on(StatusCode::UNPROCESSABLE_ENTITY, "invalid", field, message)
    };
    let date = |name: &str| {
        advocase_core::dates::parse_iso(&get(name))
            .ok_or_else(|| bad(name, "Give the date as 2026-11-01."))
    };
    let period = Period::new(date("from")?, date("to")?).map_err(|m| bad("to", m))?;
    let action = advocase_core::reference::Identified::from_ident(&get("action"))
        .ok_or_else(|| bad("action", "Say what to do with the note."))?;
    let id = match get("id").as_str() {
        "" => None,
        text => Some(
            text.parse()
                .map_err(|_| bad("id", "That is not a note of this report."))?,
        ),
    };
    Ok(NoteRequest {
        period,
        units: fields
            .iter()
            .filter(|(n, _)| n == "units")
            .map(|(_, v)| v.clone())
            .collect(),
        action,
        suggestion: get("suggestion"),
        id,
        text: get("text"),
    })
}
