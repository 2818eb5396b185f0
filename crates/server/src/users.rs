//! Account management for administrators: `/api/users`.

use advocase_core::access::User;
use advocase_core::sync::{NewUser, UserUpdate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use crate::accounts::{self, AccountError};
use crate::api::Failure;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{username}", axum::routing::patch(update))
}

impl From<AccountError> for Failure {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(e) => Failure(StatusCode::UNPROCESSABLE_ENTITY, e),
            AccountError::Taken(_) => Failure::on(
                StatusCode::CONFLICT,
                "username_taken",
                "username",
                "That username is already taken.",
            ),
            AccountError::Unknown(_) => Failure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no account with that username.",
            ),
            AccountError::LastAdmin(e) => Failure(StatusCode::CONFLICT, e),
            AccountError::Db(e) => e.into(),
        }
    }
}

async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<User>>, Failure> {
    Ok(Json(accounts::list(&state.db).await?))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    JsonBody(new): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<User>), Failure> {
    let user = accounts::create(&state.db, &new, now_ms()).await?;
    tracing::info!(admin = %admin.username, username = %user.username, role = user.role.ident(), "account created");
    Ok((StatusCode::CREATED, Json(user)))
}

async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(username): Path<String>,
    JsonBody(change): JsonBody<UserUpdate>,
) -> Result<Json<User>, Failure> {
    let user = accounts::update(&state.db, &username, &change, now_ms()).await?;
    if change.password.is_some() {
        // A new password is how a locked-out coordinator gets back in.
        state.sign_ins.clear(&user.username);
    }
    tracing::info!(
        admin = %admin.username,
        username = %user.username,
        active = user.active,
        password_changed = change.password.is_some(),
        "account changed"
    );
    Ok(Json(user))
}
