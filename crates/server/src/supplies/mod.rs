//! Ward supplies on the wire (issue 17): `POST /api/supplies/push` and
//! `GET /api/supplies/pull?after=N&limit=M`, for coordinators and
//! managers (administrators get 403, as for the case stream).
//!
//! Supply changes name no patient. They sync beside the case changes, in
//! tables and with a counter of their own, by the same exactly-once rules
//! (docs/SUPPLIES.md, "Sync"): `store.rs` stores a push, `pull.rs` hands
//! out pages. A malformed or oversized request is refused whole before
//! anything is written; a change the rules refuse is answered as refused
//! and the rest of its batch still stored.

pub mod lists;
mod pull;
mod store;

use advocase_core::supplies::wire::{SupplyPage, SupplyPush};
use advocase_core::sync::{MAX_BODY_BYTES, PushResponse};
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::Failure;
use crate::auth::CaseWorker;
use crate::body::JsonBody;
use crate::sync::{pull_params, whole_batch};
use crate::{AppState, now_ms};

pub use pull::pull;
pub use store::push;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/push", post(push_handler))
        .route("/pull", get(pull_handler))
        .route("/list", get(lists::drawn).post(lists::act))
}

async fn push_handler(
    State(state): State<AppState>,
    CaseWorker(user): CaseWorker,
    JsonBody(req): JsonBody<SupplyPush, MAX_BODY_BYTES>,
) -> Result<Json<PushResponse>, Failure> {
    whole_batch(req.device, req.changes.iter().map(|c| c.device))?;
    Ok(Json(push(&state.db, &user, &req, now_ms()).await?))
}

/// The case pull's parameters, read the same way (`device` and `own_from`
/// are accepted and unused: a device keeps its own supply changes, and
/// they are few enough to be sent back).
async fn pull_handler(
    State(state): State<AppState>,
    CaseWorker(user): CaseWorker,
    RawQuery(query): RawQuery,
) -> Result<Json<SupplyPage>, Failure> {
    let params = pull_params(query.as_deref())?;
    Ok(Json(
        pull(&state.db, &user, params.after, params.limit).await?,
    ))
}
