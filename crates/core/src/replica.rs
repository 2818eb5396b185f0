//! A device's replica: its case logs, its place in the server's change
//! stream, and what it does with each sync message. Pure: the client
//! persists what it returns, the protocol test drives many of them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::caseload::CaseFile;
use crate::change::{Change, Op};
use crate::hlc::{Clock, Timestamp};
use crate::id::Id;
use crate::log::{CaseLog, Entry};
use crate::outbox;
use crate::sync::{Outcome, PullPage, Pulled, PushResult};

/// How long closed cases stay on a device after their last change.
pub const DEFAULT_KEEP_CLOSED_DAYS: u32 = 30;

/// What a device remembers about sync besides its logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SyncState {
    pub device: Id,
    /// The sequence number of this device's next change.
    pub next_seq: u64,
    /// The server's sequence number up to which this device has pulled.
    pub cursor: u64,
    pub clock: Timestamp,
    /// Cases the server stopped showing this device while it still had
    /// unsent or set-aside work on them: kept for that work, but whatever
    /// others did meanwhile never came, so their whole history is fetched
    /// again before they are trusted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub stale: BTreeSet<Id>,
}
crate::record!(SyncState);

#[derive(Debug, Clone)]
pub struct Replica {
    pub state: SyncState,
    pub logs: BTreeMap<Id, CaseLog>,
    /// This device's own changes numbered from here on are in `logs` as
    /// this run recorded them, so a pull need not send them back
    /// (`GET /api/sync/pull?…&device=…&own_from=…`, docs/SYNC.md). Never
    /// stored: set at every start, so a change written but lost with a
    /// killed browser comes back from the server, and moved past everything
    /// when the device forgets its patient data ([`Replica::forget_own`]).
    pub own_from: u64,
}

impl Replica {
    pub fn new(device: Id) -> Self {
        Replica {
            state: SyncState {
                device,
                next_seq: 1,
                cursor: 0,
                clock: Clock::new(device.node()).last(),
                stale: BTreeSet::new(),
            },
            logs: BTreeMap::new(),
            own_from: 1,
        }
    }

    /// Puts a stored state and logs back together. The logs are the truth
    /// for sequence numbers: a change written whose state update was lost
    /// must not have its number given out again.
    pub fn restore(state: SyncState, logs: BTreeMap<Id, CaseLog>) -> Self {
        let mut r = Replica {
            state,
            logs,
            own_from: 0,
        };
        for log in r.logs.values() {
            for e in &log.entries {
                let c = &e.change;
                if c.device == r.state.device {
                    r.state.next_seq = r.state.next_seq.max(c.seq + 1);
                }
                if c.hlc > r.state.clock {
                    r.state.clock.wall_ms = c.hlc.wall_ms;
                    r.state.clock.counter = c.hlc.counter;
                }
            }
        }
        r.own_from = r.state.next_seq;
        r
    }

    /// The device no longer holds what it sent so far (signing out): the
    /// pulls from the start bring those changes back like anyone's.
    pub fn forget_own(&mut self) {
        self.own_from = self.state.next_seq;
    }

    fn clock(&self) -> Clock {
        Clock::resume(self.state.clock)
    }

    /// Records a local change (the caller brings its id and time) and
    /// returns it; the caller then persists `logs[case_id]`.
    pub fn record(
        &mut self,
        id: Id,
        case_id: Id,
        op: Op,
        by: &str,
        at: DateTime<Utc>,
        now_ms: u64,
    ) -> Change {
        let mut clock = self.clock();
        let hlc = clock.tick(now_ms);
        self.state.clock = hlc;
        let change = Change {
            id,
            case_id,
            device: self.state.device,
            seq: self.state.next_seq,
            hlc,
            by: by.to_owned(),
            at,
            op,
        };
        self.state.next_seq += 1;
        self.logs.entry(case_id).or_default().put(Entry {
            change: change.clone(),
            synced: None,
            refused: None,
        });
        change
    }

    pub fn outbox(&self, max: usize) -> Vec<Change> {
        outbox::next_batch(&self.logs, self.state.device, max)
    }

    pub fn pending(&self) -> usize {
        outbox::count(&self.logs)
    }

    /// Applies the server's answers to a push; returns the cases whose logs
    /// changed (to persist).
    pub fn on_push(&mut self, sent: &[Change], results: &[PushResult]) -> BTreeSet<Id> {
        let mut touched = BTreeSet::new();
        for r in results {
            let Some(change) = sent.iter().find(|c| c.id == r.id && c.seq == r.seq) else {
                continue;
            };
            let Some(log) = self.logs.get_mut(&change.case_id) else {
                continue;
            };
            let Some(mut entry) = log.get(change.id).cloned() else {
                continue;
            };
            match &r.outcome {
                Outcome::Stored {
                    server_seq, hlc, ..
                } => {
                    entry.synced = Some(*server_seq);
                    entry.change.hlc = *hlc;
                }
                Outcome::Refused { reason } => entry.refused = Some(reason.clone()),
            }
            log.put(entry);
            touched.insert(change.case_id);
        }
        touched
    }

    /// Takes in one pulled change; returns whether its case's log changed.
    pub fn take(&mut self, pulled: &Pulled, now_ms: u64) -> bool {
        let mut clock = self.clock();
        clock.observe(pulled.change.hlc, now_ms);
        self.state.clock = clock.last();
        self.logs
            .entry(pulled.change.case_id)
            .or_default()
            .merge_synced(pulled.change.clone(), pulled.server_seq)
    }

    /// Applies a pull page: returns the cases whose logs changed, and moves
    /// the cursor (only after the changes are in: the caller persists the
    /// logs before the state).
    pub fn on_pull(&mut self, page: &PullPage, now_ms: u64) -> BTreeSet<Id> {
        let mut touched = BTreeSet::new();
        for p in &page.changes {
            if self.take(p, now_ms) {
                touched.insert(p.change.case_id);
            }
        }
        self.state.cursor = self.state.cursor.max(page.next);
        touched
    }

    /// Cases this device holds changes of but not the opening, or holds
    /// stale (see [`SyncState::stale`]): their full history must be fetched.
    pub fn incomplete(&self) -> Vec<Id> {
        self.logs
            .iter()
            .filter(|(id, l)| {
                !l.entries.is_empty() && (!l.is_complete() || self.state.stale.contains(id))
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Takes a case's whole history from the server; the case is then
    /// complete and no longer stale.
    pub fn take_history(&mut self, case: Id, history: &[Pulled], now_ms: u64) -> bool {
        let mut changed = false;
        for p in history.iter().filter(|p| p.change.case_id == case) {
            changed |= self.take(p, now_ms);
        }
        // An empty answer is "not yours to see": stale it stays.
        if !history.is_empty() {
            changed |= self.state.stale.remove(&case);
        }
        changed
    }

    /// Drops what the device need not keep: cases the user may no longer
    /// see (`hidden`), deleted cases, and closed cases whose last change is
    /// older than `keep_closed_days` — never a case with anything unsent or
    /// set aside. Returns the dropped cases.
    pub fn evict(&mut self, hidden: &[Id], now: DateTime<Utc>, keep_closed_days: u32) -> Vec<Id> {
        // Saturating: "keep for ever" (a huge number of days) must not
        // overflow the calendar.
        let cutoff = chrono::Duration::try_days(i64::from(keep_closed_days))
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut gone = Vec::new();
        for (id, log) in &self.logs {
            if log.has_unsynced() && hidden.contains(id) {
                self.state.stale.insert(*id);
            }
            if log.has_unsynced() || log.entries.is_empty() {
                continue;
            }
            let drop = hidden.contains(id)
                || match log.fold() {
                    None => false,
                    Some(f) => {
                        f.deleted.is_some()
                            || (!f.case.status.is_active() && f.case.updated_at < cutoff)
                    }
                };
            if drop {
                gone.push(*id);
            }
        }
        for id in &gone {
            let log = self.logs.remove(id);
            self.state.stale.remove(id);
            // Its own changes the pulls have not passed yet are no longer
            // held: pulls must send them again (found by the protocol
            // property test: a deleted case dropped before the cursor
            // reached it came back as its opening alone).
            let (device, cursor, from) = (self.state.device, self.state.cursor, self.own_from);
            if log.is_some_and(|l| {
                l.entries.iter().any(|e| {
                    e.change.device == device
                        && e.change.seq >= from
                        && e.synced.is_some_and(|s| s > cursor)
                })
            }) {
                self.forget_own();
            }
        }
        gone
    }

    /// Brings in a case file kept before sync existed: its opening (with
    /// the history so far) and its interactions become this device's
    /// changes, waiting to be sent. Their ids are the case's and the
    /// interactions' own, so importing twice adds nothing.
    pub fn import(&mut self, file: &CaseFile, now_ms: u64) {
        let case_id = file.case.id;
        let known = |r: &Replica, id: Id| r.logs.get(&case_id).is_some_and(|l| l.get(id).is_some());
        if !known(self, case_id) {
            let c = &file.case;
            let op = Op::Open {
                case: Box::new(c.clone()),
            };
            self.record(case_id, case_id, op, &c.created_by, c.created_at, now_ms);
        }
        for i in &file.interactions {
            if !known(self, i.id) {
                let op = Op::Log {
                    interaction: Box::new(i.clone()),
                };
                self.record(i.id, case_id, op, &i.by, i.recorded_at, now_ms);
            }
        }
    }

    /// Forgets a change the server refused (a person chose to discard it).
    pub fn discard(&mut self, case_id: Id, change: Id) -> bool {
        let Some(log) = self.logs.get_mut(&case_id) else {
            return false;
        };
        let before = log.entries.len();
        log.entries
            .retain(|e| !(e.change.id == change && e.refused.is_some()));
        let changed = log.entries.len() != before;
        if log.entries.is_empty() {
            self.logs.remove(&case_id);
        }
        changed
    }

    /// Sends a refused change again as a new change by `by` (after the
    /// reason was dealt with, e.g. access granted): the refused one goes.
    pub fn resend(
        &mut self,
        case_id: Id,
        change: Id,
        new_id: Id,
        by: &str,
        at: DateTime<Utc>,
        now_ms: u64,
    ) -> Option<Change> {
        let op = self
            .logs
            .get(&case_id)?
            .get(change)
            .filter(|e| e.refused.is_some())?
            .change
            .op
            .clone();
        self.discard(case_id, change);
        Some(self.record(new_id, case_id, op, by, at, now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn own_changes_are_held_from_the_start_of_a_run_until_forgotten() {
        let device = Id::new_v7(1, [1; 10]);
        let now = sample::reference_now();
        let mut r = Replica::new(device);
        assert_eq!(r.own_from, 1);
        let file = sample::caseload(5, 1, 1, now).remove(0);
        r.import(&file, 1);
        assert_eq!((r.state.next_seq, r.own_from), (3, 1), "recorded now: held");
        // A new start: what earlier runs wrote may have been lost.
        let mut again = Replica::restore(r.state.clone(), r.logs.clone());
        assert_eq!(again.own_from, 3);
        // Sent, then deleted and dropped before the cursor reached it: the
        // pulls must bring all of it back.
        let case = file.case.id;
        for (i, e) in again
            .logs
            .get_mut(&case)
            .unwrap()
            .entries
            .iter_mut()
            .enumerate()
        {
            e.synced = Some(10 + i as u64);
        }
        let del = again.record(
            Id::new_v7(9, [9; 10]),
            case,
            Op::Delete {
                reason: "twice".into(),
            },
            "ana",
            now,
            2,
        );
        again
            .logs
            .get_mut(&case)
            .unwrap()
            .entries
            .last_mut()
            .unwrap()
            .synced = Some(20);
        assert_eq!(del.seq, 3);
        assert_eq!(again.evict(&[], now, 30), [case]);
        assert_eq!(again.own_from, 4, "forgotten: its own delete comes back");
        // Dropped once the cursor passed its changes: nothing to forget.
        let mut passed = Replica::restore(again.state.clone(), BTreeMap::new());
        passed.state.cursor = 30;
        passed.import(&sample::caseload(6, 1, 0, now).remove(0), 3);
        let id = *passed.logs.keys().next().unwrap();
        passed.logs.get_mut(&id).unwrap().entries[0].synced = Some(25);
        let before = passed.own_from;
        passed.evict(&[id], now, 30);
        assert_eq!(passed.own_from, before);
        passed.forget_own();
        assert_eq!(passed.own_from, passed.state.next_seq);
    }

    #[test]
    fn eviction_keeps_unsent_work_and_open_cases_and_never_overflows() {
        let now = sample::reference_now();
        let files = sample::caseload(3, 12, 2, now);
        let mut r = Replica::new(Id::new_v7(1, [1; 10]));
        for (i, f) in files.iter().enumerate() {
            r.import(f, 1);
            if i % 4 == 0 {
                let (event, values) = f
                    .case
                    .plan(crate::case::CaseCommand::Resolve {
                        summary: "Sorted".into(),
                    })
                    .unwrap();
                let sets = values
                    .into_iter()
                    .map(|value| crate::change::FieldSet { value, base: None })
                    .collect();
                let op = Op::Edit {
                    event,
                    sets,
                    settles: vec![],
                };
                r.record(Id::new_v7(2, [i as u8; 10]), f.case.id, op, "ana", now, 2);
            }
        }
        // Nothing is evicted while it is unsent, however old or hidden.
        let all: Vec<Id> = r.logs.keys().copied().collect();
        assert!(r.evict(&all, now, u32::MAX).is_empty());
        assert!(r.evict(&all, now, 0).is_empty());
        // Once synced, hidden cases go; closed ones go after the keep time.
        let mut seq = 0;
        for log in r.logs.values_mut() {
            for e in &mut log.entries {
                seq += 1;
                e.synced = Some(seq);
            }
        }
        let hidden = all[0];
        assert_eq!(r.evict(&[hidden], now, u32::MAX), vec![hidden]);
        let closed: Vec<Id> = r
            .logs
            .iter()
            .filter(|(_, l)| l.fold().is_some_and(|f| !f.case.status.is_active()))
            .map(|(id, _)| *id)
            .collect();
        assert!(!closed.is_empty(), "the sample has closed cases");
        let before = r.logs.len();
        assert!(r.evict(&[], now, u32::MAX).is_empty(), "kept for ever");
        let gone = r.evict(&[], now + chrono::Duration::days(10_000), 30);
        assert_eq!(gone.len(), closed.len());
        assert_eq!(r.logs.len(), before - closed.len(), "open cases stay");
    }
}
