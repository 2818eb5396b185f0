//! A device's supplies: the changes it holds of the units it keeps, which
//! of its own are unsent or refused, and its place in the server's supply
//! stream. Pure, like the case [`Replica`]: the client persists it after
//! each step, `tests/supplies.rs` drives many of them against a model
//! server with lost answers, retries and repeated pages.
//!
//! The same promises as for cases: a change is kept on the device from the
//! moment it is recorded until the server has stored it (or refused it,
//! when it waits for a person); a retried push carries the same
//! `(device, seq)` and is stored once; a page pulled twice merges to the
//! same.
//!
//! [`Replica`]: crate::replica::Replica

use serde::{Deserialize, Serialize};

use super::book::Book;
use super::change::{SupplyChange, SupplyOp};
use super::wire::SupplyPage;
use crate::api::ApiError;
use crate::hlc::{Clock, Timestamp};
use crate::id::Id;
use crate::sync::{Outcome, PushResult};

/// One change held, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Held {
    pub change: SupplyChange,
    /// The server's number, once stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced: Option<u64>,
    /// Why the server refused it: kept, shown, never applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<ApiError>,
}
crate::record!(Held);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyReplica {
    pub device: Id,
    /// The sequence number of this device's next supply change.
    pub next_seq: u64,
    /// The server's supply sequence number up to which this device pulled.
    pub cursor: u64,
    pub clock: Timestamp,
    /// Every change held, in the order it came.
    pub held: Vec<Held>,
}
crate::record!(SupplyReplica);

impl SupplyReplica {
    pub fn new(device: Id) -> Self {
        SupplyReplica {
            device,
            next_seq: 1,
            cursor: 0,
            clock: Clock::new(device.node()).last(),
            held: Vec::new(),
        }
    }

    /// After reading it back: its own changes are the truth for sequence
    /// numbers, so a number is never given out twice.
    pub fn restored(mut self) -> Self {
        for h in &self.held {
            if h.change.device == self.device {
                self.next_seq = self.next_seq.max(h.change.seq + 1);
            }
            self.clock = self.clock.max(h.change.hlc);
        }
        self
    }

    /// Records a local change (the caller brings its id and time) and
    /// returns it; the caller then persists the replica.
    pub fn record(
        &mut self,
        id: Id,
        unit: &str,
        op: SupplyOp,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
        now_ms: u64,
    ) -> SupplyChange {
        let mut clock = Clock::resume(self.clock);
        let hlc = clock.tick(now_ms);
        self.clock = hlc;
        let change = SupplyChange {
            id,
            unit: unit.to_owned(),
            device: self.device,
            seq: self.next_seq,
            hlc,
            by: by.to_owned(),
            at,
            op,
        };
        self.next_seq += 1;
        self.held.push(Held {
            change: change.clone(),
            synced: None,
            refused: None,
        });
        change
    }

    /// This device's unsent changes, oldest first, at most `max`.
    pub fn outbox(&self, max: usize) -> Vec<SupplyChange> {
        let mut mine: Vec<&Held> = self.held.iter().filter(|h| self.is_unsent(h)).collect();
        crate::order::sort_by_key(&mut mine, |h| h.change.seq);
        mine.into_iter()
            .take(max)
            .map(|h| h.change.clone())
            .collect()
    }

    /// This device's own change, not yet stored nor refused.
    pub fn is_unsent(&self, h: &Held) -> bool {
        h.change.device == self.device && h.synced.is_none() && h.refused.is_none()
    }

    pub fn pending(&self) -> usize {
        self.held.iter().filter(|h| self.is_unsent(h)).count()
    }

    /// The server's answers to a push of `sent`.
    pub fn on_push(&mut self, sent: &[SupplyChange], results: &[PushResult]) {
        for r in results {
            if !sent.iter().any(|c| c.id == r.id && c.seq == r.seq) {
                continue;
            }
            let Some(h) = self.held.iter_mut().find(|h| h.change.id == r.id) else {
                continue;
            };
            match &r.outcome {
                Outcome::Stored {
                    server_seq, hlc, ..
                } => {
                    h.synced = Some(*server_seq);
                    h.change.hlc = *hlc;
                }
                Outcome::Refused { reason } => h.refused = Some(reason.clone()),
            }
        }
    }

    /// Takes in a pulled page and moves the cursor past it.
    pub fn on_pull(&mut self, page: &SupplyPage, now_ms: u64) {
        let mut clock = Clock::resume(self.clock);
        for p in &page.changes {
            clock.observe(p.change.hlc, now_ms);
            match self.held.iter_mut().find(|h| h.change.id == p.change.id) {
                // Its own, stored while the answer was lost: stored now.
                Some(h) => {
                    h.synced = Some(p.server_seq);
                    h.refused = None;
                    h.change = p.change.clone();
                }
                // Held once and trimmed since: its own after the push
                // answered, or a page taken again. Taking it back without
                // what trimmed it would show an older run as the last.
                None if p.change.device == self.device || p.server_seq <= self.cursor => {}
                None => self.held.push(Held {
                    change: p.change.clone(),
                    synced: Some(p.server_seq),
                    refused: None,
                }),
            }
        }
        self.clock = clock.last();
        self.cursor = self.cursor.max(page.next);
    }

    /// A unit's supplies as this device knows them: every change held but
    /// the refused.
    pub fn book(&self, unit: &str) -> Book {
        let key = crate::directory::unit_key(unit);
        Book::fold(
            self.held
                .iter()
                .filter(|h| {
                    h.refused.is_none() && crate::directory::unit_key(&h.change.unit) == key
                })
                .map(|h| &h.change),
        )
    }

    /// The units this device holds supplies of, as first named.
    pub fn units(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        self.held
            .iter()
            .map(|h| h.change.unit.as_str())
            .filter(|u| seen.insert(crate::directory::unit_key(u)))
            .collect()
    }

    /// Lets go of what the server has stored and no longer shapes what
    /// the tablet shows ([`Book::shown`]): an item's counts before its last
    /// run (but the one just before), its checks before the last, requests
    /// filled, rounds long past.
    /// The server keeps them all, for the reports. Without this, every
    /// count would save a record growing by a round a day (390 KB after
    /// one day of a 150-item unit, 5.5 MB after a month: past the
    /// browser's quota). Returns how many were dropped.
    ///
    /// Only stored changes are weighed and dropped: an unsent one may
    /// still be refused, and the view would then fall back on what it
    /// overtook.
    pub fn trim(&mut self) -> usize {
        let keep = kept(&self.held);
        let before = self.held.len();
        let mut at = 0;
        self.held.retain(|_| {
            at += 1;
            keep[at - 1]
        });
        before - self.held.len()
    }

    /// Changes the server refused, waiting for a person.
    pub fn refused(&self) -> impl Iterator<Item = &Held> {
        self.held.iter().filter(|h| h.refused.is_some())
    }

    /// Lets a refused change go (the person read why).
    pub fn discard(&mut self, id: Id) -> bool {
        let before = self.held.len();
        self.held
            .retain(|h| h.change.id != id || h.refused.is_none());
        self.held.len() != before
    }
}

/// The rounds a device keeps whatever their counts: today's, and enough
/// before it that a clock a little off cannot hide it.
pub const ROUNDS_KEPT: usize = 7;

/// Where a change stands in the fold's order.
type Place = (Timestamp, Id);

/// Which of `held` [`SupplyReplica::trim`] keeps, by place.
fn kept(held: &[Held]) -> Vec<bool> {
    use std::collections::{HashMap, HashSet};
    let stored = |h: &Held| h.synced.is_some() && h.refused.is_none();
    // The stored changes, weighed newest first in the fold's order.
    let mut order: Vec<usize> = (0..held.len()).filter(|&i| stored(&held[i])).collect();
    crate::order::sort_by_key(&mut order, |&i| {
        let c = &held[i].change;
        std::cmp::Reverse((c.hlc, c.id))
    });
    let keys: Vec<String> = held
        .iter()
        .map(|h| crate::directory::unit_key(&h.change.unit))
        .collect();
    let unit = |i: usize| keys[i].clone();
    let mut checked: HashSet<(String, Id)> = HashSet::new();
    let mut counted_in: HashSet<(String, Id)> = HashSet::new();
    let mut done: HashSet<Id> = HashSet::new();
    // An item counted on this device and not yet stored keeps all its
    // counts: the runs are cut by every count, sent or not, and a count
    // dropped between two unsent ones could join their runs.
    let unsent: HashSet<(String, Id)> = held
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match &h.change.op {
            SupplyOp::Count { item, .. } if h.synced.is_none() && h.refused.is_none() => {
                Some((unit(i), *item))
            }
            _ => None,
        })
        .collect();
    let mut drop = vec![false; held.len()];
    // Each item's stored counts, newest first.
    let mut counts: HashMap<(String, Id), Vec<(usize, Id)>> = HashMap::new();
    for &i in &order {
        let key = unit(i);
        match &held[i].change.op {
            SupplyOp::Count { item, round, .. } => {
                counts.entry((key, *item)).or_default().push((i, *round))
            }
            SupplyOp::Check { item, .. } => drop[i] = !checked.insert((key, *item)),
            SupplyOp::Fill { request } => {
                done.insert(*request);
            }
            _ => {}
        }
    }
    for (key, list) in counts {
        // Where the last run ends, going back in time.
        let last = list[0].1;
        let run = list.iter().position(|c| c.1 != last).unwrap_or(list.len());
        // A count that settled something stays (what it settled would
        // open again without it: a person's decision, rare), and so does
        // every count after it, or its run could join another. An item
        // counted and not yet stored keeps all.
        let pinned = list[run..].iter().rposition(|&(i, _)| {
            matches!(&held[i].change.op, SupplyOp::Count { settles, .. } if !settles.is_empty())
        });
        // The newest count before the last run stays too: it keeps the
        // run apart from a count that comes in later, older than it.
        let from = if unsent.contains(&key) || run == list.len() {
            list.len()
        } else {
            run + 1 + pinned.unwrap_or(0)
        };
        for &(_, round) in &list[..from] {
            counted_in.insert((key.0.clone(), round));
        }
        for &(i, _) in &list[from..] {
            drop[i] = true;
        }
    }
    // The rounds kept: each unit's latest, by where the fold places them
    // (their first start among all that is held), those a kept count is
    // in, and those an unsent start names; of the rest every start goes.
    let mut first: HashMap<(String, Id), Place> = HashMap::new();
    let mut kept_rounds = counted_in;
    for (i, h) in held.iter().enumerate() {
        if let (SupplyOp::StartRound { round }, None) = (&h.change.op, &h.refused) {
            let key = (unit(i), *round);
            let at = (h.change.hlc, h.change.id);
            let e = first.entry(key.clone()).or_insert(at);
            *e = (*e).min(at);
            if h.synced.is_none() {
                kept_rounds.insert(key);
            }
        }
    }
    let mut latest: Vec<(&(String, Id), &Place)> = first.iter().collect();
    crate::order::sort_by_key(&mut latest, |(_, at)| std::cmp::Reverse(**at));
    let mut per_unit: HashMap<&str, usize> = HashMap::new();
    for (key, _) in latest {
        let n = per_unit.entry(key.0.as_str()).or_default();
        *n += 1;
        if *n <= ROUNDS_KEPT {
            kept_rounds.insert(key.clone());
        }
    }
    for &i in &order {
        match &held[i].change.op {
            SupplyOp::StartRound { round } => {
                drop[i] = !kept_rounds.contains(&(unit(i), *round));
            }
            SupplyOp::Request { request } => drop[i] = done.contains(&request.id),
            _ => {}
        }
    }
    // A fill goes with its request: never while the request stays (it
    // would show open again), nor before it is stored.
    let staying: HashSet<Id> = held
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match &h.change.op {
            SupplyOp::Request { request } if !drop[i] => Some(request.id),
            _ => None,
        })
        .collect();
    for &i in &order {
        if let SupplyOp::Fill { request } = &held[i].change.op {
            drop[i] = !staying.contains(request);
        }
    }
    drop.into_iter().map(|d| !d).collect()
}
