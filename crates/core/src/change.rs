//! A change: the unit of sync. Every write a device makes to a case is one
//! [`Change`], recorded locally first (its outbox) and sent to the server
//! later; a case's state is a pure function of the set of its changes
//! (see `log.rs`), so replicas holding the same changes agree.
//!
//! A change is identified twice on purpose: `id` names it everywhere
//! (conflicts refer to it), `(device, seq)` is what makes a push idempotent
//! (a retried batch carries the same pairs).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::case::{Case, CaseChange, Priority};
use crate::checklist::{Checklist, Item, ItemState, ItemValue};
use crate::followup::{Escalation, Response, Task, TaskValue};
use crate::hlc::Timestamp;
use crate::id::Id;
use crate::interaction::Interaction;
use crate::limits::{MAX_NAME, MAX_SHORT, MAX_TAGS, MAX_TEXT};
use crate::reference::Destination;
use crate::status::Status;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Change {
    pub id: Id,
    pub case_id: Id,
    pub device: Id,
    /// 1, 2, 3… per device, in the order the device recorded its changes.
    pub seq: u64,
    pub hlc: Timestamp,
    /// The username of whoever made it; the server checks it is the sender.
    pub by: String,
    /// The device's wall time, for people (ordering uses `hlc`).
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    pub op: Op,
}
crate::record!(Change);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Op {
    /// The case as it was created (its history holds the opening event).
    Open { case: Box<Case> },
    /// Field values merged one by one, last writer wins; `event` is what the
    /// history shows. `settles` names conflicts a person has decided.
    Edit {
        event: CaseChange,
        #[serde(default)]
        sets: Vec<FieldSet>,
        #[serde(default)]
        settles: Vec<ConflictRef>,
    },
    /// Interactions are append-only: they never conflict.
    Log { interaction: Box<Interaction> },
    /// Removes a case opened by mistake (managers only); it syncs like any change.
    Delete { reason: String },
    /// A discharge checklist started from a template version.
    StartChecklist { checklist: Box<Checklist> },
    /// An item added to one patient's checklist.
    AddItem { checklist: Id, item: Box<Item> },
    /// A follow-up made on the case (`followup::task`).
    AddTask { task: Box<Task> },
    /// Task fields, merged one by one like item fields.
    SetTask {
        task: Id,
        event: CaseChange,
        sets: Vec<TaskSet>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settles: Vec<ConflictRef>,
    },
    /// The case sent to someone who can solve it (`followup::escalation`).
    Escalate { escalation: Box<Escalation> },
    /// An answer to an escalation: append-only, like an interaction.
    Respond { response: Box<Response> },
    /// Item fields, merged one by one like case fields.
    SetItem {
        checklist: Id,
        item: Id,
        event: CaseChange,
        sets: Vec<ItemSet>,
        /// Crossings this change decides ("use the other value"), so an
        /// edit after the decision never brings them back.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settles: Vec<ConflictRef>,
    },
}
crate::tagged!(Op, "type");

/// One item field's new value and the change that set the value its
/// author saw (see [`FieldSet`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ItemSet {
    pub value: ItemValue,
    pub base: Option<Id>,
}
crate::record!(ItemSet);

/// One task field's new value and the change that set the value its
/// author saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskSet {
    pub value: TaskValue,
    pub base: Option<Id>,
}
crate::record!(TaskSet);

/// One field's new value, and which change set the value its author saw
/// (`None` if they saw none). A different `base` than the field's current
/// setter means the author did not see that value: a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FieldSet {
    pub value: FieldValue,
    pub base: Option<Id>,
}
crate::record!(FieldSet);

/// Names one conflict: the change whose value was overwritten, and the field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ConflictRef {
    pub change: Id,
    pub field: String,
}
crate::record!(ConflictRef);

/// The case fields that change after opening, each merged on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum FieldValue {
    Status(Status),
    Resolution(Option<String>),
    Assignee(String),
    Priority(Priority),
    Description(String),
    DueOn(#[serde(with = "crate::wire_time::day_opt")] Option<NaiveDate>),
    ExpectedDischarge(#[serde(with = "crate::wire_time::day_opt")] Option<NaiveDate>),
    Destination(Option<Destination>),
}
crate::tagged!(FieldValue, "field", "value");

impl FieldValue {
    pub const FIELDS: &'static [&'static str] = &[
        "status",
        "resolution",
        "assignee",
        "priority",
        "description",
        "due_on",
        "expected_discharge",
        "destination",
    ];

    pub fn field(&self) -> &'static str {
        match self {
            FieldValue::Status(_) => "status",
            FieldValue::Resolution(_) => "resolution",
            FieldValue::Assignee(_) => "assignee",
            FieldValue::Priority(_) => "priority",
            FieldValue::Description(_) => "description",
            FieldValue::DueOn(_) => "due_on",
            FieldValue::ExpectedDischarge(_) => "expected_discharge",
            FieldValue::Destination(_) => "destination",
        }
    }

    /// The current value of `field` on `case`.
    pub fn read(case: &Case, field: &str) -> Option<FieldValue> {
        Some(match field {
            "status" => FieldValue::Status(case.status),
            "resolution" => FieldValue::Resolution(case.resolution.clone()),
            "assignee" => FieldValue::Assignee(case.assignee.clone()),
            "priority" => FieldValue::Priority(case.priority),
            "description" => FieldValue::Description(case.description.clone()),
            "due_on" => FieldValue::DueOn(case.due_on),
            "expected_discharge" => FieldValue::ExpectedDischarge(case.expected_discharge),
            "destination" => FieldValue::Destination(case.destination),
            _ => return None,
        })
    }

    pub fn apply_to(self, case: &mut Case) {
        match self {
            FieldValue::Status(v) => case.status = v,
            FieldValue::Resolution(v) => case.resolution = v,
            FieldValue::Assignee(v) => case.assignee = v,
            FieldValue::Priority(v) => case.priority = v,
            FieldValue::Description(v) => case.description = v,
            FieldValue::DueOn(v) => case.due_on = v,
            FieldValue::ExpectedDischarge(v) => case.expected_discharge = v,
            FieldValue::Destination(v) => case.destination = v,
        }
    }

    /// For people: "High", "2026-11-30", "(none)".
    pub fn display(&self) -> String {
        match self {
            FieldValue::Status(s) => s.label().to_owned(),
            FieldValue::Priority(p) => p.label().to_owned(),
            FieldValue::Assignee(s) | FieldValue::Description(s) => s.clone(),
            FieldValue::Resolution(r) => r.clone().unwrap_or_else(|| "(none)".into()),
            FieldValue::DueOn(d) | FieldValue::ExpectedDischarge(d) => {
                d.map_or_else(|| "(none)".into(), crate::dates::short)
            }
            FieldValue::Destination(d) => d.map_or("(none)", |d| d.label()).to_owned(),
        }
    }

    pub fn label(field: &str) -> &'static str {
        match field {
            "status" => "Status",
            "resolution" => "Resolution",
            "assignee" => "Assignee",
            "priority" => "Priority",
            "description" => "Description",
            "due_on" => "Due date",
            "expected_discharge" => "Expected discharge",
            "destination" => "Discharge destination",
            _ => "Field",
        }
    }
}

/// Why the server refused a change: the same shape as every API error.
pub type Refusal = ApiError;

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Refusal {
    ApiError {
        error: "invalid".into(),
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

pub(crate) fn within(field: &str, label: &str, s: &str, max: usize) -> Result<(), Refusal> {
    if s.chars().count() > max {
        Err(invalid(
            field,
            format!("{label} is too long (at most {max} characters)."),
        ))
    } else {
        Ok(())
    }
}

fn check_item(item: &Item) -> Result<(), Refusal> {
    if item.text.trim().is_empty() {
        return Err(invalid("op.item.text", "An item needs its text."));
    }
    within("op.item.text", "Item", &item.text, MAX_SHORT * 5)?;
    within("op.item.section", "Section", &item.section, MAX_SHORT)?;
    within("op.item.note", "Note", &item.note, MAX_TEXT)
}

impl Change {
    /// The checks any receiver makes of a change on its own, whoever sent it:
    /// lengths and consistency. Forms check more (and say it better); this
    /// guards the shared store against a damaged or hostile client.
    pub fn check(&self) -> Result<(), Refusal> {
        within("by", "The author", &self.by, MAX_SHORT)?;
        if self.by.trim().is_empty() {
            return Err(invalid("by", "A change must name its author."));
        }
        if self.seq == 0 {
            return Err(invalid("seq", "Sequence numbers start at 1."));
        }
        match &self.op {
            Op::Open { case } => {
                if case.id != self.case_id {
                    return Err(invalid("op.case.id", "The case id does not match."));
                }
                let p = &case.patient;
                if p.name.trim().is_empty() {
                    return Err(invalid("op.case.patient.name", "A patient name is needed."));
                }
                within("op.case.patient.name", "Patient name", &p.name, MAX_NAME)?;
                for (f, l, v) in [
                    ("op.case.patient.mrn", "MRN", &p.mrn),
                    ("op.case.patient.unit", "Unit", &p.unit),
                    ("op.case.patient.room", "Room", &p.room),
                    (
                        "op.case.patient.preferred_language",
                        "Preferred language",
                        &p.preferred_language,
                    ),
                    ("op.case.assignee", "Assignee", &case.assignee),
                    ("op.case.created_by", "Created by", &case.created_by),
                ] {
                    within(f, l, v, MAX_SHORT)?;
                }
                if p.contacts.len() > 20 {
                    return Err(invalid("op.case.patient.contacts", "At most 20 contacts."));
                }
                for c in &p.contacts {
                    within(
                        "op.case.patient.contacts",
                        "Contact name",
                        &c.name,
                        MAX_NAME,
                    )?;
                    within(
                        "op.case.patient.contacts",
                        "Relationship",
                        &c.relationship,
                        MAX_SHORT,
                    )?;
                    within("op.case.patient.contacts", "Phone", &c.phone, MAX_SHORT)?;
                }
                within(
                    "op.case.description",
                    "Description",
                    &case.description,
                    MAX_TEXT,
                )?;
                if case.tags.len() > MAX_TAGS {
                    return Err(invalid("op.case.tags", format!("At most {MAX_TAGS} tags.")));
                }
                for t in &case.tags {
                    within("op.case.tags", "A tag", t, 40)?;
                }
                if case.history.len() > 1000 {
                    return Err(invalid("op.case.history", "The history is too long."));
                }
                if let Some(r) = &case.resolution {
                    within("op.case.resolution", "Resolution", r, MAX_TEXT)?;
                }
            }
            Op::Edit {
                event,
                sets,
                settles,
            } => {
                if sets.is_empty() && settles.is_empty() {
                    return Err(invalid("op.sets", "An edit must change something."));
                }
                if sets.len() > FieldValue::FIELDS.len() || settles.len() > 100 {
                    return Err(invalid("op.sets", "Too many fields in one edit."));
                }
                let event_text = serde_json::to_string(event).unwrap_or_default();
                within("op.event", "The history entry", &event_text, 3 * MAX_TEXT)?;
                for s in sets {
                    match &s.value {
                        FieldValue::Assignee(a) => {
                            within("op.sets.assignee", "Assignee", a, MAX_SHORT)?;
                            if a.trim().is_empty() {
                                return Err(invalid("op.sets.assignee", "An assignee is needed."));
                            }
                        }
                        FieldValue::Description(d) => {
                            within("op.sets.description", "Description", d, MAX_TEXT)?
                        }
                        FieldValue::Resolution(Some(r)) => {
                            within("op.sets.resolution", "Resolution", r, MAX_TEXT)?
                        }
                        _ => {}
                    }
                }
                for s in settles {
                    // Room for an item key: "item:<uuid>:responsible".
                    within("op.settles.field", "Field", &s.field, 80)?;
                }
            }
            Op::Log { interaction: i } => {
                if i.case_id != self.case_id {
                    return Err(invalid(
                        "op.interaction.case_id",
                        "The interaction belongs to another case.",
                    ));
                }
                within(
                    "op.interaction.summary",
                    "What was said",
                    &i.summary,
                    MAX_TEXT,
                )?;
                within("op.interaction.outcome", "Outcome", &i.outcome, MAX_TEXT)?;
                within("op.interaction.by", "Logged by", &i.by, MAX_SHORT)?;
                if let Some(f) = &i.follow_up {
                    within(
                        "op.interaction.follow_up",
                        "Follow-up",
                        &f.what,
                        MAX_SHORT * 5,
                    )?;
                }
            }
            Op::StartChecklist { checklist } => {
                within(
                    "op.checklist.title",
                    "Checklist title",
                    &checklist.title,
                    MAX_NAME,
                )?;
                if checklist.items.len() > crate::checklist::MAX_ITEMS {
                    return Err(invalid(
                        "op.checklist.items",
                        "Too many items in one checklist.",
                    ));
                }
                for item in &checklist.items {
                    check_item(item)?;
                }
            }
            Op::AddItem { item, .. } => check_item(item)?,
            Op::SetItem {
                event,
                sets,
                settles,
                ..
            } => {
                if settles.len() > ItemValue::FIELDS.len() {
                    return Err(invalid("op.settles", "Too many crossings in one edit."));
                }
                for s in settles {
                    within("op.settles.field", "Field", &s.field, 80)?;
                }
                if sets.is_empty() || sets.len() > ItemValue::FIELDS.len() {
                    return Err(invalid(
                        "op.sets",
                        "An item edit must change one to four fields.",
                    ));
                }
                let event_text = serde_json::to_string(event).unwrap_or_default();
                within("op.event", "The history entry", &event_text, 3 * MAX_TEXT)?;
                for s in sets {
                    match &s.value {
                        ItemValue::Note(n) => within("op.sets.note", "Note", n, MAX_TEXT)?,
                        ItemValue::State(ItemState::NotApplicable { reason, .. }) => {
                            if reason.trim().is_empty() {
                                return Err(invalid(
                                    "op.sets.state",
                                    "Say why the item does not apply.",
                                ));
                            }
                            within("op.sets.state", "Reason", reason, MAX_TEXT)?
                        }
                        _ => {}
                    }
                }
            }
            Op::AddTask { task } => {
                for field in TaskValue::FIELDS {
                    if let Some((f, m)) = TaskValue::read(task, field).and_then(|v| v.problem()) {
                        return Err(invalid(&format!("op.task.{f}"), m));
                    }
                }
                within(
                    "op.task.created_by",
                    "Created by",
                    &task.created_by,
                    MAX_SHORT,
                )?;
            }
            Op::SetTask {
                event,
                sets,
                settles,
                ..
            } => {
                if sets.is_empty() && settles.is_empty() {
                    return Err(invalid("op.sets", "A task edit must change something."));
                }
                if sets.len() > TaskValue::FIELDS.len() || settles.len() > TaskValue::FIELDS.len() {
                    return Err(invalid("op.sets", "Too many fields in one task edit."));
                }
                for s in settles {
                    within("op.settles.field", "Field", &s.field, 80)?;
                }
                let event_text = serde_json::to_string(event).unwrap_or_default();
                within("op.event", "The history entry", &event_text, 3 * MAX_TEXT)?;
                for s in sets {
                    if let Some((f, m)) = s.value.problem() {
                        return Err(invalid(&format!("op.sets.{f}"), m));
                    }
                }
            }
            Op::Escalate { escalation } => {
                if let Some((f, m)) = escalation.problem() {
                    return Err(invalid(&format!("op.escalation.{f}"), m));
                }
            }
            Op::Respond { response } => {
                if let Some((f, m)) = response.answer.problem() {
                    return Err(invalid(&format!("op.response.{f}"), m));
                }
            }
            Op::Delete { reason } => {
                if reason.trim().is_empty() {
                    return Err(invalid("op.reason", "Say why the case is deleted."));
                }
                within("op.reason", "Reason", reason, MAX_TEXT)?;
            }
        }
        Ok(())
    }
}
