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
use crate::change::{Change, ConflictRef, FieldValue, Op, Refusal};
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

/// One side of a conflict: a value, and the change that set it. A case
/// field's by default; [`ItemVersion`] and [`TaskVersion`] are the same for
/// a checklist item's and a task's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Version<V = FieldValue> {
    pub value: V,
    pub change: Id,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}

impl<V: Serialize> Serialize for Version<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Version::serialize(self, s)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Version<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Version::deserialize(crate::tagged::MapOnly(d))
    }
}

/// An item field's value and the change that set it.
pub type ItemVersion = Version<ItemValue>;

/// A task field's value and the change that set it.
pub type TaskVersion = Version<TaskValue>;

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
        let mut versions = Versions::<FieldValue>::default();
        versions.open(&case, open);
        let mut interactions = Vec::new();
        let mut seen_interactions = BTreeSet::new();
        let mut settled: BTreeSet<&ConflictRef> = BTreeSet::new();
        let mut deleted = None;
        let mut item_versions = Versions::<ItemValue>::default();
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
        let mut task_versions = Versions::<TaskValue>::default();
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
                            task_versions.set(target, *task, &set.value, set.base, c);
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
                        versions.set(&mut case, (), &set.value, set.base, c);
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
                            item_versions.set(target, (*checklist, *item), &set.value, set.base, c);
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
        let (conflicts, fields) = versions.finish(&settled);
        let (item_conflicts, items) = item_versions.finish(&settled);
        let (task_conflicts, tasks) = task_versions.finish(&settled);
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
            versions: crate::order::map_of(fields.chain(items).chain(tasks)),
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
    pub fn reference(&self) -> ConflictRef {
        ConflictRef {
            change: self.lost.change,
            field: item_key(self.item, &self.field),
        }
    }
}

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
    pub fn reference(&self) -> ConflictRef {
        ConflictRef {
            change: self.lost.change,
            field: task_key(self.task, &self.field),
        }
    }
}

/// A value merged field by field, with visible conflicts: a case field, a
/// checklist item's or a task's.
pub trait Merged: Clone + PartialEq + Sized {
    /// What the fields belong to.
    type Of;
    /// What a conflict names beside the field (the item's checklist and id,
    /// the task's id).
    type Owner;
    type Conflict;
    const FIELDS: &'static [&'static str];
    fn read(of: &Self::Of, field: &str) -> Option<Self>;
    fn field(&self) -> &'static str;
    fn apply_to(self, of: &mut Self::Of);
    /// The key the field's version and conflicts go by.
    fn key(of: &Self::Of, field: &str) -> String;
    fn agrees_with(&self, other: &Self) -> bool {
        self == other
    }
    fn conflict(
        owner: Self::Owner,
        field: String,
        kept: Version<Self>,
        lost: Version<Self>,
    ) -> Self::Conflict;
}

impl Merged for FieldValue {
    type Of = crate::case::Case;
    type Owner = ();
    type Conflict = Conflict;
    const FIELDS: &'static [&'static str] = FieldValue::FIELDS;
    fn read(case: &Self::Of, field: &str) -> Option<Self> {
        FieldValue::read(case, field)
    }
    fn field(&self) -> &'static str {
        FieldValue::field(self)
    }
    fn apply_to(self, case: &mut Self::Of) {
        FieldValue::apply_to(self, case)
    }
    fn key(_: &Self::Of, field: &str) -> String {
        field.to_owned()
    }
    fn conflict((): (), field: String, kept: Version, lost: Version) -> Conflict {
        Conflict { field, kept, lost }
    }
}

/// The items of [`Merged`] that an item's or a task's value type has as
/// its own, on the type it is a field of, with the key function.
macro_rules! inherent {
    ($value:ident, $of:ty, $key:ident) => {
        type Of = $of;
        const FIELDS: &'static [&'static str] = $value::FIELDS;
        fn read(of: &$of, field: &str) -> Option<Self> {
            $value::read(of, field)
        }
        fn field(&self) -> &'static str {
            $value::field(self)
        }
        fn apply_to(self, of: &mut $of) {
            $value::apply_to(self, of)
        }
        fn key(of: &$of, field: &str) -> String {
            $key(of.id, field)
        }
        fn agrees_with(&self, other: &Self) -> bool {
            $value::agrees_with(self, other)
        }
    };
}

impl Merged for ItemValue {
    /// The checklist and the item.
    type Owner = (Id, Id);
    type Conflict = ItemConflict;
    inherent!(ItemValue, Item, item_key);
    fn conflict(
        (checklist, item): (Id, Id),
        field: String,
        kept: ItemVersion,
        lost: ItemVersion,
    ) -> ItemConflict {
        ItemConflict {
            checklist,
            item,
            field,
            kept,
            lost,
        }
    }
}

impl Merged for TaskValue {
    type Owner = Id;
    type Conflict = TaskConflict;
    inherent!(TaskValue, Task, task_key);
    fn conflict(task: Id, field: String, kept: TaskVersion, lost: TaskVersion) -> TaskConflict {
        TaskConflict {
            task,
            field,
            kept,
            lost,
        }
    }
}

/// Field versions, keyed by [`Merged::key`], and the crossings seen so far.
struct Versions<V: Merged> {
    current: BTreeMap<String, Version<V>>,
    /// The field's key, who the conflict names, and the version overwritten.
    crossed: Vec<(String, V::Owner, Version<V>)>,
}

impl<V: Merged> Default for Versions<V> {
    fn default() -> Self {
        Versions {
            current: BTreeMap::new(),
            crossed: Vec::new(),
        }
    }
}

impl<V: Merged> Versions<V> {
    /// Records every field of `of` as set by `by`, the change that made it.
    fn open(&mut self, of: &V::Of, by: &Change) {
        for field in V::FIELDS {
            if let Some(value) = V::read(of, field) {
                self.current.insert(V::key(of, field), version(value, by));
            }
        }
    }

    /// Sets one field as change `c` does, keeping the value it overwrites
    /// when `c`'s author had not seen it (`base`).
    fn set(&mut self, of: &mut V::Of, owner: V::Owner, value: &V, base: Option<Id>, c: &Change) {
        let key = V::key(of, value.field());
        if let Some(current) = self.current.get(&key)
            && base != Some(current.change)
            && !current.value.agrees_with(value)
        {
            self.crossed.push((key.clone(), owner, current.clone()));
        }
        value.clone().apply_to(of);
        self.current.insert(key, version(value.clone(), c));
    }

    /// The conflicts still open: each with the field's current value as its
    /// `kept` side (what overwrote it may have been overwritten since), the
    /// settled ones and those whose sides now agree left out. Then the
    /// change that set each field.
    fn finish(
        self,
        settled: &BTreeSet<&ConflictRef>,
    ) -> (Vec<V::Conflict>, impl Iterator<Item = (String, Id)>) {
        let mut conflicts = Vec::new();
        for (key, owner, lost) in self.crossed {
            let kept = &self.current[&key];
            let reference = ConflictRef {
                change: lost.change,
                field: key,
            };
            if !settled.contains(&reference) && !kept.value.agrees_with(&lost.value) {
                let field = lost.value.field().to_owned();
                conflicts.push(V::conflict(owner, field, kept.clone(), lost));
            }
        }
        let setters = self.current.into_iter().map(|(k, v)| (k, v.change));
        (conflicts, setters)
    }
}

fn version<V>(value: V, c: &Change) -> Version<V> {
    Version {
        value,
        change: c.id,
        by: c.by.clone(),
        at: c.at,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The generic versions are written and read as the three separate
    /// structs were: stored logs and the wire keep their shape.
    #[test]
    fn conflicts_keep_their_json_shape() {
        fn id(n: u64) -> Id {
            Id::new_v7(1_700_000_000_000 + n, [n as u8; 10])
        }
        fn side<V>(value: V, n: u64) -> Version<V> {
            let at = DateTime::parse_from_rfc3339("2026-12-02T09:30:00Z").unwrap();
            Version {
                value,
                change: id(n),
                by: "ana".into(),
                at: at.with_timezone(&Utc),
            }
        }
        let item = ItemConflict {
            checklist: id(1),
            item: id(2),
            field: "note".into(),
            kept: side(ItemValue::Note("kept".into()), 3),
            lost: side(ItemValue::Note("lost".into()), 4),
        };
        let task = TaskConflict {
            task: id(5),
            field: "notes".into(),
            kept: side(TaskValue::Notes("kept".into()), 6),
            lost: side(TaskValue::Notes("lost".into()), 7),
        };
        let case = Conflict {
            field: "description".into(),
            kept: side(FieldValue::Description("kept".into()), 8),
            lost: side(FieldValue::Description("lost".into()), 9),
        };
        let version = |field: &str, value: &str, n| {
            format!(
                r#"{{"value":{{"field":"{field}","value":"{value}"}},"change":"{}","by":"ana","at":"2026-12-02T09:30:00Z"}}"#,
                id(n)
            )
        };
        let item_json = format!(
            r#"{{"checklist":"{}","item":"{}","field":"note","kept":{},"lost":{}}}"#,
            id(1),
            id(2),
            version("note", "kept", 3),
            version("note", "lost", 4)
        );
        let task_json = format!(
            r#"{{"task":"{}","field":"notes","kept":{},"lost":{}}}"#,
            id(5),
            version("notes", "kept", 6),
            version("notes", "lost", 7)
        );
        let case_json = format!(
            r#"{{"field":"description","kept":{},"lost":{}}}"#,
            version("description", "kept", 8),
            version("description", "lost", 9)
        );
        assert_eq!(serde_json::to_string(&item).unwrap(), item_json);
        assert_eq!(serde_json::to_string(&task).unwrap(), task_json);
        assert_eq!(serde_json::to_string(&case).unwrap(), case_json);
        assert_eq!(
            serde_json::from_str::<ItemConflict>(&item_json).unwrap(),
            item
        );
        assert_eq!(
            serde_json::from_str::<TaskConflict>(&task_json).unwrap(),
            task
        );
        assert_eq!(serde_json::from_str::<Conflict>(&case_json).unwrap(), case);
    }
}
