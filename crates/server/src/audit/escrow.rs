//! `GET /api/escrow`: the signed-in user's escrow key.
//!
//! A device keeps its data key wrapped twice: under a key from the
//! person's PIN, and under this per-user key, which the server hands only to
//! a valid session of that user (an online sign-in). Five wrong PINs or a
//! forgotten PIN destroy the first wrapping; signing in with the password
//! then fetches this key and unwraps the second, so nothing on the device
//! is lost.
//!
//! Made the first time a session of the user asks (32 bytes from the OS
//! random source, like session tokens) and never rotated, on purpose: not
//! by a password reset (an administrator resets a forgotten password
//! precisely so the person gets back to their device's unsent work, which
//! only this key still opens), not by deactivation. Every hand-out is
//! audited (`escrow_key_issued`). Responses under /api carry
//! `Cache-Control: no-store` (static_files.rs), so no cache keeps it.

use advocase_core::audit::{EscrowKey, action, outcome};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Entry, append};
use crate::api::Failure;
use crate::auth::OnDevice;
use crate::db::Db;
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new().route("/escrow", get(issue))
}

async fn issue(
    State(state): State<AppState>,
    session: OnDevice,
) -> Result<Json<EscrowKey>, Failure> {
    let key = key_for(&state.db, &session, now_ms()).await?;
    Ok(Json(EscrowKey { key }))
}

/// 32 random bytes, base64url without padding (43 characters).
fn new_key() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's user's key, made if they have none yet, and its audit row,
/// in one transaction.
pub async fn key_for(db: &Db, session: &OnDevice, now_ms: u64) -> Result<String, sqlx::Error> {
    let username = &session.user.username;
    let mut tx = db.pool.begin().await?;
    // Two first requests at once: the second waits on the first's row and
    // then inserts nothing; both read the one key.
    let made = sqlx::query(
        "INSERT INTO escrow_keys (username, key, created_at_ms) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(username)
    .bind(new_key())
    .bind(now_ms as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    let key: String = sqlx::query_scalar("SELECT key FROM escrow_keys WHERE username = $1")
        .bind(username)
        .fetch_one(&mut *tx)
        .await?;
    let entry = Entry::new(action::ESCROW_KEY_ISSUED, outcome::OK, username)
        .device(session.device.clone())
        .detail(if made {
            "key made and handed to the session"
        } else {
            "key handed to the session"
        });
    append(&mut tx, &[entry], now_ms).await?;
    tx.commit().await?;
    Ok(key)
}
