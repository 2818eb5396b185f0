//! Who knows what, on this device (issue 13): the hospital's structure
//! (units, departments) and its directory, kept for offline use and
//! fetched by sync after the templates, with what changed since the
//! version held; and the corrections a coordinator sends, queued until
//! the server has them.
//!
//! The structure and the directory are reference data, never patient
//! data: stored in the clear (`storage::PLAIN`), the directory compressed
//! (2,000 entries are about 1 MB of JSON, a third of that stored), kept at
//! sign-out. A correction is a coordinator's own words, so it is sealed
//! like case data and kept per person: one person's queued correction is
//! never sent in another's name.

use advocase_core::directory::search::Index;
use advocase_core::directory::wire::{Correction, DirectoryPage, StoredEntry};
use advocase_core::directory::{Entry, Structure};
use advocase_core::encoding;
use advocase_core::id::Id;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::server::{self, Failure};
use crate::storage::Store;

/// `advocase.structure` and `advocase.directory` in localStorage.
pub const STRUCTURE_KEY: &str = "structure";
pub const DIRECTORY_KEY: &str = "directory";
const CORRECTIONS_PREFIX: &str = "corrections.";

/// The directory as the device keeps it: every entry it was sent (retired
/// ones too, so an interaction naming one still shows whom), and the
/// server's version they are complete up to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Held {
    pub version: u64,
    pub entries: Vec<StoredEntry>,
}
advocase_core::record!(Held);

impl Held {
    /// Takes what changed since `self.version`: an entry saved again
    /// replaces the one held; the list stays in name order.
    pub fn apply(&mut self, page: DirectoryPage) {
        for stored in page.entries {
            match self
                .entries
                .iter_mut()
                .find(|e| e.entry.id == stored.entry.id)
            {
                Some(held) => *held = stored,
                None => self.entries.push(stored),
            }
        }
        self.version = self.version.max(page.version);
        advocase_core::order::sort_by_key(&mut self.entries, |e| e.entry.name.to_lowercase());
    }
}

/// What search and "Who can help?" run over: the live entries, in name
/// order, and their index, made again only when the directory changes.
#[derive(Default)]
pub struct Live {
    pub entries: Vec<Entry>,
    pub index: Index,
}

#[derive(Clone, Copy)]
pub struct Directory {
    pub structure: RwSignal<Structure>,
    /// Tracked by views; the data is in `copy` and `live`.
    pub revision: RwSignal<u64>,
    copy: StoredValue<Held>,
    live: StoredValue<Live>,
    /// The signed-in person's corrections not yet on the server.
    pub queued: RwSignal<Vec<Correction>>,
    /// What the directory page was last searched for (kept while open).
    pub query: RwSignal<String>,
    store: StoredValue<Store>,
}

fn live_of(copy: &Held) -> Live {
    let entries: Vec<Entry> = copy
        .entries
        .iter()
        .filter(|e| !e.entry.retired)
        .map(|e| e.entry.clone())
        .collect();
    let index = Index::new(&entries);
    Live { entries, index }
}

impl Directory {
    /// A damaged copy is dropped: the server has it all, and the next sync
    /// fetches it again from version 0.
    pub fn load(store: Store) -> Self {
        let structure = store.get::<Structure>(STRUCTURE_KEY).ok().flatten();
        if structure.is_none() {
            store.remove(STRUCTURE_KEY);
        }
        let copy = store
            .read(DIRECTORY_KEY)
            .ok()
            .flatten()
            .and_then(|text| encoding::decode::<Held>(&text).ok());
        if copy.is_none() {
            store.remove(DIRECTORY_KEY);
        }
        let copy = copy.unwrap_or_default();
        Directory {
            structure: RwSignal::new(structure.unwrap_or_default()),
            revision: RwSignal::new(0),
            live: StoredValue::new(live_of(&copy)),
            copy: StoredValue::new(copy),
            queued: RwSignal::new(Vec::new()),
            query: RwSignal::new(String::new()),
            store: StoredValue::new(store),
        }
    }

    /// Reads the live entries and their index (tracked).
    pub fn with_live<T>(&self, f: impl FnOnce(&Live) -> T) -> T {
        self.revision.track();
        self.live.with_value(f)
    }

    /// An entry the device holds, retired or not (tracked).
    pub fn get(&self, id: Id) -> Option<StoredEntry> {
        self.revision.track();
        self.copy
            .with_value(|c| c.entries.iter().find(|e| e.entry.id == id).cloned())
    }

    pub fn version(&self) -> u64 {
        self.copy.with_value(|c| c.version)
    }

    fn keep_copy(&self, copy: Held) {
        // A full store only costs the offline copy; the directory still
        // shows until the page is closed.
        let _ = self
            .store
            .with_value(|s| s.set_raw(DIRECTORY_KEY, &encoding::encode(&copy)));
        self.live.set_value(live_of(&copy));
        self.copy.set_value(copy);
        self.revision.update(|r| *r += 1);
    }

    /// Keeps the structure `text` says (as the server sent it).
    pub fn keep_structure(&self, structure: Structure, text: &str) {
        if self.structure.with_untracked(|s| *s == structure) {
            return;
        }
        let _ = self.store.with_value(|s| s.set_raw(STRUCTURE_KEY, text));
        self.structure.set(structure);
    }

    /// Fetches the structure and what changed in the directory since the
    /// version held, then sends queued corrections. An older server without
    /// them (404) leaves what is on the device.
    pub async fn refresh(&self, token: &str, user: &str) -> Result<(), Failure> {
        match server::get_kept::<Structure>(Some(token), "/api/structure").await {
            Ok((s, text)) => self.keep_structure(s, &text),
            Err(Failure::Refused { status: 404, .. }) => return Ok(()),
            Err(f) => return Err(f),
        }
        self.catch_up(token).await?;
        self.send_corrections(token, user).await
    }

    /// Fetches what changed in the directory since the version held, and
    /// keeps it: sync's part, and the entry editor's after a save (the
    /// entry's page is drawn from this copy).
    pub async fn catch_up(&self, token: &str) -> Result<(), Failure> {
        let since = self.version();
        let page: DirectoryPage =
            server::get(Some(token), &format!("/api/directory?since={since}")).await?;
        self.take_page(page);
        Ok(())
    }

    /// Takes what the server sent since the version held, and keeps it.
    pub fn take_page(&self, page: DirectoryPage) {
        if page.version == self.version() && page.entries.is_empty() {
            return;
        }
        let mut copy = self.copy.get_value();
        copy.apply(page);
        self.keep_copy(copy);
    }

    fn corrections_key(user: &str) -> String {
        format!("{CORRECTIONS_PREFIX}{user}")
    }

    /// Loads the signed-in person's queue (after unlock or sign-in).
    pub fn load_queue(&self, user: &str) {
        let queued = self
            .store
            .with_value(|s| s.get::<Vec<Correction>>(&Self::corrections_key(user)))
            .ok()
            .flatten()
            .unwrap_or_default();
        self.queued.set(queued);
    }

    /// Queues a correction on the device: it is kept (sealed) before this
    /// returns, and sent with the next sync.
    pub fn correct(&self, user: &str, correction: Correction) -> Result<(), String> {
        correction.check().map_err(|p| p.to_string())?;
        let mut queued = self.queued.get_untracked();
        queued.push(correction);
        self.store
            .with_value(|s| s.set(&Self::corrections_key(user), &queued))
            .map_err(|e| format!("Not kept: {e}"))?;
        self.queued.set(queued);
        Ok(())
    }

    /// Sends the queue, one by one; each is taken off only once the server
    /// has it (a resend is stored once: the id is the device's).
    pub async fn send_corrections(&self, token: &str, user: &str) -> Result<(), Failure> {
        let key = Self::corrections_key(user);
        for c in self.queued.get_untracked() {
            match server::send::<_, serde::de::IgnoredAny>(
                "POST",
                Some(token),
                "/api/directory/suggestions",
                &c,
            )
            .await
            {
                Ok(_) => {}
                // About an entry since removed, or refused as it stands:
                // sending it again would not help; the editors never see it,
                // so it is dropped rather than blocking the queue.
                Err(Failure::Refused {
                    status: 404 | 422, ..
                }) => {}
                Err(f) => return Err(f),
            }
            let mut left = self.queued.get_untracked();
            left.retain(|q| q.id != c.id);
            let _ = self.store.with_value(|s| {
                if left.is_empty() {
                    s.remove(&key);
                    Ok(())
                } else {
                    s.set(&key, &left)
                }
            });
            self.queued.set(left);
        }
        Ok(())
    }
}
