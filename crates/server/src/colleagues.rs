//! `GET /api/colleagues` (issue 14): whom a coordinator may escalate a case
//! to, for the device to keep offline. Every active coordinator and
//! manager (the asker too), with display name, role and the units they
//! cover; never an administrator, a deactivated account or anything about
//! passwords or cases. For coordinators and managers; administrators, who
//! escalate nothing, get 403 like the sync endpoints.

use advocase_core::access::Role;
use advocase_core::api::{Colleague, Colleagues};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::Failure;
use crate::auth::CaseWorker;
use crate::{AppState, accounts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/colleagues", get(list))
}

async fn list(State(state): State<AppState>, _: CaseWorker) -> Result<Json<Colleagues>, Failure> {
    let mut colleagues: Vec<Colleague> = accounts::list(&state.db)
        .await?
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::Coordinator | Role::Manager))
        .map(|u| Colleague {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            units: u.units,
        })
        .collect();
    // The same order on either database, whatever its collation.
    colleagues.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(Json(Colleagues { colleagues }))
}
