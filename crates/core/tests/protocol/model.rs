//! The model server: what `crates/server/src/changes/` does in SQL, kept in
//! memory with the same acceptance rules (`advocase_core::sync::accept`),
//! deciding as the server does from each case's summary, never its fold.
//! After every change it stores, the summary's holders must equal the
//! fold's: the summary's invariant, checked on every run.

use std::collections::{BTreeSet, HashMap};

use advocase_core::access::User;
use advocase_core::caseload::CaseFile;
use advocase_core::directory::UnitIndex;
use advocase_core::id::Id;
use advocase_core::log::CaseLog;
use advocase_core::summary::{CaseSummary, Holding};
use advocase_core::sync::{
    Outcome, PullPage, Pulled, PushRequest, PushResponse, PushResult, accept,
};

/// The server, in memory: a numbered change stream, per-case logs, and the
/// idempotency ledger keyed by (device, seq).
#[derive(Default)]
pub struct Server {
    pub stream: Vec<Pulled>,
    pub cases: HashMap<Id, CaseLog>,
    summaries: HashMap<Id, CaseSummary>,
    received: HashMap<(Id, u64), (Id, Outcome)>,
}

impl Server {
    pub fn file(&self, case: Id) -> Option<CaseFile> {
        self.cases.get(&case).and_then(CaseLog::fold)
    }

    /// Who may see `case`, from its summary as the server keeps it.
    fn holding(&self, case: Id) -> Option<Holding> {
        self.summaries.get(&case).and_then(CaseSummary::holders)
    }

    /// The summary's invariant: its holders are the fold's.
    fn check_summary(&self, case: Id) {
        let folded = self.file(case).map(|f| Holding {
            unit: f.case.patient.unit.clone(),
            assignee: f.case.assignee.clone(),
            created_by: f.case.created_by.clone(),
            involved: f.case.involved(),
        });
        assert_eq!(
            self.holding(case),
            folded,
            "case {case}: summary and fold disagree"
        );
        // The server keeps it as JSON between pushes.
        let summary = &self.summaries[&case];
        let json = serde_json::to_string(summary).expect("a summary encodes");
        let back: CaseSummary = serde_json::from_str(&json).expect("a summary decodes");
        assert_eq!(&back, summary);
        let deleted = self.file(case).is_some_and(|f| f.deleted.is_some());
        assert_eq!(
            self.summaries
                .get(&case)
                .is_some_and(CaseSummary::is_deleted),
            deleted
        );
    }

    pub fn push(&mut self, user: &User, req: &PushRequest, now_ms: u64) -> PushResponse {
        let mut results = Vec::new();
        for c in &req.changes {
            let key = (c.device, c.seq);
            let outcome = match self.received.get(&key) {
                Some((id, outcome)) if *id == c.id => outcome.clone().replayed(),
                Some(_) => panic!("a device reused a sequence number"),
                None => {
                    let holding = self.holding(c.case_id);
                    let holders = holding.as_ref().map(Holding::holders);
                    let outcome =
                        match accept(user, c, holders.as_ref(), &UnitIndex::default(), now_ms) {
                            Ok(stored) => {
                                let server_seq = self.stream.len() as u64 + 1;
                                self.stream.push(Pulled {
                                    server_seq,
                                    change: stored.clone(),
                                });
                                let hlc = stored.hlc;
                                self.summaries.entry(c.case_id).or_default().add(&stored);
                                self.cases
                                    .entry(c.case_id)
                                    .or_default()
                                    .merge_synced(stored, server_seq);
                                self.check_summary(c.case_id);
                                Outcome::Stored {
                                    server_seq,
                                    hlc,
                                    duplicate: false,
                                }
                            }
                            Err(reason) => Outcome::Refused { reason },
                        };
                    self.received.insert(key, (c.id, outcome.clone()));
                    outcome
                }
            };
            results.push(PushResult {
                id: c.id,
                seq: c.seq,
                outcome,
            });
        }
        PushResponse { results }
    }

    /// `own`: the device asking and the first of its sequence numbers it
    /// holds as it recorded them: those changes are not sent back.
    pub fn pull(&self, user: &User, after: u64, limit: usize, own: (Id, u64)) -> PullPage {
        let mut changes = Vec::new();
        let mut hidden = BTreeSet::new();
        let rest: Vec<&Pulled> = self
            .stream
            .iter()
            .filter(|p| p.server_seq > after)
            .collect();
        let page: Vec<&Pulled> = rest.iter().take(limit).copied().collect();
        for p in &page {
            let visible = self
                .holding(p.change.case_id)
                .is_some_and(|h| user.can_see_case_of(&h.holders(), &UnitIndex::default()));
            if visible {
                if p.change.device != own.0 || p.change.seq < own.1 {
                    changes.push((*p).clone());
                }
            } else {
                hidden.insert(p.change.case_id);
            }
        }
        PullPage {
            changes,
            hidden: hidden.into_iter().collect(),
            next: page.last().map_or(after, |p| p.server_seq),
            more: rest.len() > page.len(),
        }
    }

    pub fn history(&self, user: &User, case: Id) -> Vec<Pulled> {
        match self.holding(case) {
            Some(h) if user.can_see_case_of(&h.holders(), &UnitIndex::default()) => self
                .stream
                .iter()
                .filter(|p| p.change.case_id == case)
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
}
