//! Account management for administrators: `/api/users`.

use advocase_core::access::{Role, User};
use advocase_core::sync::{NewUser, UserUpdate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use crate::accounts::{self, AccountError, ChangedBy};
use crate::api::Failure;
use crate::audit::{self, Entry, action, outcome};
use crate::auth::{Admin, OnDevice};
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

/// A signed-in administrator on their session's device: who changes
/// accounts, for the audit trail.
pub struct AccountAdmin(pub OnDevice);

impl axum::extract::FromRequestParts<AppState> for AccountAdmin {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Failure> {
        let session = OnDevice::from_request_parts(parts, state).await?;
        if session.user.role != Role::Admin {
            return Err(Failure::forbidden(
                "Only an administrator can manage accounts.",
            ));
        }
        Ok(AccountAdmin(session))
    }
}

impl AccountAdmin {
    fn by(&self) -> ChangedBy {
        ChangedBy {
            username: self.0.user.username.clone(),
            device: self.0.device.clone(),
        }
    }
}

/// A refused account change is recorded too (nothing was changed): the
/// error code, and the account it was about.
async fn refused(
    state: &AppState,
    by: &ChangedBy,
    action: &'static str,
    account: &str,
    e: AccountError,
) -> Failure {
    let code = match &e {
        AccountError::Invalid(api) | AccountError::LastAdmin(api) => api.error.clone(),
        AccountError::Taken(_) => "username_taken".into(),
        AccountError::Unknown(_) => "not_found".into(),
        AccountError::Db(_) => return e.into(),
    };
    // What was asked for may not even be a valid username: kept short.
    let account: String = account.chars().take(accounts::MAX_USERNAME).collect();
    let entry = Entry::new(action, outcome::REFUSED, &by.username)
        .device(by.device.clone())
        .detail(format!("account {account}: {code}"));
    match audit::record(&state.db, &[entry], now_ms()).await {
        Ok(()) => e.into(),
        Err(db) => db.into(),
    }
}

async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<User>>, Failure> {
    Ok(Json(accounts::list(&state.db).await?))
}

async fn create(
    State(state): State<AppState>,
    admin: AccountAdmin,
    JsonBody(new): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<User>), Failure> {
    let by = admin.by();
    let user = match accounts::create_as(&state.db, &new, now_ms(), &by).await {
        Ok(user) => user,
        Err(e) => {
            return Err(refused(&state, &by, action::ACCOUNT_CREATED, &new.username, e).await);
        }
    };
    let admin = &admin.0.user;
    tracing::info!(admin = %admin.username, username = %user.username, role = user.role.ident(), "account created");
    Ok((StatusCode::CREATED, Json(user)))
}

async fn update(
    State(state): State<AppState>,
    admin: AccountAdmin,
    Path(username): Path<String>,
    JsonBody(change): JsonBody<UserUpdate>,
) -> Result<Json<User>, Failure> {
    let by = admin.by();
    let user = match accounts::update_as(&state.db, &username, &change, now_ms(), &by).await {
        Ok(user) => user,
        Err(e) => {
            return Err(refused(&state, &by, action::ACCOUNT_CHANGED, &username, e).await);
        }
    };
    // Deactivated or given a new password: its sessions ended, and so do
    // its live streams now; new units: whom the next push wakes.
    state.live.recheck(&user.username);
    let admin = &admin.0.user;
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
