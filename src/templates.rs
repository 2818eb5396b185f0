//! Discharge checklist templates on this device: the built-in ones, plus the
//! newest version of each that the server keeps, stored so a coordinator
//! can start a checklist with no network.
//!
//! Templates are not case data: they hold no patient details and are only
//! changed by managers, online, one version at a time (the server refuses a
//! version someone else saved first). A manager's unsaved edit is kept on
//! the device as a draft until it is saved.

use advocase_core::checklist::{Template, newest_templates};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::server::{self, Failure};
use crate::storage::{StorageError, Store};

const KEY: &str = "templates";
const DRAFT_PREFIX: &str = "template-draft.";

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

    fn keep(&self, templates: Vec<Template>) {
        // A full store only costs the offline copy; the list still shows.
        let _ = self.store.with_value(|s| s.set(KEY, &templates));
        self.known.set(templates);
    }

    /// Fetches what the server keeps. An older server without templates
    /// (404) leaves the built-in ones.
    pub async fn refresh(&self, token: &str) -> Result<(), Failure> {
        match server::get::<Vec<Template>>(Some(token), "/api/templates").await {
            Ok(list) => {
                self.keep(list);
                Ok(())
            }
            Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(f) => Err(f),
        }
    }

    /// Saves a new version on the server; only then is it offered.
    /// A refusal because someone saved first also fetches their version,
    /// so the list shows what the manager must build on.
    pub async fn save(&self, token: &str, template: &Template) -> Result<Template, String> {
        const OFFLINE: &str = "Saving a template needs the server, which could not be reached. Your draft stays on this device; save again when online.";
        // No request the browser knows will fail.
        if !window().navigator().on_line() {
            return Err(OFFLINE.into());
        }
        let sent = server::send("POST", Some(token), "/api/templates", template).await;
        if matches!(sent, Err(Failure::Refused { status: 409, .. })) {
            let _ = self.refresh(token).await;
        }
        let saved: Template = sent.map_err(|f| match f {
            Failure::Unreachable => OFFLINE.to_owned(),
            Failure::Refused { status: 409, error } => error.message,
            f => format!("Not saved: {}", f.message()),
        })?;
        let mut known = self.known.get_untracked();
        known.retain(|t| t.id != saved.id);
        known.push(saved.clone());
        self.keep(known);
        Ok(saved)
    }

    fn draft_key(user: &str) -> String {
        format!("{DRAFT_PREFIX}{user}")
    }

    /// The template a manager was editing and has not saved.
    pub fn draft(&self, user: &str) -> Option<Template> {
        self.store
            .with_value(|s| s.get::<Template>(&Self::draft_key(user)))
            .ok()
            .flatten()
    }

    pub fn keep_draft(&self, user: &str, draft: Option<&Template>) -> Result<(), StorageError> {
        let key = Self::draft_key(user);
        self.store.with_value(|s| match draft {
            Some(t) => s.set(&key, t),
            None => {
                s.remove(&key);
                Ok(())
            }
        })
    }
}
