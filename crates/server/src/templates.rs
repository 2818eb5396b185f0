//! Discharge-checklist templates: `/api/templates`.
//!
//! Every signed-in user reads the newest version of each stored template;
//! only a manager saves one, always as the next version of its id (the rule
//! is `advocase_core::checklist::succession`). The built-in templates are
//! version 1 of their ids and are not stored: the app merges them itself, so
//! a server keeps one only once a manager saved a version 2 of it.
//!
//! Templates hold no patient data, but request bodies are never logged all
//! the same: only who saved which template, and which version.

use advocase_core::checklist::editor::{
    Said, act as apply, blank_section, located_problems, next_version, render, saved, template_of,
};
use advocase_core::checklist::{Succession, Template, newest_templates, succession};
use advocase_core::directory::page::value;
use advocase_core::id::Id;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::{Any, Executor, Row};

use crate::api::Failure;
use crate::auth::{Manager, SignedIn};
use crate::body::{JsonBody, html, page_form};
use crate::db::Db;
use crate::directory::csv::new_id;
use crate::{AppState, now_ms};

/// The largest template body accepted: hundreds of items, far more than a
/// checklist anyone would work through.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list).post(save))
        .route("/templates/editor", get(drawn).post(act))
}

/// What became of a saved template version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Stored: it was the next version (or version 1 of a new template).
    Stored(Template),
    /// The very version already kept, unchanged: a retried save, stored once.
    Repeated(Template),
    /// Someone else saved a version first, or the version skips ahead:
    /// `latest` is the newest one kept (0: none, and not a built-in).
    Conflict { latest: u32 },
}

/// The newest stored version of each template, by name.
pub async fn newest(db: &Db) -> Result<Vec<Template>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.body FROM templates t
         WHERE t.version = (SELECT MAX(m.version) FROM templates m WHERE m.id = t.id)",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut all = rows
        .iter()
        .map(|row| decode(&row.try_get::<String, _>("body")?))
        .collect::<Result<Vec<Template>, _>>()?;
    // Sorted here, not in SQL: the name is inside the JSON, and the two
    // databases would collate it differently anyway.
    all.sort_by_key(|t| (t.name.to_lowercase(), t.id));
    Ok(all)
}

/// Stores `template` if it is the next version of its id, in one
/// transaction. Two saves of the same next version racing each other: the
/// primary key refuses the second insert, which is then answered as a
/// conflict (or as a repeat, if it was the very same template).
pub async fn store(
    db: &Db,
    template: &Template,
    username: &str,
    now_ms: u64,
) -> Result<Saved, sqlx::Error> {
    match try_store(db, template, username, now_ms).await {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let latest = latest_stored(&db.pool, template.id).await?;
            Ok(match succession(latest.as_ref(), template) {
                Succession::Retry => Saved::Repeated(template.clone()),
                Succession::Stale { latest } => Saved::Conflict { latest },
                // The row that was in the way is there now: never "next".
                Succession::Next => Saved::Conflict {
                    latest: latest.map_or(template.version, |l| l.version),
                },
            })
        }
        other => other,
    }
}

async fn try_store(
    db: &Db,
    template: &Template,
    username: &str,
    now_ms: u64,
) -> Result<Saved, sqlx::Error> {
    let id = template.id.to_string();
    let mut tx = db.pool.begin().await?;
    // A write first: SQLite takes its write lock now, not after the read
    // (when a concurrent save would make it fail as busy instead of wait);
    // PostgreSQL locks this template's versions, so saves of one template
    // queue up, and the primary key settles a race for its first version.
    sqlx::query("UPDATE templates SET saved_at_ms = saved_at_ms WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    let latest = latest_stored(&mut *tx, template.id).await?;
    let saved = match succession(latest.as_ref(), template) {
        Succession::Next => {
            sqlx::query(
                "INSERT INTO templates (id, version, body, saved_by, saved_at_ms)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(i64::from(template.version))
            .bind(serde_json::to_string(template).expect("a template serializes"))
            .bind(username)
            .bind(now_ms as i64)
            .execute(&mut *tx)
            .await?;
            Saved::Stored(template.clone())
        }
        Succession::Retry => Saved::Repeated(template.clone()),
        Succession::Stale { latest } => Saved::Conflict { latest },
    };
    tx.commit().await?;
    Ok(saved)
}

async fn latest_stored<'e, E>(executor: E, id: Id) -> Result<Option<Template>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let body: Option<String> = sqlx::query_scalar(
        "SELECT body FROM templates WHERE id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(id.to_string())
    .fetch_optional(executor)
    .await?;
    body.as_deref().map(decode).transpose()
}

fn decode(body: &str) -> Result<Template, sqlx::Error> {
    serde_json::from_str(body).map_err(|e| sqlx::Error::ColumnDecode {
        index: "body".into(),
        source: e.into(),
    })
}

fn conflict(saved: u32, latest: u32) -> Failure {
    let again = "Reload the templates and make your change again.";
    let message = if latest == 0 {
        format!(
            "This template is not on the server yet, so the first version saved must be version 1. {again}"
        )
    } else if saved > latest {
        format!(
            "The newest version of this template is {latest}, so the next one saved must be version {}. {again}",
            latest + 1
        )
    } else {
        format!("Version {latest} of this template was saved by someone else first. {again}")
    };
    Failure::new(StatusCode::CONFLICT, "version_conflict", message)
}

async fn list(State(state): State<AppState>, _: SignedIn) -> Result<Json<Vec<Template>>, Failure> {
    Ok(Json(newest(&state.db).await?))
}

/// `POST /api/templates`: a template version as JSON, checked, then kept
/// if it is the next.
async fn save(
    State(state): State<AppState>,
    Manager(user): Manager,
    JsonBody(template): JsonBody<Template, MAX_TEMPLATE_BYTES>,
) -> Result<(StatusCode, Json<Template>), Failure> {
    template
        .check()
        .map_err(|p| Failure::invalid(p, "The template is not complete."))?;
    let (id, version) = (template.id, template.version);
    match store(&state.db, &template, &user.username, now_ms()).await? {
        Saved::Stored(t) => {
            tracing::info!(username = %user.username, template = %id, version, "template version saved");
            Ok((StatusCode::CREATED, Json(t)))
        }
        Saved::Repeated(t) => {
            tracing::info!(username = %user.username, template = %id, version, "template version saved again (a retry): stored once");
            Ok((StatusCode::OK, Json(t)))
        }
        Saved::Conflict { latest } => {
            tracing::info!(username = %user.username, template = %id, version, latest, "template version refused: conflict");
            Err(conflict(version, latest))
        }
    }
}

// The editor the app shows managers (`/api/templates/editor`, drawn by
// `advocase_core::checklist::editor`, a desk page). `GET ?id=…` draws the
// newest version of a template (stored or built-in), `?copy=…` a copy of
// it under a new id, `?new` a blank one. The form comes back as a browser
// sends it: with `do` (add or remove a section or an item) it is drawn
// again as typed with the change; without, it is saved through `store`,
// the same checks and version rule as `POST /api/templates` (which other
// clients keep using).

fn not_found() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "This template is not on the server.",
    )
}

/// `GET /api/templates/editor?id=…|copy=…|new`.
async fn drawn(
    State(state): State<AppState>,
    _: Manager,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let query = query.unwrap_or_default();
    let asked = |key: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .and_then(|id| id.parse::<Id>().ok())
    };
    let find = |id: Id, all: Vec<Template>| all.into_iter().find(|t| t.id == id);
    let template = if let Some(id) = asked("id") {
        find(id, newest_templates(&newest(&state.db).await?)).ok_or_else(not_found)?
    } else if let Some(id) = asked("copy") {
        let t = find(id, newest_templates(&newest(&state.db).await?)).ok_or_else(not_found)?;
        Template {
            id: new_id(),
            version: 0,
            name: format!("Copy of {}", t.name),
            ..t
        }
    } else {
        Template {
            id: new_id(),
            version: 0,
            name: String::new(),
            source: String::new(),
            sections: vec![blank_section()],
        }
    };
    Ok(html(render(&template, &Said::default())))
}

/// `POST /api/templates/editor`: the form, with its action.
async fn act(
    State(state): State<AppState>,
    Manager(user): Manager,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/templates").await?;
    let mut typed = template_of(&fields);
    let mut said = Said::default();
    if let Some(action) = value(&fields, "do") {
        said.focus = apply(&mut typed, action);
        return Ok(html(render(&typed, &said)));
    }
    let next = next_version(&typed);
    if let Err(problems) = next.check() {
        said.problems = located_problems(problems);
        return Ok(html(render(&typed, &said)));
    }
    let (id, version) = (next.id, next.version);
    match store(&state.db, &next, &user.username, now_ms()).await? {
        Saved::Stored(t) => {
            tracing::info!(username = %user.username, template = %id, version, "template version saved");
            Ok(html(saved(&t)))
        }
        Saved::Repeated(t) => {
            tracing::info!(username = %user.username, template = %id, version, "template version saved again (a retry): stored once");
            Ok(html(saved(&t)))
        }
        Saved::Conflict { latest } => {
            tracing::info!(username = %user.username, template = %id, version, latest, "template version refused: conflict");
            // Kept as typed, to build on the newest version once it is
            // compared with it (the app fetches it for its list).
            let mut lines = vec![conflict(version, latest).1.message];
            if latest > 0 {
                typed.version = latest;
                lines.push(format!(
                    "Your changes are still here. Saving again makes version {} from them, replacing what version {latest} says: compare with it below first.",
                    latest + 1
                ));
            }
            said.alert = Some(lines.join(" "));
            Ok(html(render(&typed, &said)))
        }
    }
}
