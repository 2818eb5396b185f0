//! Who knows what (issue 13): the hospital's structure (`structure.rs`,
//! `/api/structure`; the page the app shows, `page.rs`) and its directory
//! (`entries.rs`, `/api/directory`; `csv.rs`; the corrections page the app
//! shows editors, `corrections.rs`; the entry editor it shows them,
//! `editor.rs`).
//! Reference data, never patient data; request bodies are not logged all
//! the same, only who saved which version.

pub mod corrections;
pub mod csv;
pub mod editor;
pub mod entries;
pub mod page;
pub mod structure;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(structure::routes())
        .merge(entries::routes())
        .merge(csv::routes())
        .merge(page::routes())
        .merge(corrections::routes())
        .merge(editor::routes())
}
