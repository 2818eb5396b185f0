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
use crate::audit::{self, action, outcome};
use crate::body::JsonBody;
use crate::throttle::{self, Attempt};
use crate::{AppState, accounts, live, now_ms, secrets};

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

/// The account behind a valid session and the device that session signed
/// in from (none if the client did not say): the audit trail's "who" and
/// "which device".
#[derive(Debug, Clone)]
pub struct OnDevice {
    pub user: User,
    pub device: Option<String>,
}

/// A signed-in coordinator or manager on their session's device: for the
/// handlers that record what they were shown.
pub struct CaseWorkerOn(pub OnDevice);

/// A signed-in administrator: only they manage accounts.
pub struct Admin(pub User);

/// A signed-in coordinator or manager: only they see patient data.
pub struct CaseWorker(pub User);

/// A signed-in manager: only they change what every coordinator works from
/// (the checklist templates).
pub struct Manager(pub User);

/// A signed-in manager or administrator: the directory's editors.
pub struct Editor(pub User);

pub(crate) fn unauthorized() -> Failure {
    Failure::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign in again: this request did not carry a valid session.",
    )
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let OnDevice { user, .. } = OnDevice::from_request_parts(parts, state).await?;
        Ok(SignedIn { user })
    }
}

impl FromRequestParts<AppState> for OnDevice {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
        let (session, _) = resolve(state, &secrets::token_hash(token)).await?;
        Ok(session)
    }
}

/// The session whose token hashes to `token_hash`, if it is still valid
/// and its account active, and when it expires (Unix milliseconds): the
/// one check every request makes, and the live channel repeats.
pub(crate) async fn resolve(
    state: &AppState,
    token_hash: &str,
) -> Result<(OnDevice, i64), Failure> {
    // The account in the same statement: one round trip a request, not
    // two (a hundred tablets pushing at once, issue 16).
    let row = sqlx::query(
        "SELECT s.expires_at_ms, s.revoked_at_ms, s.device,
                u.username, u.display_name, u.role, u.units_json, u.active, u.password_hash
         FROM sessions s JOIN users u ON u.username = s.username
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(unauthorized)?;
    let expires_at_ms: i64 = row.try_get("expires_at_ms")?;
    let revoked_at_ms: Option<i64> = row.try_get("revoked_at_ms")?;
    let device: Option<String> = row.try_get("device")?;
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
    let account = accounts::from_row(&row)?;
    if !account.user.active {
        return Err(revoked());
    }
    Ok((
        OnDevice {
            user: account.user,
            device,
        },
        expires_at_ms,
    ))
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

pub(crate) const CASE_WORKERS_ONLY: &str =
    "Administrators manage accounts; they do not see patient data.";

impl FromRequestParts<AppState> for CaseWorker {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        signed_in_as(parts, state, |r| r != Role::Admin, CASE_WORKERS_ONLY)
            .await
            .map(CaseWorker)
    }
}

impl FromRequestParts<AppState> for CaseWorkerOn {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let session = OnDevice::from_request_parts(parts, state).await?;
        if session.user.role == Role::Admin {
            return Err(Failure::forbidden(CASE_WORKERS_ONLY));
        }
        Ok(CaseWorkerOn(session))
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

impl FromRequestParts<AppState> for Editor {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let editors = |r| matches!(r, Role::Manager | Role::Admin);
        signed_in_as(
            parts,
            state,
            editors,
            "Only managers and administrators edit the directory; send a correction instead.",
        )
        .await
        .map(Editor)
    }
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Response {
    // People type their username however their keyboard capitalises it.
    let username = req.username.trim().to_ascii_lowercase();
    let device = req.device.map(|d| d.to_string());
    let attempt = match state.sign_ins.attempt(&username, now_ms()) {
        Ok(a) => a,
        Err(left_ms) => {
            tracing::warn!(username = %username, "sign-in refused: locked after wrong passwords");
            let entry = audit::Entry::new(action::SIGN_IN, outcome::LOCKED, tried(&username))
                .device(device)
                .detail("refused unchecked: the username is locked after wrong passwords");
            if let Err(f) = record(&state, vec![entry]).await {
                return f.into_response();
            }
            return locked(left_ms);
        }
    };
    match sign_in(&state, &username, req).await {
        Ok(session) => {
            state.sign_ins.clear(&username);
            // The same token as a cookie only the live channel is sent
            // (an EventSource cannot send an Authorization header).
            let cookie = live::cookie(
                &session.token,
                millis(state.session_lifetime) / 1000,
                live::secure(&state, &headers),
            );
            ([(header::SET_COOKIE, cookie)], Json(session)).into_response()
        }
        Err(SignInFailure::Refused { detail }) => {
            let mut entries = vec![
                audit::Entry::new(action::SIGN_IN, outcome::FAILED, tried(&username))
                    .device(device.clone())
                    .detail(detail),
            ];
            if attempt == Attempt::Last {
                tracing::warn!(username = %username, minutes = throttle::WINDOW_MS / 60_000, "username locked after wrong passwords");
                entries.push(
                    audit::Entry::new(action::LOCKOUT, outcome::LOCKED, tried(&username))
                        .device(device)
                        .detail(format!(
                            "{} wrong passwords: locked for {} minutes",
                            throttle::ATTEMPTS,
                            throttle::WINDOW_MS / 60_000
                        )),
                );
            }
            if let Err(f) = record(&state, entries).await {
                return f.into_response();
            }
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "That username and password do not match an active account.",
            )
            .into_response()
        }
        Err(SignInFailure::Failed(f)) => f.into_response(),
    }
}

/// The username as tried, cut to the longest a real one can be: someone
/// typing their password into the username box should not have all of it
/// kept in the audit trail.
fn tried(username: &str) -> String {
    match username.char_indices().nth(accounts::MAX_USERNAME) {
        Some((end, _)) => format!("{}…", &username[..end]),
        None => username.to_owned(),
    }
}

async fn record(state: &AppState, entries: Vec<audit::Entry>) -> Result<(), Failure> {
    audit::record(&state.db, &entries, now_ms()).await?;
    Ok(())
}

enum SignInFailure {
    /// Not a match for an active account; `detail` (for the audit trail
    /// only: the answer is the same) says why.
    Refused {
        detail: &'static str,
    },
    Failed(Failure),
}

impl From<sqlx::Error> for SignInFailure {
    fn from(e: sqlx::Error) -> Self {
        SignInFailure::Failed(e.into())
    }
}

impl From<tokio::task::JoinError> for SignInFailure {
    fn from(e: tokio::task::JoinError) -> Self {
        SignInFailure::Failed(e.into())
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

async fn sign_in(
    state: &AppState,
    username: &str,
    req: LoginRequest,
) -> Result<Session, SignInFailure> {
    let account = accounts::get(&state.db, username).await?;
    let hash = account.as_ref().map_or_else(
        || secrets::decoy_hash().to_owned(),
        |a| a.password_hash.clone(),
    );
    let password = req.password;
    let matches = crate::hashing::verify(password, hash).await;
    let user = match account {
        Some(a) if matches && a.user.active => a.user,
        other => {
            tracing::warn!(username = %username, "sign-in refused");
            let detail = match other {
                None => "no account with this username",
                Some(a) if !a.user.active => "account deactivated",
                Some(_) => "wrong password",
            };
            return Err(SignInFailure::Refused { detail });
        }
    };
    let token = secrets::new_token();
    let now = now_ms();
    let expires_at_ms = now.saturating_add(millis(state.session_lifetime));
    let device = req.device.map(|d| d.to_string());
    // The session and its audit row together: no session without its row.
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, username, device, created_at_ms, expires_at_ms)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secrets::token_hash(&token))
    .bind(&user.username)
    .bind(device.clone())
    .bind(now as i64)
    .bind(expires_at_ms as i64)
    .execute(&mut *tx)
    .await?;
    let entry = audit::Entry::new(action::SIGN_IN, outcome::OK, &user.username)
        .device(device)
        .detail(format!("role {}", user.role.ident()));
    audit::append(&mut tx, &[entry], now).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, "signed in");
    Ok(Session {
        token,
        expires_at_ms,
        user,
        lock_after_minutes: Some(state.lock_after_minutes),
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Ends the presented session. A session already ended or expired is ended
/// all the same: signing out must always work.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let token = bearer(&headers).ok_or_else(unauthorized)?;
    let hash = secrets::token_hash(token);
    let row = sqlx::query("SELECT username, device FROM sessions WHERE token_hash = $1")
        .bind(&hash)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(unauthorized)?;
    let username: String = row.try_get("username")?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let ended = sqlx::query(
        "UPDATE sessions SET revoked_at_ms = $1 WHERE token_hash = $2 AND revoked_at_ms IS NULL",
    )
    .bind(now as i64)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    let detail = if ended.rows_affected() == 0 {
        "the session had already ended"
    } else {
        "session ended"
    };
    let entry = audit::Entry::new(action::SIGN_OUT, outcome::OK, &username)
        .device(row.try_get("device")?)
        .detail(detail);
    audit::append(&mut tx, &[entry], now).await?;
    tx.commit().await?;
    tracing::info!(username = %username, "signed out");
    // Its live streams end now, not at their next keep-alive.
    state.live.recheck(&username);
    let cookie = live::cookie("", 0, live::secure(&state, &headers));
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

async fn me(SignedIn { user }: SignedIn) -> Json<User> {
    Json(user)
}
