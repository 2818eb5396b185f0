//! Discharge checklist templates on this device: the built-in ones, plus the
//! newest version of each that the server keeps, stored so a coordinator
//! can start a checklist with no network.
//!
//! Templates are not case data: they hold no patient details and are only
//! changed by managers, online, one version at a time (the server refuses a
//! version someone else saved first), in the editor the server draws
//! (`views/templates.rs`); a manager's unsaved edit is kept on the device
//! as that page's draft (`views/desk.rs`) until it is saved.

use advocase_core::checklist::{Template, newest_templates};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::server::{self, Failure};
use crate::storage::Store;

const KEY: &str = "templates";

#[derive(Clone, Copy)]
pub struct Templates {
    /// What the server last said it keeps (newest version of each id).
    known: RwSignal<Vec<Template>>,
    store: StoredValue<Store>,
}

impl Templates {
    /// A damaged copy is dropped: the server has every template and the
    /// next sync fetches them again; the built-in ones are always there.
    pub fn load(store: Store) -> Self {
        let known = store.get::<Vec<Template>>(KEY).ok().flatten();
        if known.is_none() {
            store.remove(KEY);
        }
        Templates {
            known: RwSignal::new(known.unwrap_or_default()),
            store: StoredValue::new(store),
        }
    }

    /// The templates a checklist can start from, built-in first.
    pub fn offered(&self) -> Vec<Template> {
        self.known.with(|k| newest_templates(k))
    }

    pub fn get(&self, id: Id) -> Option<Template> {
        self.offered().into_iter().find(|t| t.id == id)
    }

    /// Fetches what the server keeps. An older server without templates
    /// (404) leaves the built-in ones.
    pub async fn refresh(&self, token: &str) -> Result<(), Failure> {
        match server::get_kept::<Vec<Template>>(Some(token), "/api/templates").await {
            Ok((list, text)) => {
                // Kept as sent. A full store only costs the offline copy;
                // the list still shows.
                let _ = self.store.with_value(|s| s.set_raw(KEY, &text));
                self.known.set(list);
                Ok(())
            }
            Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(f) => Err(f),
        }
    }
}
