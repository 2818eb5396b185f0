//! The entry editor the app shows managers and administrators
//! (`/api/directory/editor`, drawn by `advocase_core::directory::editor`).
//! `GET ?id=…` draws the entry as it is now (no id: a new entry, its id
//! made here); the form comes back as a browser sends it and is saved
//! through `entries::store`, the same checks, merge and clash as
//! `POST /api/directory` (which other clients keep using). Its actions
//! (`do`): none, a save; `add-phone`, the form again with one more blank
//! number focused; `choose`, the clash's choices saved on top of the entry
//! as the clash showed it. A save is answered with `editor::saved`, which
//! the app follows by bringing its copy of the directory up to date.

use advocase_core::directory::Entry;
use advocase_core::directory::editor::{
    Clash, Said, chose_mine, entry_of, render, saved, versions,
};
use advocase_core::directory::merge::{merge, take_field};
use advocase_core::directory::page::value;
use advocase_core::directory::wire::SaveEntry;
use advocase_core::id::Id;
use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::csv::new_id;
use super::entries::{Saved, at_version, current, store};
use crate::api::Failure;
use crate::auth::Editor;
use crate::body::{html, page_form};
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new().route("/directory/editor", get(drawn).post(act))
}

fn not_found() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "This entry is not in the directory.",
    )
}

/// `GET /api/directory/editor[?id=…]`.
async fn drawn(
    State(state): State<AppState>,
    _: Editor,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let query = query.unwrap_or_default();
    let asked = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("id="))
        .filter(|id| !id.is_empty());
    let Some(id) = asked else {
        let new = Entry {
            id: new_id(),
            ..Entry::default()
        };
        return Ok(html(render(&new, 0, &Said::default())));
    };
    let id: Id = id.parse().map_err(|_| not_found())?;
    let now = current(&state.db.pool, id).await?.ok_or_else(not_found)?;
    Ok(html(render(&now.entry, now.version, &Said::default())))
}

/// `POST /api/directory/editor`: the form, with its action.
async fn act(
    State(state): State<AppState>,
    Editor(user): Editor,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/directory").await?;
    let typed = entry_of(&fields);
    let (base, seen) = versions(&fields);
    let mut said = Said::default();
    if value(&fields, "do") == Some("add-phone") {
        // What is typed stays; blank rows go, one blank row comes focused.
        let mut draft = typed;
        draft.phones.retain(|p| !p.number.trim().is_empty());
        said.focus = Some(format!("phones.{}.number", draft.phones.len()));
        return Ok(html(render(&draft, base, &said)));
    }
    // Tidied first (the form's blank phone row dropped): the merge compares
    // it with entries stored tidied.
    let mine = match typed.check() {
        Ok(mine) => mine,
        Err(problems) => {
            said.problems = problems;
            return Ok(html(render(&typed, base, &said)));
        }
    };
    let (entry, base) = match seen.filter(|_| value(&fields, "do") == Some("choose")) {
        Some(seen) => chosen(&state, &fields, mine, base, seen).await?,
        None => (mine, base),
    };
    let req = SaveEntry {
        base,
        entry: entry.clone(),
    };
    match store(&state.db, &req, &user.username, now_ms()).await? {
        Saved::Stored(s) => {
            tracing::info!(username = %user.username, version = s.version, "directory entry saved");
            Ok(html(saved(&s.entry, s.version)))
        }
        Saved::Conflict(c) => {
            said.clash = Some(Clash {
                by: c.current.saved_by,
                version: c.current.version,
                conflicts: c.conflicts,
            });
            Ok(html(render(&entry, base, &said)))
        }
        Saved::Invalid(problems) => {
            said.problems = problems;
            Ok(html(render(&entry, base, &said)))
        }
    }
}

/// The clash settled as the editor chose: everything both saves changed,
/// theirs (version `seen`) where they clash unless the editor chose theirs
/// own; to be saved on top of `seen` (merged again by `store` with any save
/// made since). Versions the server never had are left to `store` to refuse.
async fn chosen(
    state: &AppState,
    fields: &[(String, String)],
    mine: Entry,
    base: u64,
    seen: u64,
) -> Result<(Entry, u64), Failure> {
    let start = if base == 0 {
        Some(Entry {
            id: mine.id,
            ..Entry::default()
        })
    } else {
        at_version(&state.db.pool, mine.id, base).await?
    };
    let theirs = at_version(&state.db.pool, mine.id, seen).await?;
    let (Some(start), Some(theirs)) = (start, theirs) else {
        return Ok((mine, base));
    };
    let merged = merge(&start, &theirs, &mine);
    let mut entry = merged.entry;
    for c in &merged.conflicts {
        if chose_mine(fields, &c.field) {
            take_field(&mut entry, &mine, &c.field);
        }
    }
    Ok((entry, seen))
}
