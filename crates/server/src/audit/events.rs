//! `POST /api/audit/events`: what a device showed its signed-in person (a
//! case page opened), reported with the next sync, so "who looked at this
//! patient" is answerable after an offline shift too.
//!
//! Who and which device are the session's, never the body's. `at` is the
//! device's clock (when the person looked, which may be hours before the
//! report); the row's `recorded_at` is the server's, so both are kept and a
//! wrong tablet clock shows. Each event is recorded once, by its id: a batch
//! resent after a lost answer records nothing twice and gets the same answer.

use std::collections::HashSet;

use advocase_core::audit::{AuditAccepted, AuditEvent, AuditEvents, MAX_EVENTS, action, outcome};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use sqlx::{Any, Row, Transaction};

use super::{Entry, append_locked, lock_head};
use crate::api::Failure;
use crate::auth::{CaseWorkerOn, OnDevice};
use crate::body::JsonBody;
use crate::db::Db;
use crate::{AppState, now_ms};

/// A full batch with room to spare (an event is about 150 bytes).
const MAX_BODY: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit/events", post(report))
}

async fn report(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    JsonBody(req): JsonBody<AuditEvents, MAX_BODY>,
) -> Result<Json<AuditAccepted>, Failure> {
    if req.events.len() > MAX_EVENTS {
        return Err(Failure::on(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "events",
            format!("At most {MAX_EVENTS} events per request: send the rest in the next one."),
        ));
    }
    Ok(Json(
        store(&state.db, &session, &req.events, now_ms()).await?,
    ))
}

/// Records the events not recorded before, in one transaction.
pub async fn store(
    db: &Db,
    session: &OnDevice,
    events: &[AuditEvent],
    now_ms: u64,
) -> Result<AuditAccepted, sqlx::Error> {
    let (known, rejected): (Vec<&AuditEvent>, Vec<&AuditEvent>) = events
        .iter()
        .partition(|e| action::FROM_DEVICES.contains(&e.action.as_str()));
    let mut tx = db.pool.begin().await?;
    // The head's lock first: two copies of one batch arriving at once are
    // decided one after the other, so the second finds the first's ids.
    let mut head = lock_head(&mut tx).await?;
    let mut seen = recorded(&mut tx, &known).await?;
    let mut entries = Vec::new();
    let mut new_ids = Vec::new();
    for e in &known {
        // Also a repeat within this very request.
        if seen.insert(e.id.to_string()) {
            let action = action::FROM_DEVICES
                .iter()
                .copied()
                .find(|a| *a == e.action)
                .expect("partitioned on it");
            entries.push(
                Entry::new(action, outcome::OK, &session.user.username)
                    .device(session.device.clone())
                    .case(e.case_id)
                    .at(e.at)
                    .detail(format!("event {}, reported by the device", e.id)),
            );
            new_ids.push(e.id);
        }
    }
    let first = head.seq + 1;
    append_locked(&mut tx, &mut head, &entries, now_ms).await?;
    for (c, ids) in new_ids.chunks(200).enumerate() {
        let values: Vec<String> = (0..ids.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO audit_events (event_id, audit_seq) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (i, id) in ids.iter().enumerate() {
            q = q.bind(id.to_string()).bind(first + (c * 200 + i) as i64);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(AuditAccepted {
        accepted: known.iter().map(|e| e.id).collect(),
        rejected: rejected.iter().map(|e| e.id).collect(),
    })
}

/// Which of these events are recorded already.
async fn recorded(
    tx: &mut Transaction<'static, Any>,
    events: &[&AuditEvent],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut found = HashSet::new();
    for chunk in events.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT event_id FROM audit_events WHERE event_id IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q.bind(e.id.to_string());
        }
        for row in q.fetch_all(&mut **tx).await? {
            found.insert(row.try_get::<String, _>("event_id")?);
        }
    }
    Ok(found)
}
