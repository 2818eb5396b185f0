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

mod layout;

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

    /// Starts a discharge checklist from `template` as this device has it.
    pub fn start_checklist(
        &self,
        case_id: Id,
        template: &Template,
        user: &str,
    ) -> Result<Id, SaveError> {
        let id = clock::new_id();
        let op = self
            .file(case_id)?
            .start_checklist(template, clock::new_id, id)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)?;
        Ok(id)
    }

    pub fn add_item(
        &self,
        case_id: Id,
        checklist: Id,
        draft: &ItemDraft,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .add_item(checklist, draft, clock::new_id())
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    /// Sets fields of one item; each merges on its own when synced.
    pub fn set_item(
        &self,
        case_id: Id,
        checklist: Id,
        item: Id,
        values: Vec<ItemValue>,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .set_item(checklist, item, values)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn settle_item(
        &self,
        case_id: Id,
        conflict: &ItemConflict,
        restore_lost: bool,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .settle_item(conflict, restore_lost)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    /// A follow-up on the case (`from`: the interaction it came from).
    pub fn add_task(
        &self,
        case_id: Id,
        draft: &TaskDraft,
        from: Option<Id>,
        user: &str,
    ) -> Result<Id, SaveError> {
        let file = self.file(case_id)?;
        let task = draft
            .validate(clock::new_id(), from, &clock::actor(user))
            .map_err(SaveError::Invalid)?;
        let id = task.id;
        let op = file.add_task(task).map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)?;
        Ok(id)
    }

    /// Sets fields of one follow-up (done, cancelled, reassigned, moved…);
    /// each merges on its own when synced.
    pub fn set_task(
        &self,
        case_id: Id,
        task: Id,
        values: Vec<TaskValue>,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .set_task(task, values)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn settle_task(
        &self,
        case_id: Id,
        conflict: &TaskConflict,
        restore_lost: bool,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .settle_task(conflict, restore_lost)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn escalate(
        &self,
        case_id: Id,
        draft: &EscalationDraft,
        user: &str,
    ) -> Result<(), SaveError> {
        self.file(case_id)?;
        let escalation = draft
            .validate(clock::new_id(), &clock::actor(user))
            .map_err(SaveError::Invalid)?;
        self.record(
            case_id,
            Op::Escalate {
                escalation: Box::new(escalation),
            },
            user,
        )
    }

    /// Acknowledges, answers or passes on one of the case's escalations.
    pub fn respond(
        &self,
        case_id: Id,
        escalation: Id,
        answer: Answer,
        user: &str,
    ) -> Result<(), SaveError> {
        let response = Response {
            id: clock::new_id(),
            escalation,
            answer,
            by: user.to_owned(),
            at: clock::now(),
        };
        let op = self
            .file(case_id)?
            .respond(response)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
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

    // What sync calls. Each persists before the next network step, so an
    // interruption at any point loses nothing and repeats nothing.

    pub fn outbox(&self, max: usize) -> Vec<Change> {
        self.replica.with_value(|r| r.outbox(max))
    }

    /// Who recorded the changes still waiting to be sent.
    pub fn unsent_authors(&self) -> Vec<String> {
        let mut who: Vec<String> = self
            .replica
            .with_value(|r| r.outbox(usize::MAX))
            .into_iter()
            .map(|c| c.by)
            .collect();
        advocase_core::order::sort(&mut who);
        who.dedup();
        who
    }

    /// The pull's query: after the cursor, leaving out this device's own
    /// changes it holds (`Replica::own_from`).
    pub fn pull_query(&self) -> String {
        self.replica.with_value(|r| {
            format!(
                "after={}&device={}&own_from={}",
                r.state.cursor, r.state.device, r.own_from
            )
        })
    }

    pub fn on_push(&self, sent: &[Change], results: &[PushResult]) -> Result<(), SaveError> {
        self.transact(|r| Ok(((), r.on_push(sent, results))))
    }

    /// Sets one change aside locally, when the server could not even read it
    /// (it refused the request, not the change).
    pub fn refuse(&self, change: &Change, reason: Refusal) -> Result<(), SaveError> {
        self.transact(|r| {
            let log = r.logs.get_mut(&change.case_id).ok_or(SaveError::NotFound)?;
            let mut entry = log.get(change.id).cloned().ok_or(SaveError::NotFound)?;
            entry.refused = Some(reason);
            log.put(entry);
            Ok(((), one(change.case_id)))
        })
    }

    pub fn on_pull(&self, page: &PullPage) -> Result<(), SaveError> {
        let now_ms = clock::now_ms();
        self.transact(|r| Ok(((), r.on_pull(page, now_ms))))
    }

    pub fn incomplete(&self) -> Vec<Id> {
        self.replica.with_value(Replica::incomplete)
    }

    pub fn on_history(&self, case: Id, changes: &[Pulled]) -> Result<(), SaveError> {
        let now_ms = clock::now_ms();
        self.transact(|r| {
            r.take_history(case, changes, now_ms);
            Ok(((), one(case)))
        })
    }

    /// Drops what the device need not keep (see `Replica::evict`).
    pub fn evict(&self, hidden: &[Id], keep_closed_days: u32) -> Result<usize, SaveError> {
        let now = clock::now();
        self.transact(|r| {
            let gone = r.evict(hidden, now, keep_closed_days);
            Ok((gone.len(), advocase_core::order::set_of(gone)))
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

    /// Reads the store again, whole, before returning (after another
    /// person's sign-in emptied it; tests).
    pub fn reload(&self) {
        self.generation.update_value(|g| *g += 1);
        let store = self.store.get_value();
        let mut opening = Opening::start(&store);
        for i in 0..opening.entries.len() {
            opening.read(&store, i);
        }
        self.finish(opening, None);
    }

    /// Reads the store again, as at start (after an unlock): the stored
    /// list rows whose logs are stored as they were made from show at once
    /// (`advocase_core::listing`), with the logs written since read first;
    /// every log is then read in slices, each a few dozen milliseconds
    /// so the list answers meanwhile, and the caseload is set whole from
    /// them. Without usable rows it is [`Cases::reload`].
    pub fn reopen(&self) {
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        let store = self.store.get_value();
        let mut opening = Opening::start(&store);
        let listed = read_listing(&store);
        let id_of = |key: &str| key.strip_prefix(CASE_PREFIX)?.parse::<Id>().ok();
        let checked = listed.as_ref().map(|l| {
            l.check(
                opening
                    .entries
                    .iter()
                    .filter_map(|(k, raw)| Some((id_of(k)?, listing::stamp(raw)))),
            )
        });
        // Worth it when most rows stand: else read everything now.
        let Some(checked) = checked.filter(|c| c.unlisted.len() * 4 <= opening.entries.len())
        else {
            for i in 0..opening.entries.len() {
                opening.read(&store, i);
            }
            return self.finish(opening, listed);
        };
        let mut load = Caseload::default();
        for row in checked.rows {
            load.list_row(row);
        }
        let mut rest = Vec::new();
        for i in 0..opening.entries.len() {
            if id_of(&opening.entries[i].0).is_some_and(|id| !checked.unlisted.contains(&id)) {
                rest.push(i);
            // Logs written after the rows (or never listed): read before showing.
            } else if let Some(id) = opening.read(&store, i)
                && let Some(file) = opening.logs.get(&id).and_then(visible)
            {
                load.put(file);
            }
        }
        self.touched.set_value(None);
        self.caseload.set(load);
        self.quarantined.set(opening.quarantined.clone());
        self.read_only.set(opening.read_only.clone());
        self.unsent.set(unsent_count(&store));
        self.reading.set(true);
        let cases = *self;
        leptos::task::spawn_local(async move {
            let mut rest = rest.into_iter().peekable();
            while rest.peek().is_some() {
                // Let the list draw and answer before each slice.
                crate::sync::pause(0).await;
                if cases.generation.get_value() != generation {
                    return;
                }
                let until = clock::now_ms() + SLICE_MS;
                for i in rest.by_ref() {
                    opening.read(&store, i);
                    if clock::now_ms() >= until {
                        break;
                    }
                }
            }
            cases.finish(opening, listed);
        });
    }

    /// Every log is read: the caseload, replica and counts from them.
    fn finish(&self, opening: Opening, listed: Option<Listing>) {
        let store = self.store.get_value();
        let mut stamps: Vec<(Id, String)> = opening
            .entries
            .iter()
            .filter_map(|(k, raw)| {
                let id = k.strip_prefix(CASE_PREFIX)?.parse().ok()?;
                Some((id, listing::stamp(raw).to_owned()))
            })
            .collect();
        advocase_core::order::sort_by_key(&mut stamps, |s| s.0);
        let opened = opening.finish(&store);
        let load = Caseload::new(opened.replica.logs.values().filter_map(visible));
        // Rows missing or behind (the first start of this build, a browser
        // closed before they were written): written once the list shows.
        // Each log read counts (a deleted case's too, without a row); not
        // those set aside, nor older layouts' files (written again above).
        let now = stamps
            .into_iter()
            .filter(|(id, _)| opened.replica.logs.contains_key(id))
            .map(|(id, stamp)| (id, stamp, load.row(&id).cloned()));
        if listed.is_none_or(|l| !l.rows.into_iter().eq(now)) {
            self.listing_after(0);
        }
        self.touched.set_value(None);
        self.caseload.set(load);
        self.quarantined.set(opened.quarantined);
        self.read_only.set(opened.read_only);
        self.unsent.set(opened.replica.pending());
        self.replica.set_value(opened.replica);
        self.reading.set(false);
    }

    /// Resolves once no start is reading the logs (writes and sync wait).
    pub async fn ready(&self) {
        while self.reading.get_untracked() {
            crate::sync::pause(20).await;
        }
    }

    /// Writes the list rows a little after the last write (a burst of
    /// saves, a pull page: one write), never in a save's way.
    fn listing_after(&self, ms: u64) {
        if let Some(t) = self.listing_timer.get_value() {
            t.clear();
        }
        let cases = *self;
        let handle = set_timeout_with_handle(
            move || {
                if !cases.reading.get_untracked() && crate::storage::unlocked() {
                    let store = cases.store.get_value();
                    // Each log as stored now, with the row it makes.
                    let rows = cases.replica.with_value(|r| {
                        cases.caseload.with_untracked(|load| {
                            r.logs
                                .keys()
                                .filter_map(|id| {
                                    let raw = store.get_raw(&format!("{CASE_PREFIX}{id}"))?;
                                    let stamp = listing::stamp(&raw).to_owned();
                                    Some((*id, stamp, load.row(id).cloned()))
                                })
                                .collect()
                        })
                    });
                    write_listing(&store, &Listing { rows });
                }
            },
            std::time::Duration::from_millis(ms),
        )
        .ok();
        self.listing_timer.set_value(handle);
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
