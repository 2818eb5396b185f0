//! A device as the server sees it: an id, numbered changes, a clock. It
//! makes the changes a real client would (through core's own validation),
//! with none of the client's storage.

#![allow(dead_code)] // each test file uses its own part of this

use std::sync::atomic::{AtomicU64, Ordering};

use advocase_core::case::{Actor, CaseChange, CaseDraft, CaseRules, Priority};
use advocase_core::change::{Change, FieldSet, FieldValue, Op};
use advocase_core::hlc::Clock;
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::sync::PushRequest;
use chrono::{DateTime, Utc};

/// Ids unique within the test process and sorted by creation.
pub fn new_id() -> Id {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&n.to_be_bytes());
    random[8..].copy_from_slice(&(std::process::id() as u16).to_be_bytes());
    Id::new_v7(advocase_server::now_ms(), random)
}

pub struct Device {
    pub id: Id,
    pub user: String,
    pub next_seq: u64,
    clock: Clock,
    /// Added to the real time: a tablet whose date is wrong.
    pub skew_ms: i64,
}

impl Device {
    pub fn new(user: &str) -> Self {
        let id = new_id();
        Device {
            id,
            user: user.into(),
            next_seq: 1,
            clock: Clock::new(id.node()),
            skew_ms: 0,
        }
    }

    fn now(&self) -> (u64, DateTime<Utc>) {
        let ms = advocase_server::now_ms() as i64 + self.skew_ms;
        (ms as u64, DateTime::from_timestamp_millis(ms).unwrap())
    }

    fn actor(&self) -> Actor {
        let (_, now) = self.now();
        Actor {
            user: self.user.clone(),
            now,
            today: now.date_naive(),
        }
    }

    /// The next change of this device: numbered, timestamped, signed.
    pub fn change(&mut self, id: Id, case_id: Id, op: Op) -> Change {
        let (ms, now) = self.now();
        let seq = self.next_seq;
        self.next_seq += 1;
        Change {
            id,
            case_id,
            device: self.id,
            seq,
            hlc: self.clock.tick(ms),
            by: self.user.clone(),
            at: now,
            op,
        }
    }

    /// Opens a case in `unit`, assigned to this device's user.
    pub fn open(&mut self, unit: &str) -> Change {
        self.open_draft(&CaseDraft {
            patient_name: "Test Patient".into(),
            unit: unit.into(),
            kind: "complaint".into(),
            description: "Call bell not answered".into(),
            ..CaseDraft::default()
        })
    }

    /// Opens the case `draft` describes (validated as the app would).
    pub fn open_draft(&mut self, draft: &CaseDraft) -> Change {
        let id = new_id();
        let case = draft
            .validate(id, &self.actor(), &CaseRules::default())
            .unwrap();
        self.change(
            id,
            id,
            Op::Open {
                case: Box::new(case),
            },
        )
    }

    /// Logs the interaction `draft` describes on `case_id`.
    pub fn log_draft(&mut self, case_id: Id, draft: &InteractionDraft) -> Change {
        let id = new_id();
        let interaction = draft.validate(id, case_id, None, &self.actor()).unwrap();
        self.change(
            id,
            case_id,
            Op::Log {
                interaction: Box::new(interaction),
            },
        )
    }

    pub fn log(&mut self, case_id: Id) -> Change {
        let id = new_id();
        let interaction = InteractionDraft {
            channel: "bedside_visit".into(),
            with: "patient".into(),
            summary: "Visited; bell fixed".into(),
            ..InteractionDraft::default()
        }
        .validate(id, case_id, None, &self.actor())
        .unwrap();
        self.change(
            id,
            case_id,
            Op::Log {
                interaction: Box::new(interaction),
            },
        )
    }

    pub fn set_priority(&mut self, case_id: Id, to: Priority) -> Change {
        let event = CaseChange::Edited {
            field: "priority".into(),
            from: "Normal".into(),
            to: to.label().into(),
        };
        self.edit(case_id, event, FieldValue::Priority(to))
    }

    pub fn reassign(&mut self, case_id: Id, from: &str, to: &str) -> Change {
        let event = CaseChange::Reassigned {
            from: from.into(),
            to: to.into(),
        };
        self.edit(case_id, event, FieldValue::Assignee(to.into()))
    }

    fn edit(&mut self, case_id: Id, event: CaseChange, value: FieldValue) -> Change {
        let op = Op::Edit {
            event,
            sets: vec![FieldSet { value, base: None }],
            settles: vec![],
        };
        self.change(new_id(), case_id, op)
    }

    pub fn delete(&mut self, case_id: Id) -> Change {
        let op = Op::Delete {
            reason: "Opened twice by mistake".into(),
        };
        self.change(new_id(), case_id, op)
    }

    pub fn batch<'a>(&self, changes: impl IntoIterator<Item = &'a Change>) -> PushRequest {
        PushRequest {
            device: self.id,
            changes: changes.into_iter().cloned().collect(),
        }
    }
}
