//! What this device showed its people, for the server's audit trail
//! (docs/SECURITY.md, "Audit trail"): each time someone opens a case's
//! page an [`AuditEvent`] is queued here, and sync sends the queue to
//! `POST /api/audit/events`, so "who looked at this patient" is answered
//! after an offline shift too.
//!
//! The queue is one store entry, `audit`: (username, event) pairs, so an
//! event is only ever sent with the session of the person who opened the
//! case, even when someone else signs in on the tablet before it went. It
//! holds identifiers and times only, never a patient's name.
//!
//! **At most [`CAP`] events are kept**: a device that stays offline longer
//! than that keeps the newest ones and forgets the oldest (3000 openings
//! are several weeks of a coordinator's work).

use std::cell::RefCell;

use advocase_core::audit::{AuditAccepted, AuditEvent, AuditEvents, MAX_EVENTS, action};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::clock;
use crate::server::{self, Failure};
use crate::storage::{StorageError, Store};

const KEY: &str = "audit";
/// The most events kept on the device: the newest.
pub const CAP: usize = 3000;

/// One queued event and the username of whoever was shown the case.
pub type Queued = (String, AuditEvent);

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// The store the queue lives in (the app's, once at start). Until then, the
/// first case page opened attaches the store it finds in the context.
pub fn attach(store: Store) {
    STORE.with(|s| *s.borrow_mut() = Some(store));
}

fn attached() -> Option<Store> {
    STORE.with(|s| s.borrow().clone())
}

/// The stored queue: a line per event, oldest first, `user id case ms`
/// separated by tabs (written and read by hand: a serde type of its own
/// would cost the client more than the lines do). A damaged entry reads as
/// empty and is overwritten by the next event: it held ids, not work.
fn lines(store: &Store) -> String {
    store.get::<String>(KEY).ok().flatten().unwrap_or_default()
}

fn parse(line: &str) -> Option<Queued> {
    let mut f = line.split('\t');
    let (user, id, case, ms) = (f.next()?, f.next()?, f.next()?, f.next()?);
    Some((
        user.to_owned(),
        AuditEvent {
            id: id.parse().ok()?,
            case_id: case.parse().ok()?,
            action: action::CASE_OPENED.to_owned(),
            at: chrono::DateTime::from_timestamp_millis(ms.parse().ok()?)?,
        },
    ))
}

/// What is waiting to be sent, oldest first.
pub fn queued(store: &Store) -> Vec<Queued> {
    lines(store).lines().filter_map(parse).collect()
}

/// Queues that `user` opened `case_id` now; the oldest go past [`CAP`].
pub fn record(store: &Store, user: &str, case_id: Id) -> Result<(), StorageError> {
    let text = lines(store);
    let line = format!(
        "{user}\t{}\t{case_id}\t{}",
        clock::new_id(),
        clock::now_ms()
    );
    let mut all: Vec<&str> = text.lines().collect();
    all.push(&line);
    let over = all.len().saturating_sub(CAP);
    store.set(KEY, &all[over..].join("\n"))
}

/// Forgets the events the server answered for (accepted or rejected);
/// how many that was.
pub fn forget(store: &Store, answer: &AuditAccepted) -> Result<usize, StorageError> {
    let done: Vec<String> = answer
        .accepted
        .iter()
        .chain(&answer.rejected)
        .map(Id::to_string)
        .collect();
    let text = lines(store);
    let all: Vec<&str> = text.lines().collect();
    let kept: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| {
            !l.split('\t')
                .nth(1)
                .is_some_and(|id| done.iter().any(|d| d == id))
        })
        .collect();
    let gone = all.len() - kept.len();
    if gone > 0 {
        store.set(KEY, &kept.join("\n"))?;
    }
    Ok(gone)
}

/// The signed-in person opened a case's page (call once per visit). A
/// refused write (a full store) costs only this record, never the page.
pub fn record_case_opened(case_id: Id) {
    let Some(user) = use_context::<crate::app::Handles>().and_then(|h| h.auth.user_untracked())
    else {
        return;
    };
    let store = attached().or_else(|| {
        let store = use_context::<crate::app::Base>()?.store;
        attach(store.clone());
        Some(store)
    });
    if let Some(store) = store {
        let _ = record(&store, &user.username, case_id);
    }
}

/// Sends `user`'s queued events, [`MAX_EVENTS`] a request, until none are
/// left. Sync calls it after the cases; an error leaves the rest for the
/// next sync.
pub async fn send(token: &str, user: &str) -> Result<(), Failure> {
    let Some(store) = attached() else {
        return Ok(());
    };
    loop {
        let events: Vec<AuditEvent> = queued(&store)
            .into_iter()
            .filter(|(u, _)| u == user)
            .take(MAX_EVENTS)
            .map(|(_, e)| e)
            .collect();
        if events.is_empty() {
            return Ok(());
        }
        let body = AuditEvents { events };
        let answer: AuditAccepted =
            server::send("POST", Some(token), "/api/audit/events", &body).await?;
        // Nothing forgotten (or not written): stop rather than resend it.
        if !matches!(forget(&store, &answer), Ok(n) if n > 0) {
            return Ok(());
        }
    }
}
