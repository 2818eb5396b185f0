//! A case's log: every change a replica holds for one case, and the fold
//! that turns it into the case people see.
//!
//! Invariant: the fold depends only on the *set* of changes, never on the
//! order they arrived in. Changes are applied in (hybrid clock, id) order;
//! each field takes the value of the last change that set it; when that
//! change's author had not seen the value it replaced, the replaced value
//! is recorded as a [`Conflict`] for a person to settle. Replicas with the
//! same changes therefore show the same case, conflicts included.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{CaseChange, CaseEvent};
use crate::caseload::CaseFile;
use crate::change::{Change, ConflictRef, FieldValue, ItemSet, Op, Refusal};
use crate::checklist::{Item, ItemValue, item_key};
use crate::followup::{Task, TaskValue, task_key};
use crate::hlc::Timestamp;
use crate::id::Id;

/// A change as a device keeps it: with what the server said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Entry {
    pub change: Change,
    /// The server's sequence number once it holds the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced: Option<u64>,
    /// Set aside: the server refused it. Not applied, shown on the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
}
crate::record!(Entry);

impl Entry {
    pub fn is_pending(&self) -> bool {
        self.synced.is_none() && self.refused.is_none()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseLog {
    /// Sorted by (hlc, id); one entry per change id.
    pub entries: Vec<Entry>,
}
crate::record!(CaseLog);

/// One side of a conflict: a value, and the change that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Version {
    pub value: FieldValue,
    pub change: Id,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(Version);

/// Two concurrent edits of one field: `kept` won by the clock, `lost` was
/// overwritten by someone who had not seen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Conflict {
    pub field: String,
    pub kept: Version,
    pub lost: Version,
}
crate::record!(Conflict);

impl Conflict {
    pub fn reference(&self) -> ConflictRef {
        ConflictRef {
            change: self.lost.change,
            field: self.field.clone(),
        }
    }
}

fn order(c: &Change) -> (Timestamp, Id) {
    (c.hlc, c.id)
}

impl CaseLog {
    pub fn case_id(&self) -> Option<Id> {
        self.entries.first().map(|e| e.change.case_id)
    }

    pub fn get(&self, id: Id) -> Option<&Entry> {
        self.entries.iter().find(|e| e.change.id == id)
    }

    /// Adds or replaces (by change id) an entry, keeping the order.
    pub fn put(&mut self, entry: Entry) {
        self.entries.retain(|e| e.change.id != entry.change.id);
        let key = order(&entry.change);
        let at = self.entries.partition_point(|e| order(&e.change) < key);
        self.entries.insert(at, entry);
    }

    /// Takes in a change the server holds (as the server holds it: its clock
    /// may have been clamped). Returns false if nothing changed.
    pub fn merge_synced(&mut self, change: Change, server_seq: u64) -> bool {
        if let Some(e) = self.get(change.id)
            && e.synced == Some(server_seq)
            && e.change == change
        {
            return false;
        }
        self.put(Entry {
            change,
            synced: Some(server_seq),
            refused: None,
        });
        true
    }

    pub fn pending(&self) -> impl Iterator<Item = &Change> {
        self.entries
            .iter()
            .filter(|e| e.is_pending())
            .map(|e| &e.change)
    }

    pub fn has_unsynced(&self) -> bool {
        self.entries.iter().any(|e| e.synced.is_none())
    }

    pub fn last_hlc(&self) -> Option<Timestamp> {
        self.entries.iter().map(|e| e.change.hlc).max()
    }

    /// Whether the log holds the change that opened the case (a device may
    /// hold later changes of a case whose full history it has yet to fetch).
    pub fn is_complete(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.refused.is_none() && matches!(e.change.op, Op::Open { .. }))
    }

    /// The case as its changes make it, or `None` until it has been opened.
    pub fn fold(&self) -> Option<CaseFile> {
        let applied: Vec<&Change> = self
            .entries
            .iter()
            .filter(|e| e.refused.is_none())
            .map(|e| &e.change)
            .collect();
        // The opening comes first whatever its clock says: a clamped or
        // skewed clock must not leave edits with nothing to apply to.
        let open = applied
            .iter()
            .filter(|c| matches!(c.op, Op::Open { .. }))
            .min_by_key(|c| order(c))?;
        let Op::Open { case } = &open.op else {
            unreachable!()
        };
        let mut case = (**case).clone();
        let mut versions: BTreeMap<&'static str, Version> = BTreeMap::new();
        for field in FieldValue::FIELDS {
            if let Some(value) = FieldValue::read(&case, field) {
                versions.insert(
                    field,
                    Version {
                        value,
                        change: open.id,
                        by: open.by.clone(),
                        at: open.at,
                    },
                );
            }
        }
        let mut interactions = Vec::new();
        let mut seen_interactions = BTreeSet::new();
        let mut conflicts: Vec<Conflict> = Vec::new();
        let mut settled: BTreeSet<&ConflictRef> = BTreeSet::new();
        let mut deleted = None;
        let mut item_versions = ItemVersions::default();
        let mut item_conflicts: Vec<ItemConflict> = Vec::new();
        for k in &case.checklists {
            for item in &k.items {
                item_versions.open(item, open);
            }
        }
        // Checklists and items first, whatever their place in the order: a
        // tick must never be lost because the change that made its item
        // sorts after it (a checklist refused, then sent again later).
        for c in applied.iter().filter(|c| c.id != open.id) {
            if let Op::StartChecklist { checklist } = &c.op
                && !case.checklists.iter().any(|k| k.id == checklist.id)
            {
                for item in &checklist.items {
                    item_versions.open(item, c);
                }
                case.checklists.push((**checklist).clone());
                push_event(
                    &mut case,
                    c,
                    CaseChange::ChecklistStarted {
                        title: checklist.title.clone(),
                    },
                );
            }
        }
        for c in applied.iter().filter(|c| c.id != open.id) {
            if let Op::AddItem { checklist, item } = &c.op
                && let Some(k) = case.checklists.iter_mut().find(|k| k.id == *checklist)
                && !k.items.iter().any(|i| i.id == item.id)
            {
                item_versions.open(item, c);
                k.items.push((**item).clone());
                let title = k.title.clone();
                push_event(
                    &mut case,
                    c,
                    CaseChange::ItemAdded {
                        checklist: title,
                        text: item.text.clone(),
                    },
                );
            }
        }
        // Tasks and escalations too: an answer or a "done" sorting before
        // what it answers (a skewed clock) still lands.
        let mut task_versions = TaskVersions::default();
        let mut task_conflicts: Vec<TaskConflict> = Vec::new();
        let mut undelivered = Vec::new();
        for e in self.entries.iter().filter(|e| e.refused.is_none()) {
            let c = &e.change;
            let task = match &c.op {
                Op::AddTask { task } => Some((**task).clone()),
                Op::Log { interaction } => Task::promised(interaction),
                Op::Escalate { escalation } => {
                    if !case.escalations.iter().any(|x| x.id == escalation.id) {
                        if e.is_pending() {
                            undelivered.push(escalation.id);
                        }
                        let mut x = (**escalation).clone();
                        x.responses.clear();
                        push_event(
                            &mut case,
                            c,
                            CaseChange::Escalated {
                                to: x.to.name().to_owned(),
                                urgency: x.urgency,
                                reason: x.reason.clone(),
                            },
                        );
                        case.escalations.push(x);
                    }
                    None
                }
                _ => None,
            };
            if let Some(task) = task
                && !case.tasks.iter().any(|t| t.id == task.id)
            {
                task_versions.open(&task, c);
                if matches!(c.op, Op::AddTask { .. }) {
                    push_event(
                        &mut case,
                        c,
                        CaseChange::TaskAdded {
                            title: task.title.clone(),
                        },
                    );
                }
                case.tasks.push(task);
            }
        }
        for c in applied.iter().filter(|c| c.id != open.id) {
            match &c.op {
                Op::Open { .. }
                | Op::StartChecklist { .. }
                | Op::AddItem { .. }
                | Op::AddTask { .. }
                | Op::Escalate { .. } => {}
                Op::SetTask {
                    task,
                    event,
                    sets,
                    settles,
                } => {
                    settled.extend(settles.iter());
                    if let Some(target) = case.tasks.iter_mut().find(|t| t.id == *task) {
                        for set in sets {
                            task_versions.set(target, &set.value, set.base, c, &mut task_conflicts);
                        }
                        push_event(&mut case, c, event.clone());
                    }
                }
                Op::Respond { response } => {
                    if let Some(x) = case
                        .escalations
                        .iter_mut()
                        .find(|x| x.id == response.escalation)
                        && !x.responses.iter().any(|r| r.id == response.id)
                    {
                        x.responses.push((**response).clone());
                        push_event(
                            &mut case,
                            c,
                            CaseChange::EscalationAnswered {
                                answer: response.answer.display(),
                            },
                        );
                    }
                }
                Op::Edit {
                    event,
                    sets,
                    settles,
                } => {
                    for set in sets {
                        let field = set.value.field();
                        let new = Version {
                            value: set.value.clone(),
                            change: c.id,
                            by: c.by.clone(),
                            at: c.at,
                        };
                        if let Some(current) = versions.get(field)
                            && set.base != Some(current.change)
                            && current.value != set.value
                        {
                            conflicts.push(Conflict {
                                field: field.to_owned(),
                                kept: new.clone(),
                                lost: current.clone(),
                            });
                        }
                        set.value.clone().apply_to(&mut case);
                        versions.insert(field, new);
                    }
                    settled.extend(settles.iter());
                    case.history.push(CaseEvent {
                        at: c.at,
                        by: c.by.clone(),
                        change: event.clone(),
                    });
                    case.updated_at = case.updated_at.max(c.at);
                }
                Op::Log { interaction } => {
                    if seen_interactions.insert(interaction.id) {
                        interactions.push((**interaction).clone());
                    }
                }
                Op::SetItem {
                    checklist,
                    item,
                    event,
                    sets,
                    settles,
                } => {
                    settled.extend(settles.iter());
                    let target = case
                        .checklists
                        .iter_mut()
                        .find(|k| k.id == *checklist)
                        .and_then(|k| k.items.iter_mut().find(|i| i.id == *item));
                    if let Some(target) = target {
                        for set in sets {
                            item_versions.set(target, set, c, &mut item_conflicts);
                        }
                        push_event(&mut case, c, event.clone());
                    }
                }
                Op::Delete { reason } => {
                    deleted.get_or_insert(Deletion {
                        by: c.by.clone(),
                        at: c.at,
                        reason: reason.clone(),
                    });
                    case.history.push(CaseEvent {
                        at: c.at,
                        by: c.by.clone(),
                        change: CaseChange::Deleted {
                            reason: reason.clone(),
                        },
                    });
                }
            }
        }
        // A conflict's `kept` side is the value that overwrote it, which may
        // itself have been overwritten since: show the current one.
        for conflict in &mut conflicts {
            if let Some(v) = versions.get(conflict.field.as_str()) {
                conflict.kept = v.clone();
            }
        }
        conflicts.retain(|c| !settled.contains(&c.reference()) && c.kept.value != c.lost.value);
        for conflict in &mut item_conflicts {
            if let Some(v) = item_versions.0.get(&conflict.key()) {
                conflict.kept = v.clone();
            }
        }
        item_conflicts.retain(|c| {
            !settled.contains(&c.reference()) && !c.kept.value.agrees_with(&c.lost.value)
        });
        for conflict in &mut task_conflicts {
            if let Some(v) = task_versions.0.get(&conflict.key()) {
                conflict.kept = v.clone();
            }
        }
        task_conflicts.retain(|c| {
            !settled.contains(&c.reference()) && !c.kept.value.agrees_with(&c.lost.value)
        });
        let set_aside = self
            .entries
            .iter()
            .filter_map(|e| {
                e.refused.as_ref().map(|r| SetAside {
                    change: e.change.clone(),
                    reason: r.clone(),
                })
            })
            .collect();
        Some(CaseFile {
            case,
            interactions,
            conflicts,
            set_aside,
            deleted,
            versions: crate::order::map_of(
                versions
                    .into_iter()
                    .map(|(f, v)| (f.to_owned(), v.change))
                    .chain(item_versions.0.into_iter().map(|(k, v)| (k, v.change)))
                    .chain(task_versions.0.into_iter().map(|(k, v)| (k, v.change))),
            ),
            item_conflicts,
            task_conflicts,
            undelivered,
            pending: self.pending().count(),
        })
    }
}

fn push_event(case: &mut crate::case::Case, c: &Change, change: CaseChange) {
    case.history.push(CaseEvent {
        at: c.at,
        by: c.by.clone(),
        change,
    });
    case.updated_at = case.updated_at.max(c.at);
}

/// An item field's value and the change that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ItemVersion {
    pub value: ItemValue,
    pub change: Id,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(ItemVersion);

/// Two concurrent edits of one field of one checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ItemConflict {
    pub checklist: Id,
    pub item: Id,
    pub field: String,
    pub kept: ItemVersion,
    pub lost: ItemVersion,
}
crate::record!(ItemConflict);

impl ItemConflict {
    fn key(&self) -> String {
        item_key(self.item, &self.field)
    }

    pub fn reference(&self) -> ConflictRef {
        ConflictRef {
            change: self.lost.change,
            field: self.key(),
        }
    }
}

/// Item field versions, keyed by [`item_key`].
#[derive(Default)]
struct ItemVersions(BTreeMap<String, ItemVersion>);

impl ItemVersions {
    fn open(&mut self, item: &Item, by: &Change) {
        for field in ItemValue::FIELDS {
            if let Some(value) = ItemValue::read(item, field) {
                self.0.insert(
                    item_key(item.id, field),
                    ItemVersion {
                        value,
                        change: by.id,
                        by: by.by.clone(),
                        at: by.at,
                    },
                );
            }
        }
    }

    fn set(
        &mut self,
        item: &mut Item,
        set: &ItemSet,
        c: &Change,
        conflicts: &mut Vec<ItemConflict>,
    ) {
        let field = set.value.field();
        let key = item_key(item.id, field);
        let new = ItemVersion {
            value: set.value.clone(),
            change: c.id,
            by: c.by.clone(),
            at: c.at,
        };
        if let Some(current) = self.0.get(&key)
            && set.base != Some(current.change)
            && !current.value.agrees_with(&set.value)
        {
            let checklist = match &c.op {
                Op::SetItem { checklist, .. } => *checklist,
                _ => return,
            };
            conflicts.push(ItemConflict {
                checklist,
                item: item.id,
                field: field.to_owned(),
                kept: new.clone(),
                lost: current.clone(),
            });
        }
        set.value.clone().apply_to(item);
        self.0.insert(key, new);
    }
}

/// A task field's value and the change that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskVersion {
    pub value: TaskValue,
    pub change: Id,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(TaskVersion);

/// Two concurrent edits of one field of one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskConflict {
    pub task: Id,
    pub field: String,
    pub kept: TaskVersion,
    pub lost: TaskVersion,
}
crate::record!(TaskConflict);

impl TaskConflict {
    fn key(&self) -> String {
        task_key(self.task, &self.field)
    }

    pub fn reference(&self) -> ConflictRef {
        ConflictRef {
            change: self.lost.change,
            field: self.key(),
        }
    }
}

/// Task field versions, keyed by [`task_key`].
#[derive(Default)]
struct TaskVersions(BTreeMap<String, TaskVersion>);

impl TaskVersions {
    fn open(&mut self, task: &Task, by: &Change) {
        for field in TaskValue::FIELDS {
            if let Some(value) = TaskValue::read(task, field) {
                self.0.insert(
                    task_key(task.id, field),
                    TaskVersion {
                        value,
                        change: by.id,
                        by: by.by.clone(),
                        at: by.at,
                    },
                );
            }
        }
    }

    fn set(
        &mut self,
        task: &mut Task,
        value: &TaskValue,
        base: Option<Id>,
        c: &Change,
        conflicts: &mut Vec<TaskConflict>,
    ) {
        let field = value.field();
        let key = task_key(task.id, field);
        let new = TaskVersion {
            value: value.clone(),
            change: c.id,
            by: c.by.clone(),
            at: c.at,
        };
        if let Some(current) = self.0.get(&key)
            && base != Some(current.change)
            && !current.value.agrees_with(value)
        {
            conflicts.push(TaskConflict {
                task: task.id,
                field: field.to_owned(),
                kept: new.clone(),
                lost: current.clone(),
            });
        }
        value.clone().apply_to(task);
        self.0.insert(key, new);
    }
}

/// Who deleted a case, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Deletion {
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    pub reason: String,
}
crate::record!(Deletion);

/// A change the server refused, with its reason, waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SetAside {
    pub change: Change,
    pub reason: Refusal,
}
crate::record!(SetAside);
