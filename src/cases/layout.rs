//! The device's storage layout for cases: the layouts older builds left and
//! how each is brought up to [`SCHEMA`], reading every case log with damaged
//! entries set aside, and the records beside the logs (device id, unsent
//! count, the quarantine).

use std::collections::BTreeMap;

use advocase_core::case::Case;
use advocase_core::caseload::CaseFile;
use advocase_core::encoding;
use advocase_core::id::Id;
use advocase_core::interaction::Interaction;
use advocase_core::listing::Listing;
use advocase_core::log::CaseLog;
use advocase_core::replica::{Replica, SyncState};
use serde::{Deserialize, Serialize};

use crate::storage::{StorageError, Store};
use crate::{clock, journal};

/// The storage layout this build writes. 1: the first release (preferences
/// only, no `meta`); 2: case files under `case.<id>`, `meta` present;
/// 3: case logs (changes, synced or waiting) under `case.<id>`, sync
/// state under `sync`; 4: the same records sealed (storage.rs), so a build
/// of layout 3 (which would set every sealed entry aside as unreadable)
/// opens them read-only instead.
pub const SCHEMA: u32 = 4;
pub(super) const META: &str = "meta";
pub(super) const SYNC: &str = "sync";
pub(super) const CASE_PREFIX: &str = "case.";
pub(super) const QUARANTINE_PREFIX: &str = "quarantine.";
/// The last report opened on this device (`views/report.rs`): patient
/// names, so sealed, and erased with the caseload at sign-out.
pub const REPORT_COPY: &str = "report";
/// How many changes wait to be sent (plain: see `storage::PLAIN`).
pub const UNSENT: &str = "unsent";

/// A case entry as any layout wrote it.
pub(super) enum StoredCase {
    Log(CaseLog),
    /// Layout 2: a case file with no sync state.
    File(Box<CaseFile>),
}

impl StoredCase {
    /// A log, or failing that a layout-2 file. Tried one after the other,
    /// not as a serde untagged enum: that buffers the entry and doubles the
    /// code that reads every record inside (see `advocase_core::tagged`).
    /// The error shown is the log's, the layout this build writes.
    pub(super) fn decode(raw: &str) -> Result<Self, encoding::DecodeError> {
        encoding::decode::<CaseLog>(raw)
            .map(StoredCase::Log)
            .or_else(|e| {
                encoding::decode::<Release2File>(raw)
                    .map(|f| StoredCase::File(Box::new(CaseFile::new(f.case, f.interactions))))
                    .map_err(|_| e)
            })
    }
}

/// A case file as release 2 wrote it: a case and its interactions, all
/// the migration reads (`Replica::import`). Read as this rather than as a
/// whole `CaseFile`, whose later fields (conflicts, set-aside changes,
/// versions…) such a file never held, so their readers are not compiled
/// for the migration alone (README, Size).
#[derive(Serialize, Deserialize)]
#[serde(remote = "Self")]
struct Release2File {
    case: Case,
    #[serde(default)]
    interactions: Vec<Interaction>,
}
advocase_core::record!(Release2File);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
struct Meta {
    schema: u32,
}
advocase_core::record!(Meta);

/// An entry that could not be read, kept aside under `quarantine.<key>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub key: String,
    pub reason: String,
    pub chars: usize,
}

/// What opening the store found.
pub struct Opened {
    pub replica: Replica,
    pub quarantined: Vec<Quarantined>,
    pub read_only: Option<String>,
}

/// Brings the stored layout up to [`SCHEMA`] and reads every case file. A
/// file that cannot be read is moved aside, never deleted, and never stops
/// the others from loading.
pub fn open(store: &Store) -> Opened {
    let mut opening = Opening::start(store);
    for i in 0..opening.entries.len() {
        opening.read(store, i);
    }
    opening.finish(store)
}

/// Opening the store one case log at a time: [`open`] in steps, so that a
/// start can show the stored list rows and read the logs behind them in
/// slices (`Cases::reopen`).
pub struct Opening {
    found: u32,
    meta_ok: bool,
    pub read_only: Option<String>,
    state: Option<SyncState>,
    /// Every case entry's key and stored text, as found.
    pub entries: Vec<(String, String)>,
    legacy: Vec<CaseFile>,
    pub logs: BTreeMap<Id, CaseLog>,
    pub quarantined: Vec<Quarantined>,
}

impl Opening {
    /// Reads the layout and every case entry's stored text (no decryption).
    pub fn start(store: &Store) -> Self {
        let meta = store.get::<Meta>(META);
        let found = match &meta {
            Ok(Some(m)) => m.schema,
            Ok(None) => 1,
            // A damaged meta entry: the records carry their own format tags, so
            // reading them as the current schema is safe; rewrite meta below.
            Err(_) => SCHEMA,
        };
        let read_only = (found > SCHEMA).then(|| {
            format!(
                "This device holds data from a newer version of Advocase (layout {found}, this app knows {SCHEMA}). Reload to update the app; until then it will not change anything."
            )
        });
        let mut entries = Vec::new();
        let mut quarantined = Vec::new();
        for key in store.keys() {
            if let Some(suffix) = key.strip_prefix(QUARANTINE_PREFIX) {
                let raw = store.get_raw(&key).unwrap_or_default();
                quarantined.push(Quarantined {
                    key: suffix.to_owned(),
                    reason: "set aside earlier".into(),
                    chars: raw.chars().count(),
                });
            } else if key.starts_with(CASE_PREFIX) {
                let raw = store.get_raw(&key).unwrap_or_default();
                entries.push((key, raw));
            }
        }
        Opening {
            found,
            meta_ok: meta.is_ok(),
            read_only,
            state: store.get::<SyncState>(SYNC).ok().flatten(),
            entries,
            legacy: Vec::new(),
            logs: BTreeMap::new(),
            quarantined,
        }
    }

    /// Reads entry `i`: its case id once it is among the logs, else it was
    /// set aside (or is a layout-2 file, converted by `finish`).
    pub fn read(&mut self, store: &Store, i: usize) -> Option<Id> {
        let (key, raw) = self.entries.get(i)?;
        // A sealed entry that fails authentication is copied aside as it is
        // (it can only be read, if ever, as those exact bytes); one that
        // opens but does not parse is copied aside sealed again.
        let (text, reason) = match store.open_text(key, raw.clone()) {
            Ok(text) => match StoredCase::decode(&text) {
                Ok(StoredCase::Log(log)) => {
                    let id = log.case_id()?;
                    self.logs.insert(id, log);
                    return Some(id);
                }
                Ok(StoredCase::File(file)) => {
                    self.legacy.push(*file);
                    return None;
                }
                Err(e) => (Some(text), e.to_string()),
            },
            Err(StorageError::Tampered { reason, .. }) => (None, reason),
            // Not readable yet is not damaged: never set aside for that.
            Err(StorageError::Locked) => return None,
            Err(e) => (None, e.to_string()),
        };
        // Move aside only if the copy succeeded: never lose the bytes.
        // A newer release's store is reported on, never rearranged.
        let aside = format!("{QUARANTINE_PREFIX}{key}");
        if self.read_only.is_none()
            && match &text {
                Some(text) => store.set_raw(&aside, text).map(drop),
                None => store.put(&aside, raw),
            }
            .is_ok()
        {
            store.remove(key);
        }
        self.quarantined.push(Quarantined {
            key: key.clone(),
            reason,
            chars: raw.chars().count(),
        });
        None
    }

    /// The replica from the logs read, older layouts converted.
    pub fn finish(self, store: &Store) -> Opened {
        let Opening {
            found,
            meta_ok,
            read_only,
            state,
            legacy,
            logs,
            quarantined,
            ..
        } = self;
        let mut replica = match state {
            Some(state) => Replica::restore(state, logs),
            // The state was lost: unsent changes name the device that made
            // them (it must push them under that id); otherwise start afresh.
            None => {
                let device = logs
                    .values()
                    .flat_map(CaseLog::pending)
                    .map(|c| c.device)
                    .next()
                    .unwrap_or_else(clock::new_id);
                Replica::restore(Replica::new(device).state, logs)
            }
        };
        if read_only.is_none() {
            // 2 → 3: each case file becomes a log of this device's changes,
            // waiting to be sent; written before meta says the layout is 3, so
            // an interrupted upgrade simply runs again.
            let now_ms = clock::now_ms();
            for file in &legacy {
                replica.import(file, now_ms);
                if let Some(log) = replica.logs.get(&file.case.id) {
                    let _ = store.set_raw(
                        &format!("{CASE_PREFIX}{}", file.case.id),
                        &encoding::encode(log),
                    );
                }
            }
            let _ = store.set(SYNC, &replica.state);
            if found < SCHEMA || !meta_ok {
                let _ = store.set(META, &Meta { schema: SCHEMA });
            }
        }
        Opened {
            replica,
            quarantined,
            read_only,
        }
    }
}

/// This device's id, made and stored now if it has none yet (a sign-in
/// names it before any case is opened).
pub fn device_id(store: &Store) -> Id {
    if let Ok(Some(state)) = store.get::<SyncState>(SYNC) {
        return state.device;
    }
    let state = Replica::new(clock::new_id()).state;
    let _ = store.set(SYNC, &state);
    state.device
}

/// Changes waiting to be sent, as last saved (readable while locked).
pub fn unsent_count(store: &Store) -> usize {
    store.get::<usize>(UNSENT).ok().flatten().unwrap_or(0)
}

/// Removes every sealed record, here and in the journal: before another
/// person's keys replace these, which could never open them again.
pub async fn erase_sealed(store: &Store) {
    let plain = |k: &str| crate::storage::PLAIN.contains(&k);
    for key in store.keys() {
        if !plain(&key) {
            store.remove(&key);
        }
    }
    let base = store.full_key("");
    if let Ok(entries) = journal::entries().await {
        for (full, _) in entries {
            if full.strip_prefix(&base).is_some_and(|k| !plain(k)) {
                journal::write(full, None, |_| {});
            }
        }
    }
    let _ = store.set(UNSENT, &0usize);
    // The next person pulls from the start; the device keeps its id and
    // sequence, so nothing it sent is ever numbered twice.
    if let Ok(Some(mut state)) = store.get::<SyncState>(SYNC) {
        state.cursor = 0;
        state.stale.clear();
        let _ = store.set(SYNC, &state);
    }
}

/// "1 saved entry could not be read and was set aside." and its plural.
pub fn set_aside_message(n: usize) -> String {
    if n == 1 {
        "1 saved entry could not be read and was set aside.".to_owned()
    } else {
        format!("{n} saved entries could not be read and were set aside.")
    }
}

pub fn discard_quarantined(store: &Store, key: &str) {
    store.remove(&format!("{QUARANTINE_PREFIX}{key}"));
}

/// The case list's rows (`advocase_core::listing`): sealed like the logs
/// (patient names), a cache of them that a start checks against them, so
/// never journaled and simply made again when missing or unreadable.
pub const LIST: &str = "list";

pub fn read_listing(store: &Store) -> Option<Listing> {
    let text = store.read(LIST).ok()??;
    Listing::read(&encoding::unpack_text(&text).ok()?)
}

/// Best effort: a listing that does not fit is removed rather than left
/// behind (it would only make the next start read more logs first).
pub fn write_listing(store: &Store, listing: &Listing) {
    if store
        .set_raw(LIST, &encoding::pack_text(&listing.write()))
        .is_err()
    {
        store.remove(LIST);
    }
}
