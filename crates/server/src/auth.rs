//! Signing in and out, and who is asking: the `Authorization: Bearer` token
//! of every API request resolved to an active account.
//!
//! Usernames are logged for sign-ins only (the audit trail of access);
//! passwords and tokens never are.

use std::time::Duration;

use advocase_core::access::{Role, User};
use advocase_core::sync::{LoginRequest, Session};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::Row;

use crate::api::Failure;
use crate::body::JsonBody;
use crate::throttle::{self, Attempt};
use crate::{AppState, accounts, now_ms, secrets};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
}

/// The account behind a valid session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
}

/// A signed-in administrator: only they manage accounts.
pub struct Admin(pub User);

/// A signed-in coordinator or manager: only they see patient data.
pub struct CaseWorker(pub User);

/// A signed-in manager: only they change what every coordinator works from
/// (the checklist templates).
pub struct Manager(pub User);

fn unauthorized() -> Failure {
    Failure::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign in again: this request did not carry a valid session.",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        let row = sqlx::query(
            "SELECT s.expires_at_ms, s.revoked_at_ms, u.username
             FROM sessions s JOIN users u ON u.username = s.username
             WHERE s.token_hash = $1",
        )
        .bind(secrets::token_hash(token))
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(unauthorized)?;
        let expires_at_ms: i64 = row.try_get("expires_at_ms")?;
        let revoked_at_ms: Option<i64> = row.try_get("revoked_at_ms")?;
        let username: String = row.try_get("username")?;
        let revoked = || {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "session_revoked",
                "This session was ended (signed out, or the account was changed). Sign in again.",
            )
        };
        if revoked_at_ms.is_some() {
            return Err(revoked());
        }
        if now_ms() as i64 >= expires_at_ms {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Your session has expired. Sign in again.",
            ));
        }
        let account = accounts::get(&state.db, &username).await?;
        match account {
            Some(a) if a.user.active => Ok(SignedIn { user: a.user }),
            _ => Err(revoked()),
        }
    }
}

/// The signed-in user, if `allowed` lets their role through; otherwise 403
/// with `refusal`.
async fn signed_in_as(
    parts: &mut Parts,
    state: &AppState,
    allowed: fn(Role) -> bool,
    refusal: &str,
) -> Result<User, Failure> {
    let SignedIn { user } = SignedIn::from_request_parts(parts, state).await?;
    if !allowed(user.role) {
        return Err(Failure::forbidden(refusal));
    }
    Ok(user)
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let only = |r| r == Role::Admin;
        signed_in_as(
            parts,
            state,
            only,
            "Only an administrator can manage accounts.",
        )
        .await
        .map(Admin)
    }
}

impl FromRequestParts<AppState> for CaseWorker {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let refusal = "Administrators manage accounts; they do not see patient data.";
        signed_in_as(parts, state, |r| r != Role::Admin, refusal)
            .await
            .map(CaseWorker)
    }
}

impl FromRequestParts<AppState> for Manager {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let only = |r| r == Role::Manager;
        signed_in_as(
            parts,
            state,
            only,
            "Only a manager can change checklist templates.",
        )
        .await
        .map(Manager)
    }
}

async fn login(State(state): State<AppState>, JsonBody(req): JsonBody<LoginRequest>) -> Response {
    // People type their username however their keyboard capitalises it.
    let username = req.username.trim().to_ascii_lowercase();
    let attempt = match state.sign_ins.attempt(&username, now_ms()) {
        Ok(a) => a,
        Err(left_ms) => {
            tracing::warn!(username = %username, "sign-in refused: locked after wrong passwords");
            return locked(left_ms);
        }
    };
    match sign_in(&state, &username, req).await {
        Ok(session) => {
            state.sign_ins.clear(&username);
            Json(session).into_response()
        }
        Err(f) => {
            if attempt == Attempt::Last && f.0 == StatusCode::UNAUTHORIZED {
                tracing::warn!(username = %username, minutes = throttle::WINDOW_MS / 60_000, "username locked after wrong passwords");
            }
            f.into_response()
        }
    }
}

/// 429 with `Retry-After`, in words a coordinator can act on.
fn locked(left_ms: u64) -> Response {
    let minutes = left_ms.div_ceil(60_000).max(1);
    let when = if minutes == 1 {
        "a minute".to_owned()
    } else {
        format!("{minutes} minutes")
    };
    let failure = Failure::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!(
            "Too many wrong passwords for this username. Try again in {when}, or ask an administrator to set a new password."
        ),
    );
    let seconds = left_ms.div_ceil(1000).to_string();
    ([(header::RETRY_AFTER, seconds)], failure).into_response()
}

async fn sign_in(state: &AppState, username: &str, req: LoginRequest) -> Result<Session, Failure> {
    let account = accounts::get(&state.db, username).await?;
    let hash = account.as_ref().map_or_else(
        || secrets::decoy_hash().to_owned(),
        |a| a.password_hash.clone(),
    );
    let password = req.password;
    let matches =
        tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash)).await?;
    let user = match account {
        Some(a) if matches && a.user.active => a.user,
        _ => {
            tracing::warn!(username = %username, "sign-in refused");
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "That username and password do not match an active account.",
            ));
        }
    };
    let token = secrets::new_token();
    let now = now_ms();
    let expires_at_ms = now.saturating_add(millis(state.session_lifetime));
    sqlx::query(
        "INSERT INTO sessions (token_hash, username, device, created_at_ms, expires_at_ms)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secrets::token_hash(&token))
    .bind(&user.username)
    .bind(req.device.map(|d| d.to_string()))
    .bind(now as i64)
    .bind(expires_at_ms as i64)
    .execute(&state.db.pool)
    .await?;
    tracing::info!(username = %user.username, "signed in");
    Ok(Session {
        token,
        expires_at_ms,
        user,
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Ends the presented session. A session already ended or expired is ended
/// all the same: signing out must always work.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<StatusCode, Failure> {
    let token = bearer(&headers).ok_or_else(unauthorized)?;
    let hash = secrets::token_hash(token);
    let row = sqlx::query("SELECT username FROM sessions WHERE token_hash = $1")
        .bind(&hash)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(unauthorized)?;
    sqlx::query(
        "UPDATE sessions SET revoked_at_ms = $1 WHERE token_hash = $2 AND revoked_at_ms IS NULL",
    )
    .bind(now_ms() as i64)
    .bind(&hash)
    .execute(&state.db.pool)
    .await?;
    let username: String = row.try_get("username")?;
    tracing::info!(username = %username, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

async fn me(SignedIn { user }: SignedIn) -> Json<User> {
    Json(user)
}
