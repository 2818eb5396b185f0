//! Per-device display preferences, kept in [`Store`] under `preferences`.

use serde::{Deserialize, Serialize};

use crate::storage::{StorageError, Store};

const KEY: &str = "preferences";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Larger type for reading at arm's length on the ward.
    pub large_text: bool,
    /// Who uses this device: recorded on everything they log, and the
    /// "assigned to me" of the case list. (Accounts replace this with sync.)
    pub user_name: String,
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
