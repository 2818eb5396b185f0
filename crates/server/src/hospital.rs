//! The hospital's contact numbers: `/api/hospital` (issue 11).
//!
//! Every signed-in user reads the newest saved version (or the empty
//! default: the app never makes a number up); only an administrator saves
//! one. Every version is kept with who saved it and when, and never changed:
//! rows are only inserted. Saving exactly what is already there stores
//! nothing new, so a retried save is stored once.
//!
//! Every answer also carries the operator's escalation windows
//! (`HospitalContacts::escalation`, from `--escalation-*`), so devices hold
//! them offline with the numbers; they are never stored with a version.
//!
//! The numbers are not patient data, but request bodies are never logged all
//! the same: only who saved a version, and its number.
//!
//! `/api/hospital/page` is the administrators' form the app shows on
//! Settings (drawn by `advocase_core::hospital::page`), sent as a browser
//! sends a form and answered with the form again; saved the same way.

use advocase_core::access::{Role, User};
use advocase_core::hospital::{HospitalContacts, page};
use advocase_core::validation::Problems;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sqlx::Row;

use crate::api::Failure;
use crate::auth::SignedIn;
use crate::body::{JsonBody, page_form};
use crate::db::Db;
use crate::{AppState, now_ms};

/// Saves racing each other each take the next version; this many tries is
/// far more than any number of administrators at one hospital needs.
const ATTEMPTS: usize = 8;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hospital", get(read).put(save))
        .route("/hospital/page", get(drawn).post(save_form))
}

/// What became of a saved version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Stored as `version`.
    Stored {
        contacts: HospitalContacts,
        version: i64,
    },
    /// The same names and numbers as the newest version: nothing stored,
    /// that version is the answer.
    Unchanged(HospitalContacts),
}

/// The newest saved version, stamped with who saved it and when; `None`
/// before an administrator saved any.
pub async fn newest(db: &Db) -> Result<Option<HospitalContacts>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT body, saved_by, saved_at_ms FROM hospital_contacts
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let body: String = row.try_get("body")?;
    let contacts: HospitalContacts =
        serde_json::from_str(&body).map_err(|e| sqlx::Error::ColumnDecode {
            index: "body".into(),
            source: e.into(),
        })?;
    // The columns are the record of who and when, whatever the body says;
    // the escalation windows are the configuration's (`read` adds them).
    let by: String = row.try_get("saved_by")?;
    let at_ms: i64 = row.try_get("saved_at_ms")?;
    let contacts = HospitalContacts {
        escalation: Default::default(),
        ..contacts
    };
    Ok(Some(contacts.saved(&by, at_ms)))
}

/// Stores `contacts` (already checked) as the next version, saved by
/// `username` at `now_ms`, unless it holds the same names and numbers as the
/// newest version.
pub async fn store(
    db: &Db,
    contacts: &HospitalContacts,
    username: &str,
    now_ms: u64,
) -> Result<Saved, sqlx::Error> {
    // The escalation windows are the operator's: never part of a version.
    let stamped = HospitalContacts {
        escalation: Default::default(),
        ..contacts.clone()
    }
    .saved(username, now_ms as i64);
    let body = serde_json::to_string(&stamped).expect("contacts serialize");
    let mut attempt = 0;
    loop {
        attempt += 1;
        // Nothing saved yet reads as the empty default, so saving that
        // stores nothing either.
        let current = newest(db).await?;
        let unchanged = match &current {
            Some(c) => c.same_numbers(&stamped),
            None => stamped.is_empty(),
        };
        if unchanged {
            return Ok(Saved::Unchanged(current.unwrap_or_default()));
        }
        // One statement: SQLite takes its write lock for it at once; on
        // PostgreSQL a save racing this one waits on the primary key and
        // then fails, and is tried again as the version after.
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO hospital_contacts (version, body, saved_by, saved_at_ms)
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM hospital_contacts
             RETURNING version",
        )
        .bind(&body)
        .bind(username)
        .bind(now_ms as i64)
        .fetch_one(&db.pool)
        .await;
        match inserted {
            Ok(version) => {
                return Ok(Saved::Stored {
                    contacts: stamped,
                    version,
                });
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < ATTEMPTS => {}
            Err(e) => return Err(e),
        }
    }
}

/// A signed-in administrator: only they change the hospital's numbers.
pub struct HospitalAdmin(pub User);

impl FromRequestParts<AppState> for HospitalAdmin {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let SignedIn { user } = SignedIn::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            return Err(Failure::forbidden(
                "Only an administrator can change the hospital's contact numbers.",
            ));
        }
        Ok(HospitalAdmin(user))
    }
}

async fn read(
    State(state): State<AppState>,
    _: SignedIn,
) -> Result<Json<HospitalContacts>, Failure> {
    let contacts = newest(&state.db).await?.unwrap_or_default();
    Ok(Json(with_windows(contacts, &state)))
}

/// The numbers as answered: with the operator's escalation windows, which
/// are the configuration's, never a stored version's.
fn with_windows(contacts: HospitalContacts, state: &AppState) -> HospitalContacts {
    HospitalContacts {
        escalation: state.escalation,
        ..contacts
    }
}

async fn save(
    State(state): State<AppState>,
    HospitalAdmin(user): HospitalAdmin,
    JsonBody(contacts): JsonBody<HospitalContacts>,
) -> Result<Json<HospitalContacts>, Failure> {
    let checked = contacts
        .check()
        .map_err(|p| Failure::invalid(p, "The contact numbers are not complete."))?;
    match store(&state.db, &checked, &user.username, now_ms()).await? {
        Saved::Stored { contacts, version } => {
            tracing::info!(username = %user.username, version, "hospital contacts saved");
            Ok(Json(with_windows(contacts, &state)))
        }
        Saved::Unchanged(contacts) => {
            tracing::info!(username = %user.username, "hospital contacts saved unchanged: nothing stored");
            Ok(Json(with_windows(contacts, &state)))
        }
    }
}

/// The form with `shown` in it (and what was said), with when the newest
/// version was saved, in the hospital's zone.
async fn form(
    state: &AppState,
    shown: Option<HospitalContacts>,
    problems: &Problems,
    said: Option<&str>,
) -> Result<Response, Failure> {
    let saved = newest(&state.db).await?;
    let last = saved.as_ref().and_then(|c| {
        let at = crate::report::local(state)(c.updated_at?);
        Some(format!(
            "Last saved by {} on {}.",
            c.updated_by,
            advocase_core::dates::date_time(at)
        ))
    });
    let shown = shown.or(saved).unwrap_or_default();
    let html = page::render(&shown, problems, said, last.as_deref());
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `GET /api/hospital/page`: the newest numbers in the form.
async fn drawn(State(state): State<AppState>, _: HospitalAdmin) -> Result<Response, Failure> {
    form(&state, None, &Problems::default(), None).await
}

/// `POST /api/hospital/page`: the form; every problem at its field with
/// what was typed kept, or saved as `PUT /api/hospital` saves.
async fn save_form(
    State(state): State<AppState>,
    HospitalAdmin(user): HospitalAdmin,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/hospital").await?;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let typed = page::typed(&value);
    let checked = match typed.check() {
        Ok(c) => c,
        Err(p) => return form(&state, Some(typed), &p, None).await,
    };
    match store(&state.db, &checked, &user.username, now_ms()).await? {
        Saved::Stored { version, .. } => {
            tracing::info!(username = %user.username, version, "hospital contacts saved");
        }
        Saved::Unchanged(_) => {
            tracing::info!(username = %user.username, "hospital contacts saved unchanged: nothing stored");
        }
    }
    let said = "Saved. Rights sheets printed from now on show these numbers.";
    form(&state, None, &Problems::default(), Some(said)).await
}
