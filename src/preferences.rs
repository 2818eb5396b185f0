//! Per-device display preferences, kept in [`Store`] under `preferences`.

use serde::{Deserialize, Serialize};

use crate::storage::{StorageError, Store};

const KEY: &str = "preferences";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Preferences {
    /// Larger type for reading at arm's length on the ward.
    pub large_text: bool,
    /// Days a closed case stays on this device after its last change
    /// (then it leaves once synced, and stays on the server).
    #[serde(default = "keep_closed_days")]
    pub keep_closed_days: u32,
    /// Follow-ups that come due also raise a notification (`notify`).
    pub notify: bool,
}
advocase_core::record!(Preferences);

fn keep_closed_days() -> u32 {
    advocase_core::replica::DEFAULT_KEEP_CLOSED_DAYS
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            large_text: false,
            keep_closed_days: keep_closed_days(),
            notify: false,
        }
    }
}

/// The saved preferences, or the defaults with the reason they could not be read.
pub fn load(store: &Store) -> (Preferences, Option<StorageError>) {
    match store.get::<Preferences>(KEY) {
        Ok(p) => (p.unwrap_or_default(), None),
        Err(e) => (Preferences::default(), Some(e)),
    }
}

pub fn save(store: &Store, prefs: &Preferences) -> Result<(), StorageError> {
    store.set(KEY, prefs)
}

/// Reflects the preferences on `<html>`, where the style sheet reads them.
pub fn apply(prefs: &Preferences) {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute(
            "data-text-size",
            if prefs.large_text { "large" } else { "normal" },
        );
    }
}
