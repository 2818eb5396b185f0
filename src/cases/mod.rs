//! The device's caseload: loading it from storage (migrating older layouts
//! and setting damaged entries aside), and the commands the views call.
//!
//! Every command goes the same way: validate in `advocase-core`, record it
//! as a change in the case's log (which is also the outbox), write that log
//! to storage, and only then update what the views show. If the write fails
//! (storage full), the replica is put back, nothing the person sees changes
//! and their form keeps its text.

use std::collections::{BTreeMap, BTreeSet};

use advocase_core::case::{CaseChange, CaseCommand, CaseDraft, CaseRules};
use advocase_core::caseload::{CaseFile, Caseload};
use advocase_core::change::{Change, FieldSet, FieldValue, Op, Refusal};
use advocase_core::checklist::{ItemDraft, ItemValue, Template};
use advocase_core::encoding;
use advocase_core::followup::{Answer, EscalationDraft, Response, TaskDraft, TaskValue};
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::listing::{self, Listing};
use advocase_core::log::{CaseLog, Conflict, ItemConflict, TaskConflict};
use advocase_core::replica::Replica;
use advocase_core::sync::{PullPage, Pulled, PushResult};
use advocase_core::validation::Problems;
use leptos::prelude::*;

use crate::storage::{StorageError, Store};
use crate::{clock, journal};

mod checklists;
mod followups;
mod layout;
mod start;
mod sync;

pub use layout::*;

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
    /// Changes the server does not have yet.
    pub unsent: RwSignal<usize>,
    /// The cases shown differently since My day last looked (`None`: all
    /// of them, after a load), so it recomputes only those.
    touched: StoredValue<Option<BTreeSet<Id>>>,
    replica: StoredValue<Replica>,
    store: StoredValue<Store>,
    /// True while a start reads the logs behind the stored list rows
    /// (`reopen`): the list shows, writes and sync wait (`ready`).
    pub reading: RwSignal<bool>,
    /// Bumped by every (re)load and lock: a reading of an earlier one stops.
    generation: StoredValue<u64>,
    /// The list rows are written shortly after writes, not with each.
    listing_timer: StoredValue<Option<TimeoutHandle>>,
}

/// How long a slice of reading logs may run before the list may answer.
const SLICE_MS: u64 = 30;
/// How long after a write the list rows are written.
const LISTING_AFTER_MS: u64 = 2000;

/// Said by a save tried in the moment a start is still reading.
const READING: &str = "The cases on this device are still being read: save again in a moment.";

/// How far a case log has come: entries are only added, and only ever
/// gain a server number, so of two versions the one further on is later.
/// (Removing a log, or a discarded change, also erases its journal copy.)
fn progress(raw: &str) -> Option<(usize, usize)> {
    match StoredCase::decode(raw).ok()? {
        StoredCase::Log(l) => Some((
            l.entries.len(),
            l.entries.iter().filter(|e| !e.is_pending()).count(),
        )),
        StoredCase::File(f) => Some((f.case.history.len() + f.interactions.len(), 0)),
    }
}

fn visible(log: &CaseLog) -> Option<CaseFile> {
    log.fold().filter(|f| f.deleted.is_none())
}

impl Cases {
    /// The caseload read whole, at once (tests and benchmarks; the app
    /// starts with [`Cases::opening`]).
    pub fn load(store: Store) -> Self {
        let cases = Self::empty(store);
        cases.reload();
        cases
    }

    /// As [`Cases::load`], the way the app starts: [`Cases::reopen`].
    pub fn opening(store: Store) -> Self {
        let cases = Self::empty(store);
        cases.reopen();
        cases
    }

    /// Empty until `reload` or `reopen` reads the store.
    fn empty(store: Store) -> Self {
        Cases {
            caseload: RwSignal::new(Caseload::new(Vec::new())),
            quarantined: RwSignal::new(Vec::new()),
            read_only: RwSignal::new(None),
            rules: StoredValue::new(CaseRules::default()),
            pending: RwSignal::new(0),
            journal_error: RwSignal::new(None),
            unsent: RwSignal::new(0),
            touched: StoredValue::new(None),
            replica: StoredValue::new(Replica::new(Id::default())),
            store: StoredValue::new(store),
            reading: RwSignal::new(false),
            generation: StoredValue::new(0),
            listing_timer: StoredValue::new(None),
        }
    }

    pub fn device(&self) -> Id {
        self.replica.with_value(|r| r.state.device)
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
        let base = self.store.with_value(|s| s.full_key(""));
        for (full, value) in &entries {
            // Copies from before encryption are sealed where they lie.
            let Some(key) = full.strip_prefix(&base) else {
                continue;
            };
            if !advocase_core::sealed::is_sealed(value)
                && !crate::storage::PLAIN.contains(&key)
                && let Ok(sealed) = self.store.with_value(|s| s.seal(key, value))
            {
                self.journal(key.to_owned(), Some(sealed));
            }
        }
        for (full, value) in entries {
            if !full.starts_with(&prefix) {
                continue;
            }
            let key = full[strip..].to_owned();
            journaled.insert(key.clone());
            let local = self.store.with_value(|s| s.get_raw(&key));
            if local.as_ref() == Some(&value) {
                continue;
            }
            // The journal's copy is sealed like the store's (or in the clear,
            // from before encryption: sealed again below).
            let Ok(value) = self.store.with_value(|s| s.open_text(&key, value)) else {
                continue;
            };
            let local = local.and_then(|l| self.store.with_value(|s| s.open_text(&key, l)).ok());
            let newer = match &local {
                None => true,
                Some(l) => progress(&value) > progress(l),
            };
            if !newer {
                continue;
            }
            let log = match StoredCase::decode(&value) {
                Ok(StoredCase::Log(log)) => log,
                Ok(StoredCase::File(file)) => {
                    let now_ms = clock::now_ms();
                    self.replica.update_value(|r| r.import(&file, now_ms));
                    match self
                        .replica
                        .with_value(|r| r.logs.get(&file.case.id).cloned())
                    {
                        Some(log) => log,
                        None => continue,
                    }
                }
                Err(_) => continue,
            };
            let Some(id) = log.case_id() else { continue };
            self.replica.update_value(|r| {
                r.logs.insert(id, log);
                let state = r.state.clone();
                *r = Replica::restore(state, std::mem::take(&mut r.logs));
            });
            if self.persist(&one(id)).is_ok() {
                restored += 1;
            }
        }
        // Logs saved before this device had a journal.
        let unjournaled: Vec<String> = self
            .store
            .with_value(|s| s.keys())
            .into_iter()
            .filter(|k| k.starts_with(CASE_PREFIX) && !journaled.contains(k))
            .collect();
        for key in unjournaled {
            if let Some(value) = self.store.with_value(|s| s.get_raw(&key)) {
                self.journal(key, Some(value));
            }
        }
        restored
    }

    fn journal(&self, key: String, value: Option<String>) {
        let (pending, error) = (self.pending, self.journal_error);
        pending.update(|n| *n += 1);
        let full = self.store.with_value(|s| s.full_key(&key));
        journal::write(full, value, move |result| {
            pending.update(|n| *n = n.saturating_sub(1));
            error.set(result.err());
        });
    }

    /// Writes the logs of `cases` (or removes those the replica dropped),
    /// then the sync state, then shows them. Stops at the first failed
    /// write; the caller puts the replica back.
    fn persist(&self, cases: &BTreeSet<Id>) -> Result<(), SaveError> {
        if let Some(why) = self.read_only.get_untracked() {
            return Err(SaveError::ReadOnly(why));
        }
        let mut written = Vec::new();
        for id in cases {
            let key = format!("{CASE_PREFIX}{id}");
            match self
                .replica
                .with_value(|r| r.logs.get(id).map(encoding::encode))
            {
                Some(value) => {
                    let stored = self
                        .store
                        .with_value(|s| s.set_raw(&key, &value))
                        .map_err(SaveError::Storage)?;
                    written.push((key, Some(stored)));
                }
                None => {
                    self.store.with_value(|s| s.remove(&key));
                    written.push((key, None));
                }
            }
        }
        let state = self.replica.with_value(|r| r.state.clone());
        self.store
            .with_value(|s| s.set(SYNC, &state))
            .map_err(SaveError::Storage)?;
        let unsent = self.replica.with_value(Replica::pending);
        // In the clear, for a sign-in on the locked device (`lock.rs`).
        let _ = self.store.with_value(|s| s.set(UNSENT, &unsent));
        // Stored: now, and only now, the views may show it. It is on disk
        // once the journal says so ("Saving…" until then).
        self.touched.update_value(|t| {
            if let Some(t) = t {
                t.extend(cases.iter().copied());
            }
        });
        self.caseload.update(|load| {
            for id in cases {
                match self
                    .replica
                    .with_value(|r| r.logs.get(id).and_then(visible))
                {
                    Some(file) => load.put(file),
                    None => load.remove(id),
                }
            }
        });
        self.unsent.set(unsent);
        for (key, value) in written {
            self.journal(key, value);
        }
        self.listing_after(LISTING_AFTER_MS);
        Ok(())
    }

    /// Runs `f` on the replica and persists the cases it names; if saving
    /// fails, the replica is as it was before.
    fn transact<T>(
        &self,
        f: impl FnOnce(&mut Replica) -> Result<(T, BTreeSet<Id>), SaveError>,
    ) -> Result<T, SaveError> {
        if let Some(why) = self.read_only.get_untracked() {
            return Err(SaveError::ReadOnly(why));
        }
        // The replica is whole only once every log is read: a change
        // recorded before could reuse a sequence number, or write a log
        // over one not read yet.
        if self.reading.get_untracked() {
            return Err(SaveError::ReadOnly(READING.into()));
        }
        let before_state = self.replica.with_value(|r| r.state.clone());
        let mut snapshot: Option<BTreeMap<Id, Option<CaseLog>>> = None;
        let result = self.replica.try_update_value(|r| {
            let logs_before = r.logs.clone();
            let out = f(r);
            if let Ok((_, touched)) = &out {
                snapshot = Some(advocase_core::order::map_of(
                    touched.iter().map(|id| (*id, logs_before.get(id).cloned())),
                ));
            }
            out
        });
        let Some(result) = result else {
            return Err(SaveError::NotFound);
        };
        let (value, touched) = result?;
        if let Err(e) = self.persist(&touched) {
            self.replica.update_value(|r| {
                r.state = before_state;
                for (id, log) in snapshot.unwrap_or_default() {
                    match log {
                        Some(l) => r.logs.insert(id, l),
                        None => r.logs.remove(&id),
                    };
                }
            });
            return Err(e);
        }
        Ok(value)
    }

    fn file(&self, id: Id) -> Result<CaseFile, SaveError> {
        if self.reading.get_untracked() {
            return Err(SaveError::ReadOnly(READING.into()));
        }
        self.caseload
            .with_untracked(|c| c.get(&id).cloned())
            .ok_or(SaveError::NotFound)
    }

    fn record(&self, case_id: Id, op: Op, user: &str) -> Result<(), SaveError> {
        let now = clock::now();
        let id = clock::new_id();
        self.transact(|r| {
            r.record(id, case_id, op, user, now, clock::now_ms());
            Ok(((), one(case_id)))
        })
    }

    pub fn create(&self, draft: &CaseDraft, user: &str) -> Result<Id, SaveError> {
        let actor = clock::actor(user);
        let case = self
            .rules
            .with_value(|r| draft.validate(clock::new_id(), &actor, r))
            .map_err(SaveError::Invalid)?;
        let id = case.id;
        self.record(
            id,
            Op::Open {
                case: Box::new(case),
            },
            user,
        )?;
        Ok(id)
    }

    pub fn log(
        &self,
        case_id: Id,
        draft: &InteractionDraft,
        amends: Option<Id>,
        user: &str,
    ) -> Result<(), SaveError> {
        self.file(case_id)?;
        let actor = clock::actor(user);
        let interaction = draft
            .validate(clock::new_id(), case_id, amends, &actor)
            .map_err(SaveError::Invalid)?;
        self.record(
            case_id,
            Op::Log {
                interaction: Box::new(interaction),
            },
            user,
        )
    }

    pub fn apply(&self, case_id: Id, command: CaseCommand, user: &str) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .edit(command)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    /// A person decides a conflict: keep the value the case shows, or put
    /// back the one that was overwritten.
    pub fn settle(
        &self,
        case_id: Id,
        conflict: &Conflict,
        restore_lost: bool,
        user: &str,
    ) -> Result<(), SaveError> {
        let file = self.file(case_id)?;
        let (kept, discarded) = if restore_lost {
            (&conflict.lost.value, &conflict.kept.value)
        } else {
            (&conflict.kept.value, &conflict.lost.value)
        };
        let sets = if restore_lost {
            vec![FieldSet {
                value: conflict.lost.value.clone(),
                base: file.versions.get(conflict.field.as_str()).copied(),
            }]
        } else {
            vec![]
        };
        let event = CaseChange::Settled {
            field: FieldValue::label(&conflict.field).to_owned(),
            kept: kept.display(),
            discarded: discarded.display(),
        };
        self.record(
            case_id,
            Op::Edit {
                event,
                sets,
                settles: vec![conflict.reference()],
            },
            user,
        )
    }

    /// Removes a case opened by mistake (managers; the server checks).
    pub fn delete(&self, case_id: Id, reason: &str, user: &str) -> Result<(), SaveError> {
        self.file(case_id)?;
        let reason = reason.trim();
        if reason.is_empty() {
            let mut p = Problems::default();
            p.add("reason", "Say why the case is deleted.");
            return Err(SaveError::Invalid(p));
        }
        self.record(
            case_id,
            Op::Delete {
                reason: reason.to_owned(),
            },
            user,
        )
    }

    /// Forgets a change the server refused.
    pub fn discard_set_aside(&self, case_id: Id, change: Id) -> Result<(), SaveError> {
        self.transact(|r| {
            r.discard(case_id, change);
            Ok(((), one(case_id)))
        })
    }

    /// Sends a refused change again, as the signed-in user.
    pub fn resend_set_aside(&self, case_id: Id, change: Id, user: &str) -> Result<(), SaveError> {
        let now = clock::now();
        let id = clock::new_id();
        self.transact(|r| {
            r.resend(case_id, change, id, user, now, clock::now_ms())
                .ok_or(SaveError::NotFound)?;
            Ok(((), one(case_id)))
        })
    }

    /// Everything about patients leaves the device (signing out); the
    /// device id and sequence stay, so nothing sent is ever numbered again.
    pub fn wipe(&self) {
        let ids: BTreeSet<Id> = self
            .replica
            .with_value(|r| advocase_core::order::set_of(r.logs.keys().copied()));
        self.replica.update_value(|r| {
            r.logs.clear();
            r.state.cursor = 0;
            r.forget_own();
        });
        let _ = self.persist(&ids);
        // No rows written after this: the next person's start makes theirs.
        if let Some(t) = self.listing_timer.get_value() {
            t.clear();
        }
        for key in self.store.with_value(|s| s.keys()) {
            if key == LIST {
                // Never journaled: nothing to erase there.
                self.store.with_value(|s| s.remove(&key));
            } else if key.starts_with(QUARANTINE_PREFIX)
                || key.starts_with("draft.")
                || key == layout::REPORT_COPY
            {
                self.store.with_value(|s| s.remove(&key));
                self.journal(key, None);
            }
        }
        self.quarantined.set(Vec::new());
    }

    /// Drops the caseload from memory when the device locks (the records
    /// stay on the device, sealed); [`Cases::reopen`] reads them again.
    pub fn forget(&self) {
        self.generation.update_value(|g| *g += 1);
        self.reading.set(false);
        if let Some(t) = self.listing_timer.get_value() {
            t.clear();
        }
        self.replica.update_value(|r| r.logs.clear());
        self.touched.set_value(None);
        self.caseload.set(Caseload::new(Vec::new()));
        self.quarantined.set(Vec::new());
    }

    /// What changed since the last call: `None` means everything (My day
    /// then computes the whole page), else the cases to look at again.
    pub fn take_touched(&self) -> Option<BTreeSet<Id>> {
        self.touched
            .try_update_value(|t| t.replace(BTreeSet::new()))
            .flatten()
    }

    pub fn discard_quarantined(&self, key: &str) {
        self.store.with_value(|s| discard_quarantined(s, key));
        self.quarantined.update(|q| q.retain(|x| x.key != key));
    }
}

/// The set of one case: `BTreeSet::from([id])` would compile a sort of its
/// own for nothing (see advocase_core::order).
fn one(id: Id) -> BTreeSet<Id> {
    let mut set = BTreeSet::new();
    set.insert(id);
    set
}
