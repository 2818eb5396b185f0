//! The corrections page the app shows editors
//! (`/api/directory/suggestions/page`, drawn by
//! `advocase_core::directory::corrections`): the open corrections, each
//! answered by its own form (`do`: `accept` or `reject`, and `note`) sent
//! as a browser sends a form, through the same checks and storage as
//! `POST /api/directory/suggestions/{id}`; the answer is the page again.

use advocase_core::directory::corrections::render;
use advocase_core::directory::page::value;
use advocase_core::directory::wire::Decide;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::entries::{answer, open_list};
use crate::AppState;
use crate::api::Failure;
use crate::auth::Editor;
use crate::body::page_form;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory/suggestions/page", get(drawn))
        .route("/directory/suggestions/page/{id}", post(decide))
}

/// The page, the times in the hospital's zone.
async fn page(state: &AppState) -> Result<Response, Failure> {
    let open = open_list(&state.db).await?;
    let local = crate::report::local(state);
    let at = |ms: i64| {
        let at = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
        advocase_core::dates::date_time(local(at))
    };
    let html = render(&open, &at);
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `GET /api/directory/suggestions/page`.
async fn drawn(State(state): State<AppState>, _: Editor) -> Result<Response, Failure> {
    page(&state).await
}

/// `POST /api/directory/suggestions/page/{id}`: one correction's form.
async fn decide(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/directory/suggestions/{id}").await?;
    let accept = match value(&fields, "do") {
        Some("accept") => true,
        Some("reject") => false,
        _ => {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Choose Accept or Reject.",
            ));
        }
    };
    let note = value(&fields, "note").unwrap_or_default().to_owned();
    answer(&state.db, &user.username, &id, &Decide { accept, note }).await?;
    page(&state).await
}
