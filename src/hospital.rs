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

    /// Fetches what the server keeps. An older server without hospital
    /// contacts (404) leaves what is on the device.
    pub async fn refresh(&self, token: &str) -> Result<(), Failure> {
        match server::get_kept::<HospitalContacts>(Some(token), "/api/hospital").await {
            Ok((contacts, text)) => {
                // Kept as sent. A full store only costs the offline copy;
                // the numbers still show.
                let _ = self.store.with_value(|s| s.set_raw(KEY, &text));
                self.contacts.set(contacts);
                Ok(())
            }
            Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(f) => Err(f),
        }
    }
}
