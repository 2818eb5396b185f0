//! A case: one patient's concern, complaint, grievance or request, followed
//! from receipt to resolution. New cases come from a [`CaseDraft`] (what the
//! form holds, as typed); every later change is a [`CaseCommand`] that
//! records who did what and when in the case's history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::change::FieldValue;
use crate::checklist::Checklist;
use crate::deadline;
use crate::followup::{Escalation, Task};
use crate::id::Id;
use crate::patient::{Contact, Patient};
use crate::reference::{
    CaseKind, Channel, ComplaintCategory, DEFAULT_GRIEVANCE_RESPONSE_DAYS, Destination, Identified,
    Urgency,
};
use crate::status::Status;
use crate::validation::Problems;

pub use crate::limits::{MAX_NAME, MAX_SHORT, MAX_TAGS, MAX_TEXT};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
    /// Needs action today, e.g. an allegation of abuse or neglect.
    Urgent,
}
crate::identified!(Priority {
    Low,
    Medium,
    High,
    Urgent
});

impl Priority {
    pub const ALL: &'static [Priority] = &[
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];
    pub const fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
}

/// Hospital-wide rules an admin may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseRules {
    pub grievance_response_days: u32,
}
crate::record!(CaseRules);

impl Default for CaseRules {
    fn default() -> Self {
        Self {
            grievance_response_days: DEFAULT_GRIEVANCE_RESPONSE_DAYS,
        }
    }
}

/// Who acts and when, for everything recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub now: DateTime<Utc>,
    /// The device's local calendar date at `now`.
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Case {
    pub id: Id,
    pub patient: Patient,
    pub kind: CaseKind,
    pub category: Option<ComplaintCategory>,
    pub description: String,
    pub priority: Priority,
    pub status: Status,
    pub assignee: String,
    #[serde(with = "crate::wire_time::day")]
    pub received_on: NaiveDate,
    pub received_via: Channel,
    /// When a response is owed: the grievance clock, or a date the
    /// coordinator set.
    #[serde(with = "crate::wire_time::day_opt", default)]
    pub due_on: Option<NaiveDate>,
    pub resolution: Option<String>,
    pub tags: Vec<String>,
    /// Discharge planning: when the patient is expected to leave, and where to.
    #[serde(
        with = "crate::wire_time::day_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_discharge: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// Discharge-planning checklists started on this case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklists: Vec<Checklist>,
    /// Follow-ups, in the order they were made (`followup::task`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    /// Escalations with their answers, in the order they were sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
    pub created_by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::wire_time::utc")]
    pub updated_at: DateTime<Utc>,
    pub history: Vec<CaseEvent>,
}
crate::record!(Case);

/// One entry of a case's history: who changed what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseEvent {
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub change: CaseChange,
}
crate::record!(CaseEvent);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum CaseChange {
    Opened {
        note: Option<String>,
    },
    Status {
        from: Status,
        to: Status,
        note: Option<String>,
    },
    Reopened {
        from: Status,
        to: Status,
        reason: String,
    },
    Resolved {
        summary: String,
    },
    Reassigned {
        from: String,
        to: String,
    },
    Edited {
        field: String,
        from: String,
        to: String,
    },
    /// Someone looked at a sync conflict and chose which value stands.
    Settled {
        field: String,
        kept: String,
        discarded: String,
    },
    /// A manager removed a case opened by mistake.
    Deleted {
        reason: String,
    },
    ChecklistStarted {
        title: String,
    },
    ItemAdded {
        checklist: String,
        text: String,
    },
    /// An item ticked, marked not applicable, reassigned, given a date or a note.
    ItemChanged {
        text: String,
        to: String,
    },
    TaskAdded {
        title: String,
    },
    /// A task done, cancelled, reassigned, moved or renamed.
    TaskChanged {
        title: String,
        to: String,
    },
    Escalated {
        to: String,
        urgency: Urgency,
        reason: String,
    },
    /// An answer in an escalation's chain.
    EscalationAnswered {
        answer: String,
    },
}
crate::tagged!(CaseChange, "type");

/// The new-case form, as typed. Enumerations are kept as their stored
/// identifiers (strings) so that a value this build does not know, e.g.
/// from an older or newer client, is a field error rather than a crash.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct CaseDraft {
    pub patient_name: String,
    pub mrn: String,
    /// `YYYY-MM-DD` or empty.
    pub date_of_birth: String,
    pub unit: String,
    pub room: String,
    pub preferred_language: String,
    pub interpreter_needed: bool,
    pub contacts: Vec<Contact>,
    pub kind: String,
    pub category: String,
    pub description: String,
    pub priority: String,
    pub assignee: String,
    /// `YYYY-MM-DD`; empty means today.
    pub received_on: String,
    pub received_via: String,
    /// `YYYY-MM-DD` or empty: a due date for non-grievance cases.
    pub due_on: String,
    /// Comma-separated.
    pub tags: String,
}
crate::record!(CaseDraft);

fn parse_date(problems: &mut Problems, field: &str, label: &str, s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match crate::dates::parse_iso(s) {
        Some(d) => Some(d),
        None => {
            problems.add(field, format!("{label} must be a date like 2026-11-23."));
            None
        }
    }
}

/// Splits, trims and de-duplicates comma-separated tags.
pub fn parse_tags(s: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for t in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            tags.push(t.to_owned());
        }
    }
    tags
}

impl CaseDraft {
    /// Checks the whole draft and returns every problem at once, or the case.
    pub fn validate(&self, id: Id, actor: &Actor, rules: &CaseRules) -> Result<Case, Problems> {
        let mut p = Problems::default();
        let name = p.text("patient.name", "Patient name", &self.patient_name, MAX_NAME);
        let mrn = p.optional_text("patient.mrn", "MRN", &self.mrn, MAX_SHORT);
        let date_of_birth = parse_date(
            &mut p,
            "patient.date_of_birth",
            "Date of birth",
            &self.date_of_birth,
        );
        if date_of_birth.is_some_and(|dob| dob > actor.today) {
            p.add(
                "patient.date_of_birth",
                "Date of birth cannot be in the future.",
            );
        }
        let unit = p.optional_text("patient.unit", "Unit", &self.unit, MAX_SHORT);
        let room = p.optional_text("patient.room", "Room", &self.room, MAX_SHORT);
        let language = p.optional_text(
            "patient.preferred_language",
            "Preferred language",
            &self.preferred_language,
            MAX_SHORT,
        );
        let mut contacts = Vec::new();
        for (i, c) in self.contacts.iter().enumerate() {
            let field = format!("patient.contacts.{i}.name");
            let cname = p.text(&field, "Contact name", &c.name, MAX_NAME);
            let relationship = p.optional_text(
                &format!("patient.contacts.{i}.relationship"),
                "Relationship",
                &c.relationship,
                MAX_SHORT,
            );
            let phone = p.optional_text(
                &format!("patient.contacts.{i}.phone"),
                "Phone",
                &c.phone,
                MAX_SHORT,
            );
            contacts.push(Contact {
                name: cname,
                relationship,
                phone,
                may_share: c.may_share,
            });
        }

        let mut kind = match CaseKind::from_ident(&self.kind) {
            Some(k) => Some(k),
            None if self.kind.trim().is_empty() => {
                p.add("kind", "Choose what kind of case this is.");
                None
            }
            None => {
                p.add(
                    "kind",
                    format!("Unknown kind of case '{}'.", self.kind.trim()),
                );
                None
            }
        };
        let category = match self.category.trim() {
            "" => None,
            c => match ComplaintCategory::from_ident(c) {
                Some(cat) => Some(cat),
                None => {
                    p.add(
                        "category",
                        format!("Unknown category '{c}': choose one from the list."),
                    );
                    None
                }
            },
        };
        let received_via = match Channel::from_ident(&self.received_via) {
            Some(ch) => Some(ch),
            None if self.received_via.trim().is_empty() => Some(Channel::BedsideVisit),
            None => {
                p.add(
                    "received_via",
                    format!("Unknown channel '{}'.", self.received_via.trim()),
                );
                None
            }
        };
        let priority = match self.priority.trim() {
            "" => Priority::default(),
            s => Priority::from_ident(s).unwrap_or_else(|| {
                p.add("priority", format!("Unknown priority '{s}'."));
                Priority::default()
            }),
        };
        let description = p.text("description", "Description", &self.description, MAX_TEXT);
        let assignee = match self.assignee.trim() {
            "" => actor.user.clone(),
            a => p.optional_text("assignee", "Assignee", a, MAX_SHORT),
        };
        let received_on = parse_date(&mut p, "received_on", "Received on", &self.received_on)
            .unwrap_or(actor.today);
        if received_on > actor.today {
            p.add("received_on", "Received on cannot be in the future.");
        }
        let due_on = parse_date(&mut p, "due_on", "Due date", &self.due_on);
        if due_on.is_some_and(|d| d < received_on) {
            p.add(
                "due_on",
                "The due date cannot be before the case was received.",
            );
        }
        let tags = parse_tags(&self.tags);
        if tags.len() > MAX_TAGS {
            p.add("tags", format!("At most {MAX_TAGS} tags."));
        }
        for t in &tags {
            if t.chars().count() > 40 {
                p.add(
                    "tags",
                    format!("The tag '{t}' is too long (at most 40 characters)."),
                );
            }
        }

        // CMS: a complaint received in writing is always a grievance.
        let mut opened_note = None;
        if kind == Some(CaseKind::Complaint) && received_via.is_some_and(Channel::is_written) {
            kind = Some(CaseKind::Grievance);
            opened_note = Some("A written complaint is always a grievance (CMS).".to_owned());
        }

        let (Some(kind), Some(received_via)) = (kind, received_via) else {
            return Err(p);
        };
        let due_on = if kind == CaseKind::Grievance {
            Some(deadline::response_due(
                received_on,
                rules.grievance_response_days,
            ))
        } else {
            due_on
        };
        let case = Case {
            id,
            patient: Patient {
                name,
                mrn,
                date_of_birth,
                unit,
                room,
                preferred_language: language,
                interpreter_needed: self.interpreter_needed,
                contacts,
            },
            kind,
            category,
            description,
            priority,
            status: Status::Open,
            assignee,
            received_on,
            received_via,
            due_on,
            resolution: None,
            tags,
            expected_discharge: None,
            destination: None,
            checklists: Vec::new(),
            tasks: Vec::new(),
            escalations: Vec::new(),
            created_by: actor.user.clone(),
            created_at: actor.now,
            updated_at: actor.now,
            history: vec![CaseEvent {
                at: actor.now,
                by: actor.user.clone(),
                change: CaseChange::Opened { note: opened_note },
            }],
        };
        p.into_result(case)
    }
}

/// Every change to an existing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum CaseCommand {
    ChangeStatus {
        to: Status,
        note: Option<String>,
    },
    Resolve {
        summary: String,
    },
    Reopen {
        to: Status,
        reason: String,
    },
    Reassign {
        to: String,
    },
    SetPriority {
        to: Priority,
    },
    SetDescription {
        to: String,
    },
    SetDueOn {
        #[serde(with = "crate::wire_time::day_opt", default)]
        to: Option<NaiveDate>,
    },
    /// When the patient is expected to leave, and where to.
    PlanDischarge {
        #[serde(with = "crate::wire_time::day_opt", default)]
        on: Option<NaiveDate>,
        destination: Option<Destination>,
    },
}
crate::tagged!(CaseCommand, "type");

impl Case {
    /// Applies `command`, recording it in the history; on error the case is
    /// unchanged and every problem is reported.
    pub fn apply(&mut self, command: CaseCommand, actor: &Actor) -> Result<(), Problems> {
        let (change, values) = self.plan(command)?;
        for v in values {
            v.apply_to(self);
        }
        self.updated_at = actor.now;
        self.history.push(CaseEvent {
            at: actor.now,
            by: actor.user.clone(),
            change,
        });
        Ok(())
    }

    /// Checks `command` against the case as this device sees it and returns
    /// what to record in the history and the field values it sets. Sync
    /// ships the values (merged field by field), not the command.
    pub fn plan(&self, command: CaseCommand) -> Result<(CaseChange, Vec<FieldValue>), Problems> {
        let mut p = Problems::default();
        let (change, values) = match command {
            CaseCommand::ChangeStatus { to, note } => {
                if to == Status::Resolved {
                    p.add(
                        "status",
                        "Resolve the case with a summary of the resolution.",
                    );
                } else if self.status.is_reopening(to) {
                    p.add("status", "Reopen the case with a reason.");
                } else if !self.status.can_become(to) {
                    p.add(
                        "status",
                        format!(
                            "A case that is {} cannot become {}.",
                            self.status.label(),
                            to.label()
                        ),
                    );
                }
                let note = p.optional_text("note", "Note", note.as_deref().unwrap_or(""), MAX_TEXT);
                let note = Some(note).filter(|n| !n.is_empty());
                (
                    CaseChange::Status {
                        from: self.status,
                        to,
                        note,
                    },
                    vec![FieldValue::Status(to)],
                )
            }
            CaseCommand::Resolve { summary } => {
                if !self.status.can_become(Status::Resolved) {
                    p.add(
                        "status",
                        format!("A case that is {} cannot be resolved.", self.status.label()),
                    );
                }
                let summary = p.text("resolution", "Resolution summary", &summary, MAX_TEXT);
                (
                    CaseChange::Resolved {
                        summary: summary.clone(),
                    },
                    vec![
                        FieldValue::Status(Status::Resolved),
                        FieldValue::Resolution(Some(summary)),
                    ],
                )
            }
            CaseCommand::Reopen { to, reason } => {
                if !self.status.is_reopening(to) || !self.status.can_become(to) {
                    p.add(
                        "status",
                        format!(
                            "A case that is {} cannot be reopened as {}.",
                            self.status.label(),
                            to.label()
                        ),
                    );
                }
                let reason = p.text("reason", "Reason for reopening", &reason, MAX_TEXT);
                (
                    CaseChange::Reopened {
                        from: self.status,
                        to,
                        reason,
                    },
                    vec![FieldValue::Status(to)],
                )
            }
            CaseCommand::Reassign { to } => {
                let to = p.text("assignee", "Assignee", &to, MAX_SHORT);
                if to == self.assignee {
                    p.add("assignee", format!("The case is already assigned to {to}."));
                }
                (
                    CaseChange::Reassigned {
                        from: self.assignee.clone(),
                        to: to.clone(),
                    },
                    vec![FieldValue::Assignee(to)],
                )
            }
            CaseCommand::SetPriority { to } => (
                edited("priority", self.priority.label(), to.label()),
                vec![FieldValue::Priority(to)],
            ),
            CaseCommand::SetDescription { to } => {
                let to = p.text("description", "Description", &to, MAX_TEXT);
                let change = edited("description", &self.description, &to);
                (change, vec![FieldValue::Description(to)])
            }
            CaseCommand::SetDueOn { to } => {
                if to.is_some_and(|d| d < self.received_on) {
                    p.add(
                        "due_on",
                        "The due date cannot be before the case was received.",
                    );
                }
                let show = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                (
                    edited("due_on", &show(self.due_on), &show(to)),
                    vec![FieldValue::DueOn(to)],
                )
            }
            CaseCommand::PlanDischarge { on, destination } => {
                if on.is_some_and(|d| d < self.received_on) {
                    p.add(
                        "expected_discharge",
                        "The expected discharge cannot be before the case was received.",
                    );
                }
                let show = |d: Option<NaiveDate>, w: Option<Destination>| {
                    let when = d.map(|d| d.to_string()).unwrap_or_default();
                    match w {
                        Some(w) => format!("{when} {}", w.label()).trim().to_owned(),
                        None => when,
                    }
                };
                // Only what changed: setting the date must not overwrite a
                // destination someone else just chose (nor make a conflict).
                let mut values = Vec::new();
                if on != self.expected_discharge {
                    values.push(FieldValue::ExpectedDischarge(on));
                }
                if destination != self.destination {
                    values.push(FieldValue::Destination(destination));
                }
                if values.is_empty() {
                    p.add("expected_discharge", "The discharge plan is already so.");
                }
                (
                    edited(
                        "discharge",
                        &show(self.expected_discharge, self.destination),
                        &show(on, destination),
                    ),
                    values,
                )
            }
        };
        p.into_result((change, values))
    }

    /// True when a response is owed and its date has passed.
    /// Who else the case is tied to, for access: every task's owner and
    /// everyone with an account an escalation went to, one a line, sorted,
    /// each once. Like a case's assignee: a task's owner sees its case
    /// whatever the task's status (so marking it done does not take the
    /// case off their device mid-work), and a task reassigned away no
    /// longer ties its previous owner.
    pub fn involved(&self) -> String {
        let names = crate::order::set_of(
            self.tasks
                .iter()
                .map(|t| t.owner.as_str())
                .chain(self.escalations.iter().flat_map(Escalation::accounts)),
        );
        names.into_iter().collect::<Vec<_>>().join("\n")
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        crate::listing::overdue(self.status, self.due_on, today)
    }

    /// Whole days since receipt.
    pub fn days_open(&self, today: NaiveDate) -> i64 {
        crate::listing::days_open(self.received_on, today)
    }
}

fn edited(field: &str, from: &str, to: &str) -> CaseChange {
    CaseChange::Edited {
        field: field.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
    }
}
