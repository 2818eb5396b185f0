//! The device's caseload: loading it from storage (migrating older layouts
//! and setting damaged entries aside), and the commands the views call.
//!
//! Every command goes the same way: validate in `advocase-core`, write the
//! changed case file to storage, and only then update what the views show.
//! If the write fails (storage full), nothing the person sees changes and
//! their form keeps its text.

use advocase_core::case::{CaseCommand, CaseDraft, CaseRules};
use advocase_core::caseload::{CaseFile, Caseload};
use advocase_core::encoding;
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::validation::Problems;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::storage::{StorageError, Store};
use crate::{clock, journal};

/// The storage layout this build writes. 1: the first release (preferences
/// only, no `meta`); 2: case files under `case.<id>`, `meta` present.
pub const SCHEMA: u32 = 2;
const META: &str = "meta";
const CASE_PREFIX: &str = "case.";
const QUARANTINE_PREFIX: &str = "quarantine.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Meta {
    schema: u32,
}

/// An entry that could not be read, kept aside under `quarantine.<key>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub key: String,
    pub reason: String,
    pub chars: usize,
}

/// Why a command did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// The input needs fixing: field by field.
    Invalid(Problems),
    /// Nothing was saved; the message says why.
    Storage(StorageError),
    /// Data on this device was written by a newer Advocase.
    ReadOnly(String),
    NotFound,
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Invalid(p) => write!(f, "Please fix: {p}"),
            SaveError::Storage(e) => write!(f, "Not saved. {e}"),
            SaveError::ReadOnly(why) => write!(f, "Not saved. {why}"),
            SaveError::NotFound => f.write_str("This case is not on this device."),
        }
    }
}

impl SaveError {
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            SaveError::Invalid(p) => Some(p),
            _ => None,
        }
    }
}

/// What opening the store found.
pub struct Opened {
    pub files: Vec<CaseFile>,
    pub quarantined: Vec<Quarantined>,
    pub read_only: Option<String>,
}

/// Brings the stored layout up to [`SCHEMA`] and reads every case file. A
/// file that cannot be read is moved aside, never deleted, and never stops
/// the others from loading.
pub fn open(store: &Store) -> Opened {
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
    if found < SCHEMA || meta.is_err() {
        // 1 → 2: nothing to convert (preferences keep their plain JSON); the
        // meta entry marks the store as being in the new layout.
        let _ = store.set(META, &Meta { schema: SCHEMA });
    }

    let mut files = Vec::new();
    let mut quarantined = Vec::new();
    for key in store.keys() {
        if let Some(suffix) = key.strip_prefix(QUARANTINE_PREFIX) {
            let raw = store.get_raw(&key).unwrap_or_default();
            quarantined.push(Quarantined {
                key: suffix.to_owned(),
                reason: "set aside earlier".into(),
                chars: raw.chars().count(),
            });
            continue;
        }
        if !key.starts_with(CASE_PREFIX) {
            continue;
        }
        let raw = store.get_raw(&key).unwrap_or_default();
        match encoding::decode::<CaseFile>(&raw) {
            Ok(file) => files.push(file),
            Err(e) => {
                // Move aside only if the copy succeeded: never lose the bytes.
                // A newer release's store is reported on, never rearranged.
                if read_only.is_none()
                    && store
                        .set_raw(&format!("{QUARANTINE_PREFIX}{key}"), &raw)
                        .is_ok()
                {
                    store.remove(&key);
                }
                quarantined.push(Quarantined {
                    key,
                    reason: e.to_string(),
                    chars: raw.chars().count(),
                });
            }
        }
    }
    Opened {
        files,
        quarantined,
        read_only,
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

/// The caseload the views show, and the commands that change it.
#[derive(Clone, Copy)]
pub struct Cases {
    pub caseload: RwSignal<Caseload>,
    pub quarantined: RwSignal<Vec<Quarantined>>,
    pub read_only: RwSignal<Option<String>>,
    pub rules: StoredValue<CaseRules>,
    /// Writes not yet on disk (see `journal`): "Saving…" until zero.
    pub pending: RwSignal<usize>,
    /// Why the last durable write failed, if it did.
    pub journal_error: RwSignal<Option<String>>,
    store: StoredValue<Store>,
}

/// How far a case file has come: every accepted command appends to its
/// history or its interactions, so of two versions of one file the one
/// with more entries is the later.
fn progress(raw: &str) -> Option<usize> {
    encoding::decode::<CaseFile>(raw)
        .ok()
        .map(|f| f.case.history.len() + f.interactions.len())
}

impl Cases {
    pub fn load(store: Store) -> Self {
        let opened = open(&store);
        Cases {
            caseload: RwSignal::new(Caseload::new(opened.files)),
            quarantined: RwSignal::new(opened.quarantined),
            read_only: RwSignal::new(opened.read_only),
            rules: StoredValue::new(CaseRules::default()),
            pending: RwSignal::new(0),
            journal_error: RwSignal::new(None),
            store: StoredValue::new(store),
        }
    }

    /// Brings back from the durable journal whatever localStorage lost (a
    /// browser killed before it wrote to disk, a damaged entry), and
    /// journals what older builds saved without one. Runs once after load.
    pub async fn recover(&self) -> usize {
        if self.read_only.get_untracked().is_some() {
            return 0;
        }
        let entries = match journal::entries().await {
            Ok(e) => e,
            Err(e) => {
                self.journal_error.set(Some(e));
                return 0;
            }
        };
        let mut restored = 0;
        let mut journaled = std::collections::HashSet::new();
        let prefix = self.store.with_value(|s| s.full_key(CASE_PREFIX));
        let strip = prefix.len() - CASE_PREFIX.len();
        for (full, value) in entries {
            if !full.starts_with(&prefix) {
                continue;
            }
            let key = full[strip..].to_owned();
            journaled.insert(key.clone());
            let local = self.store.with_value(|s| s.get_raw(&key));
            let newer = match &local {
                None => true,
                Some(l) if *l == value => false,
                Some(l) => progress(&value) > progress(l),
            };
            if !newer {
                continue;
            }
            let Ok(file) = encoding::decode::<CaseFile>(&value) else {
                continue;
            };
            if self.store.with_value(|s| s.set_raw(&key, &value)).is_ok() {
                self.caseload.update(|c| c.put(file));
                restored += 1;
            }
        }
        // Files saved before this device had a journal.
        let unjournaled: Vec<String> = self
            .store
            .with_value(|s| s.keys())
            .into_iter()
            .filter(|k| k.starts_with(CASE_PREFIX) && !journaled.contains(k))
            .collect();
        for key in unjournaled {
            if let Some(value) = self.store.with_value(|s| s.get_raw(&key)) {
                self.journal(key, value);
            }
        }
        restored
    }

    fn journal(&self, key: String, value: String) {
        let (pending, error) = (self.pending, self.journal_error);
        pending.update(|n| *n += 1);
        let full = self.store.with_value(|s| s.full_key(&key));
        journal::write(full, value, move |result| {
            pending.update(|n| *n = n.saturating_sub(1));
            error.set(result.err());
        });
    }

    fn save(&self, file: CaseFile) -> Result<(), SaveError> {
        if let Some(why) = self.read_only.get_untracked() {
            return Err(SaveError::ReadOnly(why));
        }
        let key = format!("{CASE_PREFIX}{}", file.case.id);
        let value = encoding::encode(&file);
        self.store
            .with_value(|s| s.set_raw(&key, &value))
            .map_err(SaveError::Storage)?;
        // Stored: now, and only now, the views may show it. It is on disk
        // once the journal says so ("Saving…" until then).
        self.caseload.update(|c| c.put(file));
        self.journal(key, value);
        Ok(())
    }

    fn file(&self, id: Id) -> Result<CaseFile, SaveError> {
        self.caseload
            .with_untracked(|c| c.get(&id).cloned())
            .ok_or(SaveError::NotFound)
    }

    pub fn create(&self, draft: &CaseDraft, user: &str) -> Result<Id, SaveError> {
        let actor = clock::actor(user);
        let case = self
            .rules
            .with_value(|r| draft.validate(clock::new_id(), &actor, r))
            .map_err(SaveError::Invalid)?;
        let id = case.id;
        self.save(CaseFile {
            case,
            interactions: Vec::new(),
        })?;
        Ok(id)
    }

    pub fn log(
        &self,
        case_id: Id,
        draft: &InteractionDraft,
        amends: Option<Id>,
        user: &str,
    ) -> Result<(), SaveError> {
        let mut file = self.file(case_id)?;
        let actor = clock::actor(user);
        let interaction = draft
            .validate(clock::new_id(), case_id, amends, &actor)
            .map_err(SaveError::Invalid)?;
        file.interactions.push(interaction);
        self.save(file)
    }

    pub fn apply(&self, case_id: Id, command: CaseCommand, user: &str) -> Result<(), SaveError> {
        let mut file = self.file(case_id)?;
        file.case
            .apply(command, &clock::actor(user))
            .map_err(SaveError::Invalid)?;
        self.save(file)
    }

    pub fn discard_quarantined(&self, key: &str) {
        self.store.with_value(|s| discard_quarantined(s, key));
        self.quarantined.update(|q| q.retain(|x| x.key != key));
    }
}
