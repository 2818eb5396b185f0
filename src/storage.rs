//! The device's durable store: `localStorage` through gloo-storage, one key
//! per record under the `advocase.` prefix.
//!
//! Every failure is a [`StorageError`] the UI can put into words: a full
//! store, an entry that no longer parses, a browser that refuses storage.
//! Nothing here panics on bad data, and a bad entry never hides good ones.

use gloo_storage::errors::StorageError as GlooError;
use gloo_storage::{LocalStorage, Storage};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;

pub const PREFIX: &str = "advocase.";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error(
        "This device's storage is full: nothing was changed. Free space in Settings, or sync and remove closed cases."
    )]
    QuotaExceeded,
    #[error("The saved entry '{key}' could not be read ({reason}).")]
    Corrupt { key: String, reason: String },
    #[error(
        "The browser refused access to storage ({0}). Private browsing or a site setting may block it."
    )]
    Unavailable(String),
    #[error("Could not prepare the data for saving ({0}).")]
    Encode(String),
}

/// How much of the store Advocase uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub entries: usize,
    /// Key and value characters times two: browsers store UTF-16 and count
    /// the quota that way.
    pub bytes: usize,
}

/// A view of `localStorage` under one key prefix.
#[derive(Debug, Clone)]
pub struct Store {
    prefix: String,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(PREFIX)
    }
}

impl Store {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The key as localStorage knows it, prefix included.
    pub fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// `Ok(None)` when absent; `Err(Corrupt)` when present but unreadable,
    /// so the caller can say so instead of silently using a default.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StorageError> {
        match LocalStorage::get::<T>(self.full_key(key)) {
            Ok(v) => Ok(Some(v)),
            Err(GlooError::KeyNotFound(_)) => Ok(None),
            Err(GlooError::SerdeError(e)) => Err(StorageError::Corrupt {
                key: key.to_owned(),
                reason: e.to_string(),
            }),
            Err(GlooError::JsError(e)) => Err(StorageError::Unavailable(e.message)),
        }
    }

    /// Writes synchronously: when this returns `Ok`, a reload or a killed
    /// tab keeps the value. On error the previous value is untouched.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        match LocalStorage::set(self.full_key(key), value) {
            Ok(()) => Ok(()),
            Err(GlooError::JsError(e)) if is_quota_error(&e.name, &e.message) => {
                Err(StorageError::QuotaExceeded)
            }
            Err(GlooError::JsError(e)) => Err(StorageError::Unavailable(e.message)),
            Err(GlooError::SerdeError(e)) => Err(StorageError::Encode(e.to_string())),
            Err(GlooError::KeyNotFound(k)) => Err(StorageError::Unavailable(k)),
        }
    }

    /// The raw stored text, for showing or exporting an entry that no longer parses.
    pub fn get_raw(&self, key: &str) -> Option<String> {
        LocalStorage::raw()
            .get_item(&self.full_key(key))
            .ok()
            .flatten()
    }

    /// Writes already-encoded text, with the same guarantees as [`Store::set`].
    pub fn set_raw(&self, key: &str, value: &str) -> Result<(), StorageError> {
        LocalStorage::raw()
            .set_item(&self.full_key(key), value)
            .map_err(|e| {
                let (name, message) = match e.dyn_ref::<web_sys::DomException>() {
                    Some(d) => (d.name(), d.message()),
                    None => (String::new(), format!("{e:?}")),
                };
                if is_quota_error(&name, &message) {
                    StorageError::QuotaExceeded
                } else {
                    StorageError::Unavailable(message)
                }
            })
    }

    pub fn remove(&self, key: &str) {
        LocalStorage::delete(self.full_key(key));
    }

    /// Keys under this prefix, without the prefix, in no particular order.
    pub fn keys(&self) -> Vec<String> {
        let raw = LocalStorage::raw();
        let len = raw.length().unwrap_or(0);
        (0..len)
            .filter_map(|i| raw.key(i).ok().flatten())
            .filter_map(|k| k.strip_prefix(&self.prefix).map(str::to_owned))
            .collect()
    }

    pub fn usage(&self) -> Usage {
        let raw = LocalStorage::raw();
        self.keys().iter().fold(Usage::default(), |u, key| {
            let full = self.full_key(key);
            let value_len = raw
                .get_item(&full)
                .ok()
                .flatten()
                .map_or(0, |v| v.encode_utf16().count());
            Usage {
                entries: u.entries + 1,
                bytes: u.bytes + 2 * (full.encode_utf16().count() + value_len),
            }
        })
    }
}

/// Chromium says `QuotaExceededError`; older Firefox said
/// `NS_ERROR_DOM_QUOTA_REACHED`.
fn is_quota_error(name: &str, message: &str) -> bool {
    name == "QuotaExceededError"
        || name == "NS_ERROR_DOM_QUOTA_REACHED"
        || message.contains("exceeded the quota")
}
