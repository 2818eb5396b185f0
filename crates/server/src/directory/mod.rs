//! Who knows what (issue 13): the hospital's structure, `/api/structure`.
//! Reference data, never patient data; request bodies are not logged all
//! the same, only who saved which version.

pub mod structure;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(structure::routes())
}
