//! `/api/structure`: everyone signed in reads the newest version of the
//! hospital's units and departments (a device keeps it for offline use);
//! administrators save the next one, and map the unit texts that name no
//! unit (`/api/structure/unmatched`, `/api/structure/map`).
//!
//! The access rules read every case's unit through it
//! ([`unit_index`]): renaming a unit keeps its old name as an alias
//! (`Structure::succeed`), so nobody loses a case to a rename.

use advocase_core::directory::wire::{MapText, Unmatched};
use advocase_core::directory::{Structure, UnitIndex};
use advocase_core::validation::Problems;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::{Any, Executor, Row};

use crate::api::Failure;
use crate::auth::{Admin, SignedIn};
use crate::body::JsonBody;
use crate::db::Db;
use crate::{AppState, now_ms};

/// The largest structure taken: 500 units and 500 departments with long
/// names and a few aliases each (the limits `Structure::check` keeps).
pub const MAX_STRUCTURE_BYTES: usize = 512 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/structure", get(read).put(save))
        .route("/structure/unmatched", get(unmatched))
        .route("/structure/map", post(map))
}

/// The newest saved version; the empty version 0 before any.
pub async fn newest<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<Structure, sqlx::Error> {
    let row = sqlx::query(
        "SELECT body, saved_by, saved_at_ms FROM structure_versions ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(Structure::default());
    };
    let body: String = row.try_get("body")?;
    let mut s: Structure = serde_json::from_str(&body).map_err(|e| sqlx::Error::ColumnDecode {
        index: "body".into(),
        source: e.into(),
    })?;
    // The columns are the record of who and when, whatever the body says.
    s.saved_by = row.try_get("saved_by")?;
    s.saved_at_ms = row.try_get("saved_at_ms")?;
    Ok(s)
}

/// What the access rules read units through, as of now.
pub async fn unit_index<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> Result<UnitIndex, sqlx::Error> {
    Ok(UnitIndex::new(&newest(db).await?))
}

/// Why a save was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Invalid(Problems),
    /// It was made from an older version: someone saved meanwhile.
    Stale {
        newest: u64,
    },
}

/// Stores `next` (made from version `next.version`) as the version after
/// it, if that is still the newest. Two saves made from one version: the
/// primary key lets one in, the other is told it is stale.
pub async fn store(
    db: &Db,
    next: Structure,
    username: &str,
    now_ms: u64,
) -> Result<Result<Structure, Refused>, sqlx::Error> {
    if next.units.iter().any(|u| u.id.is_nil()) || next.departments.iter().any(|d| d.id.is_nil()) {
        let mut p = Problems::default();
        p.add("units", "Every unit and department needs an id.");
        return Ok(Err(Refused::Invalid(p)));
    }
    let current = newest(&db.pool).await?;
    let Some(saved) = current.succeed(next, username, now_ms as i64) else {
        return Ok(Err(Refused::Stale {
            newest: current.version,
        }));
    };
    if let Err(p) = saved.check() {
        return Ok(Err(Refused::Invalid(p)));
    }
    let body = serde_json::to_string(&saved).expect("structure serializes");
    let inserted = sqlx::query(
        "INSERT INTO structure_versions (version, body, saved_by, saved_at_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(saved.version as i64)
    .bind(body)
    .bind(username)
    .bind(now_ms as i64)
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => Ok(Ok(saved)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let newest = newest(&db.pool).await?.version;
            Ok(Err(Refused::Stale { newest }))
        }
        Err(e) => Err(e),
    }
}

fn refusal(r: Refused) -> Failure {
    match r {
        Refused::Invalid(p) => Failure::invalid(p, "The structure is not complete."),
        Refused::Stale { newest } => Failure::new(
            StatusCode::CONFLICT,
            "stale",
            format!(
                "Someone saved the units and departments meanwhile (version {newest}): your changes were not saved. Reload them and make your changes again."
            ),
        ),
    }
}

async fn read(State(state): State<AppState>, _: SignedIn) -> Result<Json<Structure>, Failure> {
    Ok(Json(newest(&state.db.pool).await?))
}

async fn save(
    State(state): State<AppState>,
    Admin(user): Admin,
    JsonBody(next): JsonBody<Structure, MAX_STRUCTURE_BYTES>,
) -> Result<Json<Structure>, Failure> {
    let saved = store(&state.db, next, &user.username, now_ms())
        .await?
        .map_err(refusal)?;
    tracing::info!(username = %user.username, version = saved.version, "hospital structure saved");
    Ok(Json(saved))
}

/// Every unit text in cases and accounts that names no unit, most used
/// first: what an administrator maps in one place. Counts only, never a
/// patient: an administrator sees no patient data.
pub async fn unmatched_texts(db: &Db) -> Result<Vec<Unmatched>, sqlx::Error> {
    let structure = newest(&db.pool).await?;
    let cases: Vec<(String, i64)> =
        sqlx::query("SELECT unit, COUNT(*) AS n FROM cases WHERE deleted = 0 GROUP BY unit")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("unit")?, r.try_get("n")?)))
            .collect::<Result<_, _>>()?;
    let accounts: Vec<String> = sqlx::query("SELECT units_json FROM users WHERE active = 1")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("units_json"))
        .collect::<Result<_, _>>()?;
    let mut out: Vec<Unmatched> = Vec::new();
    let mut at = |text: &str| -> Option<usize> {
        if structure.unmatched([text]).is_empty() {
            return None;
        }
        let text = text.trim();
        Some(match out.iter().position(|u| u.text == text) {
            Some(i) => i,
            None => {
                out.push(Unmatched {
                    text: text.to_owned(),
                    cases: 0,
                    accounts: 0,
                });
                out.len() - 1
            }
        })
    };
    let mut counts: Vec<(usize, usize, usize)> = Vec::new();
    for (text, n) in &cases {
        if let Some(i) = at(text) {
            counts.push((i, *n as usize, 0));
        }
    }
    for units in &accounts {
        for text in serde_json::from_str::<Vec<String>>(units).unwrap_or_default() {
            if let Some(i) = at(&text) {
                counts.push((i, 0, 1));
            }
        }
    }
    for (i, c, a) in counts {
        out[i].cases += c;
        out[i].accounts += a;
    }
    out.sort_by(|a, b| {
        (b.cases + b.accounts)
            .cmp(&(a.cases + a.accounts))
            .then_with(|| a.text.cmp(&b.text))
    });
    Ok(out)
}

async fn unmatched(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<Unmatched>>, Failure> {
    Ok(Json(unmatched_texts(&state.db).await?))
}

async fn map(
    State(state): State<AppState>,
    Admin(user): Admin,
    JsonBody(req): JsonBody<MapText>,
) -> Result<Json<Structure>, Failure> {
    match map_text(&state.db, &user.username, &req).await? {
        Ok(saved) => Ok(Json(saved)),
        // The text itself could not be mapped.
        Err(Refused::Invalid(p)) if p.fields() == ["unit"] => Err(Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "unit",
            p.0[0].message.clone(),
        )),
        Err(r) => Err(refusal(r)),
    }
}

/// Maps `req.text` to `req.unit` as a new version made from the newest,
/// which `req.version` must be (the JSON endpoint's work and the structure
/// page's). A text that cannot be mapped is `Invalid` under `unit`.
pub async fn map_text(
    db: &Db,
    username: &str,
    req: &MapText,
) -> Result<Result<Structure, Refused>, sqlx::Error> {
    let mut next = newest(&db.pool).await?;
    if next.version != req.version {
        return Ok(Err(Refused::Stale {
            newest: next.version,
        }));
    }
    if let Err(m) = next.map_text(&req.text, req.unit) {
        let mut p = Problems::default();
        p.add("unit", m);
        return Ok(Err(Refused::Invalid(p)));
    }
    let saved = store(db, next, username, now_ms()).await?;
    if let Ok(s) = &saved {
        tracing::info!(username = %username, version = s.version, "unit text mapped");
    }
    Ok(saved)
}
