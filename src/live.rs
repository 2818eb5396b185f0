//! The live channel (docs/SYNC.md, "Live channel"): while online and
//! signed in, an `EventSource` on `/api/sync/events` tells this device
//! that a change it may see was stored, and sync pulls at once. It only
//! ever triggers the same pull the one-minute timer does, so a channel
//! that is down, buffered by a proxy or asleep costs freshness, never
//! data: the periodic pull goes on underneath.
//!
//! `EventSource` sends no `Authorization` header; the server gives the
//! session to this one path as an HttpOnly cookie, set at sign-in and set
//! again here (`POST /api/sync/events/session`) when a stream must be
//! opened for a session from before.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::EventSource;

use crate::sync::Sync;

/// The stream and its listener, dropped together.
type Stream = (EventSource, Closure<dyn Fn()>);

thread_local! {
    static SOURCE: RefCell<Option<Stream>> = const { RefCell::new(None) };
}

/// Opens the stream unless one is open or connecting (the browser itself
/// reconnects a dropped one, every 5 s as the server asks). Called after
/// each successful sync, so a closed stream (signed out, the server
/// restarted without us) is opened again within a minute.
pub async fn ensure(sync: Sync, token: &str, device: advocase_core::id::Id) {
    let open = SOURCE.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|(e, _)| e.ready_state() != EventSource::CLOSED)
    });
    if open {
        return;
    }
    // The cookie may be missing (an older sign-in) or stale: set it again.
    // An older server without the channel answers 404: nothing to open.
    let set: Result<(), _> =
        crate::server::send("POST", Some(token), "/api/sync/events/session", &()).await;
    if set.is_err() {
        return;
    }
    let Ok(source) = EventSource::new(&format!("/api/sync/events?device={device}")) else {
        return;
    };
    let wake = Closure::<dyn Fn()>::new(move || sync.now());
    // A (re)opened stream missed what was stored while it was down: pull.
    for event in ["changed", "open"] {
        let _ = source.add_event_listener_with_callback(event, wake.as_ref().unchecked_ref());
    }
    close();
    SOURCE.with(|s| *s.borrow_mut() = Some((source, wake)));
}

/// Closes the stream (signing out, locking).
pub fn close() {
    SOURCE.with(|s| {
        if let Some((e, _)) = s.borrow_mut().take() {
            e.close();
        }
    });
}
