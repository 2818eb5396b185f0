//! What a report needs of one case, taken from its fold: who, where, what
//! kind, when it was received, resolved and reopened, and each
//! interaction, follow-up, escalation and required discharge item reduced
//! to its times and kinds.
//!
//! The server keeps these beside each case (`cases.facts`), written with
//! the fold at every push, so a year's report over 50,000 cases reads a few
//! hundred bytes a case instead of parsing every case's whole state. They
//! are derived, never edited: [`CaseFacts::of`] is the one definition, on
//! the server and in the tests.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::caseload::CaseFile;
use crate::checklist::ItemState;
use crate::followup::TaskStatus;
use crate::id::Id;
use crate::interaction;
use crate::reference::{CaseKind, Channel, ComplaintCategory, Party, TaskKind, Urgency};
use crate::status::Status;

/// Milliseconds since the Unix epoch: compact on the wire and in the
/// database, and read without a date parser.
pub type Ms = i64;

pub fn ms(t: DateTime<Utc>) -> Ms {
    t.timestamp_millis()
}

pub fn instant(ms: Ms) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseFacts {
    pub id: Id,
    /// For the cases a figure or a suggestion links to.
    pub patient: String,
    /// As typed on the case; the server reads it through the hospital's
    /// structure before grouping.
    pub unit: String,
    pub kind: CaseKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ComplaintCategory>,
    /// How the case was received.
    pub via: Channel,
    pub status: Status,
    #[serde(with = "crate::wire_time::day")]
    pub received_on: NaiveDate,
    /// The response date: the grievance clock, moved later when an
    /// extension was recorded (an interim letter with a new date).
    #[serde(with = "crate::wire_time::day_opt", default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Each resolution, in the history's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<Ms>,
    /// Each reopening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopened: Vec<Ms>,
    /// Each interaction as it stands now (a correction replaces what it
    /// corrects, never counts twice): when, how, with whom.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<(Ms, Channel, Party)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskFacts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<EscalationFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discharge: Option<DischargeFacts>,
}
crate::record!(CaseFacts);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskFacts {
    pub kind: TaskKind,
    #[serde(with = "crate::wire_time::day")]
    pub due: NaiveDate,
    pub created: Ms,
    /// When it was done; absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Ms>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    pub owner: String,
}
crate::record!(TaskFacts);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct EscalationFacts {
    pub urgency: Urgency,
    pub at: Ms,
    /// The first answer of any kind: acknowledging, answering and passing
    /// on all say someone took it up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_up: Option<Ms>,
}
crate::record!(EscalationFacts);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct DischargeFacts {
    #[serde(with = "crate::wire_time::day")]
    pub expected: NaiveDate,
    /// Each required item: when it was finished (done or not applicable),
    /// absent while still to do.
    pub required: Vec<Option<Ms>>,
}
crate::record!(DischargeFacts);

impl CaseFacts {
    /// The facts of a folded case; `None` for a deleted one (a case opened
    /// by mistake is in no figure).
    pub fn of(file: &CaseFile) -> Option<CaseFacts> {
        if file.deleted.is_some() {
            return None;
        }
        let case = &file.case;
        let mut resolved = Vec::new();
        let mut reopened = Vec::new();
        for e in &case.history {
            match e.change {
                crate::case::CaseChange::Resolved { .. } => resolved.push(ms(e.at)),
                crate::case::CaseChange::Reopened { .. } => reopened.push(ms(e.at)),
                _ => {}
            }
        }
        let contacts = interaction::resolve(&file.interactions)
            .into_iter()
            .map(|r| (ms(r.current.at), r.current.channel, r.current.with))
            .collect();
        let tasks = case
            .tasks
            .iter()
            .map(|t| TaskFacts {
                kind: t.kind,
                due: t.due,
                created: ms(t.created_at),
                done: match &t.status {
                    TaskStatus::Done { at, .. } => Some(ms(*at)),
                    _ => None,
                },
                cancelled: matches!(t.status, TaskStatus::Cancelled { .. }),
                owner: t.owner.clone(),
            })
            .collect();
        let escalations = case
            .escalations
            .iter()
            .map(|x| EscalationFacts {
                urgency: x.urgency,
                at: ms(x.at),
                taken_up: x.responses.iter().map(|r| ms(r.at)).min(),
            })
            .collect();
        let discharge = case.expected_discharge.map(|expected| DischargeFacts {
            expected,
            required: case
                .checklists
                .iter()
                .flat_map(|k| &k.items)
                .filter(|i| i.required)
                .map(|i| match &i.state {
                    ItemState::ToDo => None,
                    ItemState::Done { at, .. } | ItemState::NotApplicable { at, .. } => {
                        Some(ms(*at))
                    }
                })
                .collect(),
        });
        Some(CaseFacts {
            id: case.id,
            patient: case.patient.name.clone(),
            unit: case.patient.unit.clone(),
            kind: case.kind,
            category: case.category,
            via: case.received_via,
            status: case.status,
            received_on: case.received_on,
            due_on: case.due_on,
            tags: case.tags.clone(),
            resolved,
            reopened,
            contacts,
            tasks,
            escalations,
            discharge,
        })
    }
}
