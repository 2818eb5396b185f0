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
        let mut mine: Vec<&Held> = self.held.iter().filter(|h| self.unsent(h)).collect();
        crate::order::sort_by_key(&mut mine, |h| h.change.seq);
        mine.into_iter()
            .take(max)
            .map(|h| h.change.clone())
            .collect()
    }

    fn unsent(&self, h: &Held) -> bool {
        h.change.device == self.device && h.synced.is_none() && h.refused.is_none()
    }

    pub fn pending(&self) -> usize {
        self.held.iter().filter(|h| self.unsent(h)).count()
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
