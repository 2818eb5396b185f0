//! The hospital's contact numbers on this device (issue 11): the state
//! survey agency, the QIO, patient relations and the interpreter line, for
//! the patient's rights sheet. Fetched by sync after the templates and kept
//! for offline use, so a sheet prints with no network.
//!
//! They are reference data, not patient data: plain JSON, kept at sign-out,
//! and changed only by an administrator, online (the server stamps who and
//! when). The app never makes a number up: until one is saved, the empty
//! default is what there is.

use advocase_core::hospital::HospitalContacts;
use leptos::prelude::*;

use crate::server::{self, Failure};
use crate::storage::Store;

/// `advocase.hospital` in localStorage.
const KEY: &str = "hospital";

#[derive(Clone, Copy)]
pub struct Hospital {
    /// What the server last said, or the empty default.
    contacts: RwSignal<HospitalContacts>,
    store: StoredValue<Store>,
}

impl Hospital {
    /// A damaged copy is dropped: the server has the numbers and the next
    /// sync fetches them again.
    pub fn load(store: Store) -> Self {
        let known = store.get::<HospitalContacts>(KEY).ok().flatten();
        if known.is_none() {
            store.remove(KEY);
        }
        Hospital {
            contacts: RwSignal::new(known.unwrap_or_default()),
            store: StoredValue::new(store),
        }
    }

    /// The contacts now (tracked: a view using it redraws when they change).
    pub fn get(&self) -> HospitalContacts {
        self.contacts.get()
    }

    /// The signal itself, read-only: writes go through the server.
    pub fn contacts(&self) -> ReadSignal<HospitalContacts> {
        self.contacts.read_only()
    }

    fn keep(&self, contacts: HospitalContacts) {
        // A full store only costs the offline copy; the numbers still show.
        let _ = self.store.with_value(|s| s.set(KEY, &contacts));
        self.contacts.set(contacts);
    }

    /// Fetches what the server keeps. An older server without hospital
    /// contacts (404) leaves what is on the device.
    pub async fn refresh(&self, token: &str) -> Result<(), Failure> {
        match server::get::<HospitalContacts>(Some(token), "/api/hospital").await {
            Ok(contacts) => {
                self.keep(contacts);
                Ok(())
            }
            Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(f) => Err(f),
        }
    }

    /// Saves the contacts on the server (an administrator's, online only)
    /// and keeps what it stored, stamped with who and when. The error is a
    /// sentence for the person who pressed Save; nothing changes on the
    /// device then.
    pub async fn save(
        &self,
        token: &str,
        contacts: &HospitalContacts,
    ) -> Result<HospitalContacts, String> {
        const OFFLINE: &str = "Saving the hospital's numbers needs the server, which could not be reached. Nothing was changed; save again when online.";
        // The same rules as the server's, every problem at once.
        let checked = contacts.check().map_err(|p| format!("Not saved: {p}"))?;
        // No request the browser knows will fail.
        if !window().navigator().on_line() {
            return Err(OFFLINE.into());
        }
        let sent = server::send("PUT", Some(token), "/api/hospital", &checked).await;
        let saved: HospitalContacts = sent.map_err(|f| match f {
            Failure::Unreachable => OFFLINE.to_owned(),
            Failure::Refused { status: 404, .. } => "Not saved: this server does not keep the hospital's numbers yet. Ask IT to update it.".to_owned(),
            Failure::Refused { status: 403, .. } => "Not saved: only an administrator can change the hospital's numbers.".to_owned(),
            f => format!("Not saved: {}", f.message()),
        })?;
        self.keep(saved.clone());
        Ok(saved)
    }
}
