//! The managers' list editor (`GET`/`POST /api/supplies/list`): a desk
//! page drawn by `advocase_core::supplies::editor`. Each form becomes
//! supply changes pushed into the same stream as the tablets' (through
//! [`super::push`], with its checks, roles and audit), so a list edited
//! here reaches every tablet by its next pull.
//!
//! A save is its own small push from a "device" made for it (a fresh id,
//! sequence numbers from 1): the server keeps no counter of its own for
//! desk edits. A new item's id comes with the form (`new`, made when the
//! form was drawn), so a form sent twice adds the item once (an item is
//! added once by id).

use advocase_core::access::User;
use advocase_core::directory::page::value;
use advocase_core::directory::unit_key;
use advocase_core::id::Id;
use advocase_core::supplies::SupplyOp;
use advocase_core::supplies::book::Book;
use advocase_core::supplies::change::SupplyChange;
use advocase_core::supplies::editor::{self, Asked, Said};
use advocase_core::supplies::wire::SupplyPush;
use advocase_core::sync::Outcome;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;

use crate::api::Failure;
use crate::auth::Manager;
use crate::body::{html, page_form};
use crate::changes::decode;
use crate::db::Db;
use crate::directory::structure;
use crate::report::fresh_id;
use crate::{AppState, now_ms};

/// Every unit's book as the server holds it (only `wanted`'s, by unit key,
/// when given), each under the name its first change gave it.
pub async fn books(db: &Db, wanted: Option<&[String]>) -> Result<Vec<(String, Book)>, sqlx::Error> {
    // A unit's changes by its key (the index `supply_changes_unit`); every
    // unit's when none is named. In any order: a book is the fold of a set.
    let sql = "SELECT server_seq, unit, unit_key, body FROM supply_changes";
    let rows = match wanted {
        Some(units) => {
            let keys: Vec<String> = units.iter().map(|u| unit_key(u)).collect();
            let mut conn = db.pool.acquire().await?;
            let sql = format!("{sql} WHERE unit_key IN ({{}})");
            crate::changes::select_in(&mut conn, &sql, &keys).await?
        }
        None => sqlx::query(sql).fetch_all(&db.pool).await?,
    };
    // Each unit under the name its first stored change gave it.
    let mut logs: Vec<(String, (i64, String), Vec<SupplyChange>)> = Vec::new();
    for row in rows {
        let key: String = row.try_get("unit_key")?;
        let seq: i64 = row.try_get("server_seq")?;
        let unit: String = row.try_get("unit")?;
        let change: SupplyChange = decode("body", &row.try_get::<String, _>("body")?)?;
        match logs.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, first, log)) => {
                if seq < first.0 {
                    *first = (seq, unit);
                }
                log.push(change);
            }
            None => logs.push((key, (seq, unit), vec![change])),
        }
    }
    Ok(logs
        .into_iter()
        .map(|(_, (_, unit), log)| (unit, Book::fold(&log)))
        .collect())
}

/// The hospital's units, as the structure names them.
async fn unit_names(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let s = structure::newest(&db.pool).await?;
    Ok(s.units
        .iter()
        .filter(|u| !u.retired)
        .map(|u| u.name.clone())
        .collect())
}

async fn book_of(db: &Db, unit: &str) -> Result<Book, sqlx::Error> {
    let wanted = [unit.to_owned()];
    Ok(books(db, Some(&wanted))
        .await?
        .into_iter()
        .next()
        .map(|(_, b)| b)
        .unwrap_or_default())
}

/// `GET /api/supplies/list?unit=…[&edit=<item>]`.
pub async fn drawn(
    State(state): State<AppState>,
    _: Manager,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let Query(query) = query.map_err(|_| {
        Failure::on(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "query",
            "The page's address could not be read.",
        )
    })?;
    let units = unit_names(&state.db).await?;
    let unit = value(&query, "unit")
        .filter(|u| !u.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| units.first().cloned())
        .unwrap_or_default();
    let book = book_of(&state.db, &unit).await?;
    let edit = value(&query, "edit").and_then(|v| v.parse::<Id>().ok());
    Ok(html(editor::render(
        &unit,
        &units,
        &book,
        edit,
        None,
        fresh_id(),
        &Said::default(),
    )))
}

/// `POST /api/supplies/list`: a form of the editor.
pub async fn act(
    State(state): State<AppState>,
    Manager(user): Manager,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, editor::PAGE).await?;
    let units = unit_names(&state.db).await?;
    let asked = editor::asked(&fields);
    let (unit, ops, done, editing) = match asked {
        Asked::Save {
            unit,
            editing,
            draft,
            new,
        } => {
            let book = book_of(&state.db, &unit).await?;
            let id = editing.or(new).unwrap_or_else(fresh_id);
            match draft.parse(id) {
                Ok(item) => {
                    let ops = editor::ops(&book, &item);
                    // A new item's form sent again (its id already
                    // listed) says what the first did.
                    let done = match (editing, ops.is_empty()) {
                        (Some(_), true) => "Nothing was changed.".to_owned(),
                        (Some(_), false) => format!("{} saved.", item.name),
                        (None, _) => format!("{} added to the list.", item.name),
                    };
                    (unit, ops, done, None)
                }
                Err(problems) => {
                    let page = editor::render(
                        &unit,
                        &units,
                        &book,
                        editing,
                        Some(&draft),
                        new.unwrap_or_else(fresh_id),
                        &Said {
                            problems,
                            done: None,
                        },
                    );
                    return Ok(html(page));
                }
            }
        }
        Asked::Retire { unit, item } => {
            let book = book_of(&state.db, &unit).await?;
            let name = book.item(item).map(|i| i.name.clone()).unwrap_or_default();
            let op = editor::retire(&book, item);
            (unit, vec![op], format!("{name} taken off the list."), None)
        }
        Asked::Copy { unit, to } => {
            let from = book_of(&state.db, &unit).await?;
            let there = book_of(&state.db, &to).await?;
            let ops = editor::copies(&from, &there, fresh_id);
            let done = format!("{} items copied to {to}.", ops.len());
            (to, ops, done, None::<Id>)
        }
    };
    let refused = store(&state.db, &user, &unit, ops).await?;
    let book = book_of(&state.db, &unit).await?;
    let said = Said {
        problems: Default::default(),
        done: Some(refused.unwrap_or(done)),
    };
    Ok(html(editor::render(
        &unit,
        &units,
        &book,
        editing,
        None,
        fresh_id(),
        &said,
    )))
}

/// Pushes `ops` on `unit` as `user`'s: the refusal's message if the
/// stream refused one (a unit left blank, a value out of range).
async fn store(
    db: &Db,
    user: &User,
    unit: &str,
    ops: Vec<SupplyOp>,
) -> Result<Option<String>, sqlx::Error> {
    if ops.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    let device = fresh_id();
    let at = chrono::DateTime::from_timestamp_millis(now as i64).unwrap_or_default();
    let changes = ops
        .into_iter()
        .enumerate()
        .map(|(n, op)| SupplyChange {
            id: fresh_id(),
            unit: unit.to_owned(),
            device,
            seq: n as u64 + 1,
            hlc: advocase_core::hlc::Timestamp {
                wall_ms: now,
                counter: n as u32,
                node: device.node(),
            },
            by: user.username.clone(),
            at,
            op,
        })
        .collect();
    let answer = super::push(db, user, &SupplyPush { device, changes }, now).await?;
    Ok(answer.results.into_iter().find_map(|r| match r.outcome {
        Outcome::Refused { reason } => Some(format!("Not saved: {}", reason.message)),
        Outcome::Stored { .. } => None,
    }))
}
