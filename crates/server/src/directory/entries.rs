//! `/api/directory`: the directory's entries and coordinators' corrections.
//!
//! - `GET /api/directory?since=N` (everyone signed in): the entries saved
//!   after directory version N, whole, retired ones included.
//! - `POST /api/directory` (managers, administrators): a save names the
//!   version it was made from and is merged field by field into the entry
//!   as it is now (`core::directory::merge`); a field both changed is a 409
//!   with both values, never overwritten.
//! - `POST /api/directory/suggestions` (everyone signed in): a correction,
//!   stored once by its id; `GET` lists the open ones for the editors, and
//!   `POST /api/directory/suggestions/{id}` accepts or rejects one.

use advocase_core::directory::Entry;
use advocase_core::directory::merge::merge;
use advocase_core::directory::wire::{
    Correction, Decide, Decision, DirectoryPage, Imported, SaveConflict, SaveEntry, StoredEntry,
    Suggestion,
};
use advocase_core::id::Id;
use advocase_core::validation::Problems;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row, Transaction};

use crate::api::Failure;
use crate::auth::{Editor, SignedIn};
use crate::body::JsonBody;
use crate::db::Db;
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory", get(read).post(save))
        .route(
            "/directory/suggestions",
            get(open_suggestions).post(suggest),
        )
        .route("/directory/suggestions/{id}", post(decide))
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(body).map_err(|e| sqlx::Error::ColumnDecode {
        index: "body".into(),
        source: e.into(),
    })
}

fn stored(row: &AnyRow) -> Result<StoredEntry, sqlx::Error> {
    Ok(StoredEntry {
        entry: decode(&row.try_get::<String, _>("body")?)?,
        version: row.try_get::<i64, _>("version")? as u64,
        saved_by: row.try_get("saved_by")?,
        saved_at_ms: row.try_get("saved_at_ms")?,
    })
}

/// The entries saved after `since`, oldest save first.
pub async fn page(db: &Db, since: u64) -> Result<DirectoryPage, sqlx::Error> {
    // One snapshot: the counter read with the rows, so no save slips between.
    let mut tx = db.pool.begin().await?;
    let version: i64 = sqlx::query_scalar("SELECT value FROM directory_counter WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let rows = sqlx::query(
        "SELECT body, version, saved_by, saved_at_ms FROM directory_entries
         WHERE version > $1 AND version <= $2 ORDER BY version",
    )
    .bind(since.min(i64::MAX as u64) as i64)
    .bind(version)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    Ok(DirectoryPage {
        version: version as u64,
        entries: rows.iter().map(stored).collect::<Result<_, _>>()?,
    })
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Stored as the next version (or already so: a repeat stores nothing).
    Stored(StoredEntry),
    Conflict(SaveConflict),
    Invalid(Problems),
}

/// Entry `id` as it is now (the editor's page reads it too).
pub(super) async fn current<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: Id,
) -> Result<Option<StoredEntry>, sqlx::Error> {
    sqlx::query("SELECT body, version, saved_by, saved_at_ms FROM directory_entries WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(stored)
        .transpose()
}

/// Entry `id` as version `version` saved it (the base of a merge).
pub(super) async fn at_version<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: Id,
    version: u64,
) -> Result<Option<Entry>, sqlx::Error> {
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM directory_history WHERE id = $1 AND version = $2")
            .bind(id.to_string())
            .bind(version as i64)
            .fetch_optional(db)
            .await?;
    body.map(|b| decode(&b)).transpose()
}

fn unknown_base() -> Saved {
    let mut p = Problems::default();
    p.add(
        "base",
        "This save was made from a version of the entry the server never had.",
    );
    Saved::Invalid(p)
}

/// Saves `req` as `username`, merged into the entry as it is now.
pub async fn store(
    db: &Db,
    req: &SaveEntry,
    username: &str,
    now_ms: u64,
) -> Result<Saved, sqlx::Error> {
    let mut entry = match req.entry.check() {
        Ok(e) => e,
        Err(p) => return Ok(Saved::Invalid(p)),
    };
    if entry.id.is_nil() {
        let mut p = Problems::default();
        p.add("id", "The entry needs an id.");
        return Ok(Saved::Invalid(p));
    }
    let mut tx = db.pool.begin().await?;
    // The counter's row lock: saves are numbered in the order they commit.
    let counter: i64 = sqlx::query_scalar(
        "UPDATE directory_counter SET value = value WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(now) = current(&mut *tx, entry.id).await? {
        if req.base > now.version {
            return Ok(unknown_base());
        }
        if now.entry == entry {
            return Ok(Saved::Stored(now)); // a repeat, or nothing changed
        }
        if req.base != now.version {
            let base = if req.base == 0 {
                // A new entry whose id is taken: a resent create, merged
                // against nothing.
                Some(Entry {
                    id: entry.id,
                    ..Entry::default()
                })
            } else {
                at_version(&mut *tx, entry.id, req.base).await?
            };
            let Some(base) = base else {
                return Ok(unknown_base());
            };
            let merged = merge(&base, &now.entry, &entry);
            if !merged.conflicts.is_empty() {
                return Ok(Saved::Conflict(SaveConflict {
                    current: now,
                    conflicts: merged.conflicts,
                }));
            }
            if merged.entry == now.entry {
                return Ok(Saved::Stored(now));
            }
            entry = merged.entry;
        }
    } else if req.base != 0 {
        let mut p = Problems::default();
        p.add("id", "This entry is not in the directory.");
        return Ok(Saved::Invalid(p));
    }
    let version = counter + 1;
    write(&mut tx, &entry, version, username, now_ms).await?;
    tx.commit().await?;
    Ok(Saved::Stored(StoredEntry {
        entry,
        version: version as u64,
        saved_by: username.to_owned(),
        saved_at_ms: now_ms as i64,
    }))
}

/// Stores `entry` as directory version `version` (the counter moved to it),
/// in `tx`.
async fn write(
    tx: &mut Transaction<'static, Any>,
    entry: &Entry,
    version: i64,
    username: &str,
    now_ms: u64,
) -> Result<(), sqlx::Error> {
    let body = serde_json::to_string(entry).expect("entries serialize");
    sqlx::query("UPDATE directory_counter SET value = $1 WHERE id = 1")
        .bind(version)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO directory_entries (id, version, body, saved_by, saved_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body,
             saved_by = excluded.saved_by, saved_at_ms = excluded.saved_at_ms",
    )
    .bind(entry.id.to_string())
    .bind(version)
    .bind(&body)
    .bind(username)
    .bind(now_ms as i64)
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO directory_history (id, version, body, saved_by, saved_at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(entry.id.to_string())
        .bind(version)
        .bind(&body)
        .bind(username)
        .bind(now_ms as i64)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An administrator's import, in one transaction: each entry replaces the
/// stored one's fields (no merge: the file is their word), one directory
/// version each; an entry equal to what is stored is left. All or nothing.
pub async fn import(
    db: &Db,
    saves: &[SaveEntry],
    username: &str,
    now_ms: u64,
) -> Result<Result<Imported, (usize, Saved)>, sqlx::Error> {
    let mut done = Imported::default();
    let mut tx = db.pool.begin().await?;
    let mut version: i64 = sqlx::query_scalar(
        "UPDATE directory_counter SET value = value WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    for (i, save) in saves.iter().enumerate() {
        let entry = match save.entry.check() {
            Ok(e) if !e.id.is_nil() => e,
            Ok(_) => return Ok(Err((i, Saved::Invalid(Problems::default())))),
            Err(p) => return Ok(Err((i, Saved::Invalid(p)))),
        };
        match current(&mut *tx, entry.id).await? {
            Some(now) if now.entry == entry => {
                done.unchanged += 1;
                continue;
            }
            Some(_) => done.updated += 1,
            None => done.created += 1,
        }
        version += 1;
        write(&mut tx, &entry, version, username, now_ms).await?;
    }
    tx.commit().await?;
    Ok(Ok(done))
}

async fn read(
    State(state): State<AppState>,
    _: SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Json<DirectoryPage>, Failure> {
    let mut since = 0;
    for pair in query.unwrap_or_default().split('&') {
        if let Some(v) = pair.strip_prefix("since=") {
            since = v
                .parse::<u64>()
                .ok()
                .filter(|n| i64::try_from(*n).is_ok())
                .ok_or_else(|| {
                    Failure::on(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_parameter",
                        "since",
                        "since must be a whole number, 0 or more.",
                    )
                })?;
        }
    }
    Ok(Json(page(&state.db, since).await?))
}

async fn save(
    State(state): State<AppState>,
    Editor(user): Editor,
    JsonBody(req): JsonBody<SaveEntry>,
) -> Result<Response, Failure> {
    match store(&state.db, &req, &user.username, now_ms()).await? {
        Saved::Stored(s) => {
            tracing::info!(username = %user.username, version = s.version, "directory entry saved");
            Ok(Json(s).into_response())
        }
        Saved::Conflict(c) => Ok((StatusCode::CONFLICT, Json(c)).into_response()),
        Saved::Invalid(p) => Err(Failure::invalid(p, "The entry is not complete.")),
    }
}

fn suggestion(row: &AnyRow) -> Result<Suggestion, sqlx::Error> {
    let decision: String = row.try_get("decision")?;
    let body: String = row.try_get("body")?;
    let (correction, entry_name): (Correction, String) = decode(&body)?;
    Ok(Suggestion {
        correction,
        entry_name,
        by: row.try_get("by_user")?,
        at_ms: row.try_get("at_ms")?,
        decision: match decision.as_str() {
            "accepted" => Decision::Accepted,
            "rejected" => Decision::Rejected,
            _ => Decision::Open,
        },
        decided_by: row.try_get("decided_by")?,
        note: row.try_get("note")?,
    })
}

const SUGGESTION_COLUMNS: &str = "body, by_user, at_ms, decision, decided_by, note";

async fn suggestion_by_id(db: &Db, id: Id) -> Result<Option<Suggestion>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {SUGGESTION_COLUMNS} FROM directory_suggestions WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(suggestion)
    .transpose()
}

async fn suggest(
    State(state): State<AppState>,
    SignedIn { user }: SignedIn,
    JsonBody(c): JsonBody<Correction>,
) -> Result<(StatusCode, Json<Suggestion>), Failure> {
    c.check()
        .map_err(|p| Failure::invalid(p, "The correction is not complete."))?;
    let Some(entry) = current(&state.db.pool, c.entry).await? else {
        return Err(Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "entry",
            "This entry is not in the directory.",
        ));
    };
    let body = serde_json::to_string(&(&c, &entry.entry.name)).expect("serializes");
    let inserted = sqlx::query(
        "INSERT INTO directory_suggestions (id, entry_id, body, by_user, at_ms, decision, note)
         VALUES ($1, $2, $3, $4, $5, 'open', '') ON CONFLICT (id) DO NOTHING",
    )
    .bind(c.id.to_string())
    .bind(c.entry.to_string())
    .bind(body)
    .bind(&user.username)
    .bind(now_ms() as i64)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    let kept = suggestion_by_id(&state.db, c.id)
        .await?
        .ok_or_else(Failure::internal)?;
    if inserted == 0 && (kept.correction != c || kept.by != user.username) {
        return Err(Failure::on(
            StatusCode::CONFLICT,
            "id_taken",
            "id",
            "Another correction has this id.",
        ));
    }
    if inserted == 1 {
        tracing::info!(username = %user.username, "directory correction sent");
    }
    Ok((
        if inserted == 1 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(kept),
    ))
}

async fn open_suggestions(
    State(state): State<AppState>,
    _: Editor,
) -> Result<Json<Vec<Suggestion>>, Failure> {
    Ok(Json(open_list(&state.db).await?))
}

/// The corrections no editor has answered yet, oldest first.
pub async fn open_list(db: &Db) -> Result<Vec<Suggestion>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {SUGGESTION_COLUMNS} FROM directory_suggestions WHERE decision = 'open' ORDER BY at_ms, id"
    ))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(suggestion).collect()
}

async fn decide(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    JsonBody(d): JsonBody<Decide>,
) -> Result<Json<Suggestion>, Failure> {
    Ok(Json(answer(&state.db, &user.username, &id, &d).await?))
}

/// Answers correction `id` as `username`, once (the same answer again
/// changes nothing; another is refused): the JSON endpoint's work and the
/// corrections page's.
pub async fn answer(db: &Db, username: &str, id: &str, d: &Decide) -> Result<Suggestion, Failure> {
    d.check()
        .map_err(|p| Failure::invalid(p, "The answer is not complete."))?;
    let id: Id = id
        .parse()
        .map_err(|_| Failure::new(StatusCode::NOT_FOUND, "not_found", "No such correction."))?;
    let decision = if d.accept { "accepted" } else { "rejected" };
    let changed = sqlx::query(
        "UPDATE directory_suggestions SET decision = $1, decided_by = $2, decided_at_ms = $3, note = $4
         WHERE id = $5 AND decision = 'open'",
    )
    .bind(decision)
    .bind(username)
    .bind(now_ms() as i64)
    .bind(d.note.trim())
    .bind(id.to_string())
    .execute(&db.pool)
    .await?
    .rows_affected();
    let Some(s) = suggestion_by_id(db, id).await? else {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such correction.",
        ));
    };
    let wanted = if d.accept {
        Decision::Accepted
    } else {
        Decision::Rejected
    };
    if changed == 0 && s.decision != wanted {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "already_decided",
            format!(
                "{} already answered this correction.",
                s.decided_by.clone().unwrap_or_default()
            ),
        ));
    }
    Ok(s)
}
