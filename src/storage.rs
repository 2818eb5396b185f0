//! The device's durable store: `localStorage` through gloo-storage, one key
//! per record under the `advocase.` prefix.
//!
//! Every failure is a [`StorageError`] the UI can put into words: a full
//! store, an entry that no longer parses, a browser that refuses storage.
//! Nothing here panics on bad data, and a bad entry never hides good ones.
//!
//! Records are sealed (AES-256-GCM, `advocase_core::sealed`) under the
//! device data key, which `vault.rs` puts here while the app is unlocked.
//! Sealing is the default: only the records in [`PLAIN`], which hold no
//! patient data and are needed before unlocking, are written in the clear,
//! so a record type added later is encrypted without anyone remembering to.

use std::cell::RefCell;

use advocase_core::sealed::{self, KEY_BYTES};
use gloo_storage::{LocalStorage, Storage};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;

pub const PREFIX: &str = "advocase.";

/// Records kept in the clear: the layout version, sync bookkeeping (device
/// id, cursor, clock; no case content), the keyring itself, the count of
/// unsent changes (so a sign-in on a locked device can refuse to strand
/// them), display preferences, and the hospital's reference data (its numbers,
/// templates, structure and directory: no patient data).
pub const PLAIN: &[&str] = &[
    "meta",
    "sync",
    "keyring",
    "unsent",
    "preferences",
    "templates",
    "hospital",
    "structure",
    "directory",
];

thread_local! {
    /// The data key, while unlocked (`vault.rs` sets and clears it).
    static DATA_KEY: RefCell<Option<[u8; KEY_BYTES]>> = const { RefCell::new(None) };
}

pub fn set_data_key(key: Option<[u8; KEY_BYTES]>) {
    DATA_KEY.with(|k| {
        let mut k = k.borrow_mut();
        if let Some(old) = k.as_mut() {
            // Overwrite, not just drop: the wasm heap is reused, not cleared.
            old.fill(0);
        }
        *k = key;
    });
}

/// A copy of the data key, for `vault.rs` to wrap again.
pub fn data_key() -> Option<[u8; KEY_BYTES]> {
    DATA_KEY.with(|k| *k.borrow())
}

pub fn unlocked() -> bool {
    DATA_KEY.with(|k| k.borrow().is_some())
}

fn is_plain(key: &str) -> bool {
    PLAIN.contains(&key)
}

/// 96 random bits. Uniqueness is what GCM needs: should the browser's
/// random source fail (it does not in practice), the time and Math.random
/// still make a repeat vanishingly unlikely.
fn nonce() -> [u8; sealed::NONCE_BYTES] {
    let mut n = [0u8; sealed::NONCE_BYTES];
    if !crate::clock::random_bytes(&mut n) {
        n[..8].copy_from_slice(&crate::clock::now_ms().to_be_bytes());
        for b in &mut n[8..] {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    n
}

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
    #[error("The device is locked: unlock it to read or save.")]
    Locked,
    #[error("The saved entry '{key}' could not be read: {reason}.")]
    Tampered { key: String, reason: String },
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
        let Some(text) = self.read(key)? else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StorageError::Corrupt {
                key: key.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Writes synchronously: when this returns `Ok`, a reload or a killed
    /// tab keeps the value. On error the previous value is untouched.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        let text = serde_json::to_string(value).map_err(|e| StorageError::Encode(e.to_string()))?;
        self.set_raw(key, &text).map(drop)
    }

    /// The text as stored (sealed or not): for copying an entry aside
    /// and for comparing with the journal's copy.
    pub fn get_raw(&self, key: &str) -> Option<String> {
        LocalStorage::raw()
            .get_item(&self.full_key(key))
            .ok()
            .flatten()
    }

    /// The record's text, opened if sealed. Text in the clear under a key
    /// that should be sealed (written before encryption) is returned as it
    /// is; `vault.rs` seals it on the first unlock.
    pub fn read(&self, key: &str) -> Result<Option<String>, StorageError> {
        match self.get_raw(key) {
            None => Ok(None),
            Some(stored) => self.open_text(key, stored).map(Some),
        }
    }

    /// Opens `stored`, as found under `key` here or in the journal.
    pub fn open_text(&self, key: &str, stored: String) -> Result<String, StorageError> {
        if !sealed::is_sealed(&stored) {
            return Ok(stored);
        }
        let aad = self.full_key(key);
        DATA_KEY.with(|k| {
            let k = k.borrow();
            let k = k.as_ref().ok_or(StorageError::Locked)?;
            sealed::open(k, &aad, &stored).map_err(|e| StorageError::Tampered {
                key: key.to_owned(),
                reason: e.to_string(),
            })
        })
    }

    /// What [`Store::set_raw`] would store for `text` under `key`.
    pub fn seal(&self, key: &str, text: &str) -> Result<String, StorageError> {
        if is_plain(key) {
            return Ok(text.to_owned());
        }
        let aad = self.full_key(key);
        DATA_KEY.with(|k| {
            let k = k.borrow();
            let k = k.as_ref().ok_or(StorageError::Locked)?;
            Ok(sealed::seal(k, nonce(), &aad, text))
        })
    }

    /// Writes `text` (sealed unless the key is [`PLAIN`]), with the same
    /// guarantees as [`Store::set`]; returns what was stored, which is
    /// what the journal keeps too.
    pub fn set_raw(&self, key: &str, text: &str) -> Result<String, StorageError> {
        let stored = self.seal(key, text)?;
        self.put(key, &stored)?;
        Ok(stored)
    }

    /// Stores `stored` exactly as given (already sealed, or set aside as found).
    pub fn put(&self, key: &str, stored: &str) -> Result<(), StorageError> {
        LocalStorage::raw()
            .set_item(&self.full_key(key), stored)
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

    /// Seals every record still in the clear that should not be (a store
    /// from before encryption): returns how many. An entry that cannot be
    /// rewritten (storage full) stays as it was and is tried next time.
    pub fn seal_plain(&self) -> usize {
        let mut n = 0;
        for key in self.keys() {
            if is_plain(&key) {
                continue;
            }
            if let Some(text) = self.get_raw(&key).filter(|t| !sealed::is_sealed(t))
                && self.set_raw(&key, &text).is_ok()
            {
                n += 1;
            }
        }
        n
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
