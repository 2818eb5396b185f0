//! Account management for administrators: `/api/users` (JSON), and the
//! Accounts page the app shows (`/api/accounts/page`, drawn by
//! `advocase_core::accounts`), whose forms are sent as a browser sends a
//! form and answered with the page again. Both go through the same checks,
//! storage and audit rows.

use advocase_core::access::{Role, User};
use advocase_core::sync::{NewUser, UserUpdate};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::accounts::{self, AccountError, ChangedBy};
use crate::api::Failure;
use crate::audit::{self, Entry, action, outcome};
use crate::auth::{Admin, OnDevice};
use crate::body::{JsonBody, page_form};
use crate::directory::structure;
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{username}", axum::routing::patch(update))
        // Not under /users/: an account may be called "page".
        .route("/accounts/page", get(drawn).post(create_from_form))
        .route("/accounts/page/{username}", post(update_from_form))
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
    let user = create_account(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A new account, checked, stored and recorded (a refusal recorded too).
async fn create_account(
    state: &AppState,
    admin: &AccountAdmin,
    new: &NewUser,
) -> Result<User, Failure> {
    let by = admin.by();
    let user = match accounts::create_as(&state.db, new, now_ms(), &by).await {
        Ok(user) => user,
        Err(e) => {
            return Err(refused(state, &by, action::ACCOUNT_CREATED, &new.username, e).await);
        }
    };
    let admin = &admin.0.user;
    tracing::info!(admin = %admin.username, username = %user.username, role = user.role.ident(), "account created");
    Ok(user)
}

async fn update(
    State(state): State<AppState>,
    admin: AccountAdmin,
    Path(username): Path<String>,
    JsonBody(change): JsonBody<UserUpdate>,
) -> Result<Json<User>, Failure> {
    Ok(Json(
        update_account(&state, &admin, &username, &change).await?,
    ))
}

/// A change to an account, checked, stored and recorded, and what it ends.
async fn update_account(
    state: &AppState,
    admin: &AccountAdmin,
    username: &str,
    change: &UserUpdate,
) -> Result<User, Failure> {
    let by = admin.by();
    let user = match accounts::update_as(&state.db, username, change, now_ms(), &by).await {
        Ok(user) => user,
        Err(e) => {
            return Err(refused(state, &by, action::ACCOUNT_CHANGED, username, e).await);
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
    Ok(user)
}

/// The structure's live units, by name: what a coordinator's units are
/// chosen from (none: typed).
async fn offered(state: &AppState) -> Result<Vec<String>, Failure> {
    let s = structure::newest(&state.db.pool).await?;
    let (_, live) = s.offered_units(&[]);
    Ok(live.into_iter().map(|u| u.name.clone()).collect())
}

/// The Accounts page, with `said` at its top.
async fn page(state: &AppState, said: Option<String>) -> Result<Response, Failure> {
    let users = accounts::list(&state.db).await?;
    let offered = offered(state).await?;
    let html = advocase_core::accounts::render(&users, &offered, said.as_deref());
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `GET /api/accounts/page`.
async fn drawn(State(state): State<AppState>, _: Admin) -> Result<Response, Failure> {
    page(&state, None).await
}

/// The value of `name` in `fields`, if sent.
fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Every value of `name`, trimmed, the empty ones left out; `split`: each
/// value a comma-separated list (units typed, not chosen).
fn values(fields: &[(String, String)], name: &str, split: bool) -> Vec<String> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .flat_map(|(_, v)| {
            if split {
                v.split(',').collect::<Vec<_>>()
            } else {
                vec![v.as_str()]
            }
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /api/accounts/page`: the new account's form (`username`,
/// `display_name`, `role`, `units`, `password`); the page again.
async fn create_from_form(
    State(state): State<AppState>,
    admin: AccountAdmin,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/users").await?;
    let text = |name| value(&fields, name).unwrap_or_default().trim().to_owned();
    let role = Role::from_ident(&text("role")).ok_or_else(|| {
        Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "role",
            "Choose a role.",
        )
    })?;
    // Typed as a list when the structure offers no units to choose.
    let typed = offered(&state).await?.is_empty();
    let new = NewUser {
        username: text("username"),
        display_name: text("display_name"),
        role,
        units: values(&fields, "units", typed),
        // As typed: spaces are part of a password.
        password: value(&fields, "password").unwrap_or_default().to_owned(),
    };
    let user = create_account(&state, &admin, &new).await?;
    page(&state, Some(format!("Account {} created.", user.username))).await
}

/// `POST /api/accounts/page/{username}`: one of an account's forms:
/// `active` (deactivate or reactivate), `change=units` with its `units`,
/// or `password`; the page again.
async fn update_from_form(
    State(state): State<AppState>,
    admin: AccountAdmin,
    Path(username): Path<String>,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/users").await?;
    let (change, done) = if let Some(active) = value(&fields, "active") {
        let on = active == "true";
        let change = UserUpdate {
            active: Some(on),
            ..UserUpdate::default()
        };
        let done = if on {
            "active again."
        } else {
            "deactivated; every session ended."
        };
        (change, done)
    } else if value(&fields, "change") == Some("units") {
        let change = UserUpdate {
            units: Some(values(&fields, "units", false)),
            ..UserUpdate::default()
        };
        (change, "units covered saved.")
    } else {
        let change = UserUpdate {
            password: Some(value(&fields, "password").unwrap_or_default().to_owned()),
            ..UserUpdate::default()
        };
        (change, "password changed; every session ended.")
    };
    let user = update_account(&state, &admin, &username, &change).await?;
    page(&state, Some(format!("{}: {done}", user.username))).await
}
