//! Sync: sends the outbox, pulls what others did, and tells the header how
//! it went. Runs at start, when the browser comes online, shortly after
//! local writes, and periodically (backing off while it fails).
//!
//! Every step persists before the next request, so a tab closed or a server
//! dying at any point loses nothing: unsent changes are resent with the same
//! (device, seq) and stored once; a page pulled twice merges to the same.

use std::time::Duration;

use advocase_core::api::ApiError;
use advocase_core::sync::{CaseHistory, MAX_BATCH, PullPage, PushRequest, PushResponse};
use leptos::prelude::*;

use crate::cases::Cases;
use crate::directory::Directory;
use crate::hospital::Hospital;
use crate::preferences::Preferences;
use crate::server::{self, Failure};
use crate::session::Auth;
use crate::templates::Templates;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    pub running: bool,
    /// `Date.now()` of the last sync that reached the end.
    pub last_success_ms: Option<f64>,
    /// Why the last attempt stopped, in words.
    pub error: Option<String>,
    /// Attempts failed in a row: sets the back-off.
    pub failures: u32,
}

#[derive(Clone, Copy)]
pub struct Sync {
    pub status: RwSignal<SyncStatus>,
    cases: Cases,
    auth: Auth,
    prefs: RwSignal<Preferences>,
    templates: Templates,
    hospital: Hospital,
    directory: Directory,
    colleagues: crate::colleagues::Colleagues,
    /// A run is in progress; `again` asks it to go round once more.
    busy: StoredValue<bool>,
    again: StoredValue<bool>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

const OFFLINE: &str = "Offline: changes wait on this device.";
const SOON: Duration = Duration::from_millis(1500);
const PERIOD: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

enum Stop {
    /// Try again later (offline, server down).
    Later(String),
    /// The session is not accepted: wait for a sign-in.
    SignIn(String),
    /// Storage refused: the person must act.
    Storage(String),
}

impl Sync {
    pub fn new(
        cases: Cases,
        auth: Auth,
        prefs: RwSignal<Preferences>,
        templates: Templates,
        hospital: Hospital,
        directory: Directory,
        colleagues: crate::colleagues::Colleagues,
    ) -> Self {
        Sync {
            status: RwSignal::new(SyncStatus::default()),
            cases,
            auth,
            prefs,
            templates,
            hospital,
            directory,
            colleagues,
            busy: StoredValue::new(false),
            again: StoredValue::new(false),
            timer: StoredValue::new(None),
        }
    }

    /// Starts the triggers; call once.
    pub fn start(self) {
        let online = window_event_listener(leptos::ev::online, move |_| self.now());
        on_cleanup(move || online.remove());
        self.now();
    }

    /// Sync shortly (after a local write: several quick writes, one sync).
    pub fn soon(self) {
        self.schedule(SOON);
    }

    fn schedule(self, after: Duration) {
        if let Some(t) = self.timer.get_value() {
            t.clear();
        }
        let handle = set_timeout_with_handle(move || self.now(), after).ok();
        self.timer.set_value(handle);
    }

    pub fn now(self) {
        if self.busy.get_value() {
            self.again.set_value(true);
            return;
        }
        self.busy.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                self.again.set_value(false);
                self.status.update(|s| s.running = true);
                let result = self.run().await;
                self.status.update(|s| {
                    s.running = false;
                    match &result {
                        Ok(()) => {
                            s.last_success_ms = Some(js_sys::Date::now());
                            s.error = None;
                            s.failures = 0;
                        }
                        Err(Stop::Later(e) | Stop::Storage(e)) => {
                            s.error = Some(e.clone());
                            s.failures += 1;
                        }
                        Err(Stop::SignIn(e)) => {
                            s.error = Some(e.clone());
                        }
                    }
                });
                if !self.again.get_value() {
                    break;
                }
            }
            self.busy.set_value(false);
            let failures = self.status.with_untracked(|s| s.failures);
            let wait = if failures == 0 {
                PERIOD
            } else {
                // 5 s, 10 s, 20 s… up to five minutes.
                (Duration::from_secs(5) * 2u32.pow(failures.min(6) - 1)).min(MAX_BACKOFF)
            };
            self.schedule(wait);
        });
    }

    /// Waits until no sync is on its way and keeps new ones from starting
    /// until [`Sync::release`]. Signing out holds it: revoking the token
    /// under a request still on its way would have that request refused
    /// (a 401 the browser reports as an error) for a session ending anyway.
    pub async fn hold(&self) {
        while self.busy.get_value() {
            pause(50).await;
        }
        self.busy.set_value(true);
    }

    pub fn release(&self) {
        self.busy.set_value(false);
    }

    /// Sends what is waiting now (signing out); the error says why not.
    pub async fn flush(&self) -> Result<(), String> {
        let token = self
            .auth
            .token()
            .ok_or_else(|| "The server no longer accepts this sign-in.".to_owned())?;
        if !window().navigator().on_line() {
            return Err(OFFLINE.into());
        }
        self.cases.ready().await;
        self.push(&token).await.map_err(|s| match s {
            Stop::Later(e) | Stop::SignIn(e) | Stop::Storage(e) => e,
        })?;
        // Best effort: what is not sent waits for this person's next sign-in.
        let _ = crate::audit::send(&token, &self.auth.username()).await;
        Ok(())
    }

    async fn run(&self) -> Result<(), Stop> {
        // Sync works on the whole replica: after a start has read it.
        self.cases.ready().await;
        if self.cases.read_only.get_untracked().is_some() {
            return Err(Stop::Storage(
                "Sync is paused: this device holds data from a newer version of Advocase.".into(),
            ));
        }
        let Some(token) = self.auth.token() else {
            return Err(Stop::SignIn(
                self.auth
                    .refused
                    .get_untracked()
                    .unwrap_or_else(|| "Sign in to sync.".into()),
            ));
        };
        // Administrators hold no cases: nothing to send or fetch but the
        // hospital's numbers they keep (best effort, as for everyone).
        if self
            .auth
            .user_untracked()
            .is_some_and(|u| u.role == advocase_core::access::Role::Admin)
        {
            if window().navigator().on_line() {
                let _ = self.hospital.refresh(&token).await;
                let _ = self.directory.refresh(&token, &self.auth.username()).await;
            }
            return Ok(());
        }
        // No request while the browser knows it is offline: the online
        // event starts the next attempt.
        if !window().navigator().on_line() {
            return Err(Stop::Later(OFFLINE.into()));
        }
        self.push(&token).await?;
        self.pull(&token).await?;
        crate::live::ensure(*self, &token, self.cases.device()).await;
        // Which cases were opened here (the audit trail), the same way as
        // the templates below: what is not sent now goes with a later sync.
        let sent = crate::audit::send(&token, &self.auth.username()).await;
        if let Err(f @ Failure::Refused { status: 401, .. }) = sent {
            return Err(self.failed(&token, f));
        }
        // After the cases, and never a reason to call the sync failed: the
        // cases went through, and the templates on the device still serve.
        // A refused session is the exception: it needs a person anyway.
        if let Err(f @ Failure::Refused { status: 401, .. }) = self.templates.refresh(&token).await
        {
            return Err(self.failed(&token, f));
        }
        // The hospital's numbers, the same way.
        if let Err(f @ Failure::Refused { status: 401, .. }) = self.hospital.refresh(&token).await {
            return Err(self.failed(&token, f));
        }
        // Whom to escalate to or give a follow-up, the same way.
        if let Err(f @ Failure::Refused { status: 401, .. }) = self.colleagues.refresh(&token).await
        {
            return Err(self.failed(&token, f));
        }
        // The structure and the directory, and corrections sent, the same way.
        let directory = self.directory.refresh(&token, &self.auth.username()).await;
        if let Err(f @ Failure::Refused { status: 401, .. }) = directory {
            return Err(self.failed(&token, f));
        }
        let keep = self.prefs.with_untracked(|p| p.keep_closed_days);
        self.cases
            .evict(&[], keep)
            .map_err(|e| Stop::Storage(e.to_string()))?;
        Ok(())
    }

    /// What a failed request means. `token` is the one it was sent with: a
    /// refusal of a session that has since ended here (signed out while the
    /// request was on its way) is about nobody and changes nothing.
    fn failed(&self, token: &str, f: Failure) -> Stop {
        match f {
            Failure::Refused { status: 401, error } => {
                let why = match error.error.as_str() {
                    "session_expired" => "Your session has ended. Sign in again to sync; your work stays on this device.".to_owned(),
                    "session_revoked" => "Your session was ended on the server. Sign in again to sync; your work stays on this device.".to_owned(),
                    _ => error.message,
                };
                self.auth.refuse(token, why.clone());
                Stop::SignIn(why)
            }
            Failure::Unreachable => Stop::Later(
                "Offline: the server could not be reached. Changes wait on this device.".into(),
            ),
            f => Stop::Later(f.message()),
        }
    }

    async fn push(&self, token: &str) -> Result<(), Stop> {
        let device = self.cases.device();
        let mut size = MAX_BATCH;
        loop {
            let batch = self.cases.outbox(size);
            if batch.is_empty() {
                return Ok(());
            }
            let request = PushRequest {
                device,
                changes: batch.clone(),
            };
            match server::send::<_, PushResponse>("POST", Some(token), "/api/sync/push", &request)
                .await
            {
                Ok(response) => self
                    .cases
                    .on_push(&batch, &response.results)
                    .map_err(|e| Stop::Storage(e.to_string()))?,
                // The request as a whole was refused: halve it until the one
                // change at fault is alone, and set that one aside, so it
                // never holds up the changes behind it.
                Err(Failure::Refused {
                    status: 400 | 413 | 415 | 422,
                    error,
                }) => {
                    if batch.len() > 1 {
                        size = (batch.len() / 2).max(1);
                        continue;
                    }
                    let reason = ApiError {
                        message: format!(
                            "The server could not accept this change: {}",
                            error.message
                        ),
                        ..error
                    };
                    self.cases
                        .refuse(&batch[0], reason)
                        .map_err(|e| Stop::Storage(e.to_string()))?;
                }
                Err(f) => return Err(self.failed(token, f)),
            }
        }
    }

    async fn pull(&self, token: &str) -> Result<(), Stop> {
        loop {
            let path = format!("/api/sync/pull?{}", self.cases.pull_query());
            let page: PullPage = server::get(Some(token), &path)
                .await
                .map_err(|f| self.failed(token, f))?;
            self.cases
                .on_pull(&page)
                .map_err(|e| Stop::Storage(e.to_string()))?;
            for case in self.cases.incomplete() {
                match server::get::<CaseHistory>(Some(token), &format!("/api/sync/cases/{case}"))
                    .await
                {
                    Ok(history) => self
                        .cases
                        .on_history(case, &history.changes)
                        .map_err(|e| Stop::Storage(e.to_string()))?,
                    // Not ours to see after all: it goes with the hidden ones.
                    Err(Failure::Refused {
                        status: 403 | 404, ..
                    }) => {
                        let _ = self.cases.evict(&[case], u32::MAX);
                    }
                    Err(f) => return Err(self.failed(token, f)),
                }
            }
            if !page.hidden.is_empty() {
                self.cases
                    .evict(&page.hidden, u32::MAX)
                    .map_err(|e| Stop::Storage(e.to_string()))?;
            }
            if !page.more {
                return Ok(());
            }
        }
    }
}

/// Resolves after `ms` milliseconds.
pub(crate) async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
