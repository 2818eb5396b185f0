//! The caseload a device holds: every case with its interactions, kept in
//! memory for instant search, and the query behind the case list.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::Case;
use crate::case::CaseCommand;
use crate::change::{FieldSet, ItemSet, Op, TaskSet};
use crate::checklist::{Checklist, ItemDraft, ItemState, ItemValue, Template, item_key};
use crate::followup::{Response, Standing, Task, TaskValue, task_key};
use crate::id::Id;
use crate::interaction::Interaction;
use crate::listing::ListRow;
use crate::log::{Conflict, Deletion, ItemConflict, SetAside, TaskConflict};
use crate::reference::CaseKind;
use crate::status::Status;
use crate::validation::Problems;

/// One case and everything logged on it: the unit a device stores under one
/// key, so saving an interaction rewrites kilobytes, not the whole store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseFile {
    pub case: Case,
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    /// Concurrent edits a person has yet to settle (see `log.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// Changes the server refused, with its reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Deletion>,
    /// For each field, the change that set its current value: the `base`
    /// of the next edit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, Id>,
    /// Concurrent edits of checklist items a person has yet to settle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_conflicts: Vec<ItemConflict>,
    /// Concurrent edits of tasks a person has yet to settle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_conflicts: Vec<TaskConflict>,
    /// Escalations made here and not yet on the server ("not yet delivered").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undelivered: Vec<Id>,
    /// Changes on this device the server does not have yet.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pending: usize,
}
crate::record!(CaseFile);

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CaseFile {
    /// The change that `command` makes to this case as this replica sees
    /// it: the history entry and each field's new value, based on the
    /// version of the field seen here (what conflict detection compares).
    pub fn edit(&self, command: CaseCommand) -> Result<Op, Problems> {
        let (event, values) = self.case.plan(command)?;
        let sets = values
            .into_iter()
            .map(|value| FieldSet {
                base: self.versions.get(value.field()).copied(),
                value,
            })
            .collect();
        Ok(Op::Edit {
            event,
            sets,
            settles: vec![],
        })
    }

    /// The change that sets `values` on one item of one checklist, each
    /// based on the version of the field seen here.
    pub fn set_item(
        &self,
        checklist: Id,
        item: Id,
        values: Vec<ItemValue>,
    ) -> Result<Op, Problems> {
        let mut p = Problems::default();
        let found = self
            .case
            .checklists
            .iter()
            .find(|k| k.id == checklist)
            .and_then(|k| k.items.iter().find(|i| i.id == item));
        let Some(found) = found else {
            p.add("item", "This checklist item is not on this case.");
            return Err(p);
        };
        // The same limits the server applies, said here, before saving.
        for v in &values {
            match v {
                ItemValue::State(ItemState::NotApplicable { reason, .. }) => {
                    if reason.trim().is_empty() {
                        p.add("reason", "Say why the item does not apply.");
                    } else {
                        p.text("reason", "Reason", reason, crate::case::MAX_TEXT);
                    }
                }
                ItemValue::Note(n) => {
                    p.optional_text("note", "Note", n, crate::case::MAX_TEXT);
                }
                _ => {}
            }
        }
        if values.is_empty() {
            p.add("item", "Nothing to change.");
        }
        let to = values
            .iter()
            .map(ItemValue::display)
            .collect::<Vec<_>>()
            .join(", ");
        let sets = values
            .into_iter()
            .map(|value| ItemSet {
                base: self.versions.get(&item_key(item, value.field())).copied(),
                value,
            })
            .collect();
        p.into_result(Op::SetItem {
            checklist,
            item,
            event: crate::case::CaseChange::ItemChanged {
                text: found.text.clone(),
                to,
            },
            sets,
            settles: vec![],
        })
    }

    /// The change that starts a checklist from `template` as it is now.
    pub fn start_checklist(
        &self,
        template: &Template,
        ids: impl FnMut() -> Id,
        id: Id,
    ) -> Result<Op, Problems> {
        let mut p = Problems::default();
        if !self.case.status.is_active() {
            p.add("template", "Reopen the case to start a checklist.");
        }
        if self
            .case
            .checklists
            .iter()
            .any(|k| k.template == template.id)
        {
            p.add(
                "template",
                format!("“{}” is already started on this case.", template.name),
            );
        }
        p.into_result(())?;
        Ok(Op::StartChecklist {
            checklist: Box::new(Checklist::start(id, template, ids)),
        })
    }

    /// The change that adds `draft` to one of the case's checklists.
    pub fn add_item(&self, checklist: Id, draft: &ItemDraft, id: Id) -> Result<Op, Problems> {
        let item = draft.validate(id)?;
        if !self.case.checklists.iter().any(|k| k.id == checklist) {
            let mut p = Problems::default();
            p.add("checklist", "This checklist is not on this case.");
            return Err(p);
        }
        Ok(Op::AddItem {
            checklist,
            item: Box::new(item),
        })
    }

    /// A person decides two crossing edits of an item: keep what shows, or
    /// put the overwritten value back. Either way the change names the
    /// crossing it settles, so a later edit of the field never revives it.
    pub fn settle_item(&self, conflict: &ItemConflict, restore_lost: bool) -> Result<Op, Problems> {
        if restore_lost {
            let mut op = self.set_item(
                conflict.checklist,
                conflict.item,
                vec![conflict.lost.value.clone()],
            )?;
            if let Op::SetItem { settles, .. } = &mut op {
                settles.push(conflict.reference());
            }
            return Ok(op);
        }
        let text = self
            .case
            .checklists
            .iter()
            .flat_map(|k| &k.items)
            .find(|i| i.id == conflict.item)
            .map(|i| i.text.clone())
            .unwrap_or_default();
        Ok(Op::Edit {
            event: crate::case::CaseChange::Settled {
                field: format!("“{text}”"),
                kept: conflict.kept.value.display(),
                discarded: conflict.lost.value.display(),
            },
            sets: vec![],
            settles: vec![conflict.reference()],
        })
    }

    /// The change that makes a follow-up on this case.
    pub fn add_task(&self, task: Task) -> Result<Op, Problems> {
        let mut p = Problems::default();
        if self.case.tasks.iter().any(|t| t.id == task.id) {
            p.add("task", "This follow-up is already on the case.");
        }
        p.into_result(Op::AddTask {
            task: Box::new(task),
        })
    }

    /// The change that sets `values` on one task, each based on the version
    /// of the field seen here.
    pub fn set_task(&self, task: Id, values: Vec<TaskValue>) -> Result<Op, Problems> {
        let mut p = Problems::default();
        let Some(found) = self.case.tasks.iter().find(|t| t.id == task) else {
            p.add("task", "This follow-up is not on this case.");
            return Err(p);
        };
        for v in &values {
            if let Some((field, message)) = v.problem() {
                p.add(field, message);
            }
        }
        if values.is_empty() {
            p.add("task", "Nothing to change.");
        }
        let to = values
            .iter()
            .map(|v| match v {
                TaskValue::Owner(o) => format!("owner {o}"),
                TaskValue::Due(_) | TaskValue::Time(_) => format!("due {}", v.display()),
                _ => v.display(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sets = values
            .into_iter()
            .map(|value| TaskSet {
                base: self.versions.get(&task_key(task, value.field())).copied(),
                value,
            })
            .collect();
        p.into_result(Op::SetTask {
            task,
            event: crate::case::CaseChange::TaskChanged {
                title: found.title.clone(),
                to,
            },
            sets,
            settles: vec![],
        })
    }

    /// A person decides two crossing edits of a task, as for items.
    pub fn settle_task(&self, conflict: &TaskConflict, restore_lost: bool) -> Result<Op, Problems> {
        if restore_lost {
            let mut op = self.set_task(conflict.task, vec![conflict.lost.value.clone()])?;
            if let Op::SetTask { settles, .. } = &mut op {
                settles.push(conflict.reference());
            }
            return Ok(op);
        }
        let title = self
            .case
            .tasks
            .iter()
            .find(|t| t.id == conflict.task)
            .map(|t| t.title.clone())
            .unwrap_or_default();
        Ok(Op::Edit {
            event: crate::case::CaseChange::Settled {
                field: format!("“{title}”"),
                kept: conflict.kept.value.display(),
                discarded: conflict.lost.value.display(),
            },
            sets: vec![],
            settles: vec![conflict.reference()],
        })
    }

    /// The change that answers one of the case's escalations.
    pub fn respond(&self, response: Response) -> Result<Op, Problems> {
        let mut p = Problems::default();
        match self
            .case
            .escalations
            .iter()
            .find(|x| x.id == response.escalation)
        {
            None => p.add("escalation", "This escalation is not on this case."),
            Some(x) if x.standing() == Standing::Answered => {
                p.add("escalation", "This escalation has been answered.")
            }
            Some(_) => {}
        }
        if let Some((field, message)) = response.answer.problem() {
            p.add(field, message);
        }
        p.into_result(Op::Respond {
            response: Box::new(response),
        })
    }

    /// A case file as the first releases stored it: no sync state.
    pub fn new(case: Case, interactions: Vec<Interaction>) -> Self {
        CaseFile {
            case,
            interactions,
            conflicts: Vec::new(),
            set_aside: Vec::new(),
            deleted: None,
            versions: BTreeMap::new(),
            item_conflicts: Vec::new(),
            task_conflicts: Vec::new(),
            undelivered: Vec::new(),
            pending: 0,
        }
    }
}

impl CaseFile {
    /// Lower-cased text that search looks in: patient name, MRN, unit,
    /// room, description, tags and every interaction's words as the case
    /// says them now. A corrected version's words are left out: the case no
    /// longer says them (they stay visible under "Earlier versions").
    fn haystack(&self) -> String {
        let c = &self.case;
        let mut s = String::with_capacity(256);
        for part in [
            &c.patient.name,
            &c.patient.mrn,
            &c.patient.unit,
            &c.patient.room,
            &c.description,
        ] {
            s.push_str(part);
            s.push('\n');
        }
        for t in &c.tags {
            s.push_str(t);
            s.push('\n');
        }
        for r in crate::interaction::resolve(&self.interactions) {
            let i = r.current;
            s.push_str(&i.summary);
            s.push('\n');
            s.push_str(&i.outcome);
            s.push('\n');
            if let Some(f) = &i.follow_up {
                s.push_str(&f.what);
                s.push('\n');
            }
        }
        s.to_lowercase()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Words, all of which must appear (in any field).
    pub text: String,
    pub status: Option<Status>,
    pub kind: Option<CaseKind>,
    pub unit: Option<String>,
    /// Only cases assigned to this person.
    pub assigned_to: Option<String>,
    pub overdue_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Caseload {
    /// Every case's list row, and its file once read: a start lists the
    /// stored rows before it has read the files (`listing.rs`). One map,
    /// not two: each map type is its own compiled code (README, Size).
    files: BTreeMap<Id, Listed>,
}

#[derive(Debug, Clone)]
struct Listed {
    row: ListRow,
    /// The file and its search text.
    file: Option<(CaseFile, String)>,
}

/// The case list for a query (`Caseload::list`).
#[derive(Debug, Default)]
pub struct List<'a> {
    /// Matching rows, most urgent first.
    pub rows: Vec<&'a ListRow>,
    /// Cases that pass the filters but whose text is not read yet, so the
    /// query's words cannot be looked for in them (only while a start
    /// reads the logs behind the stored rows).
    pub unread: usize,
}

impl Caseload {
    pub fn new(files: impl IntoIterator<Item = CaseFile>) -> Self {
        let mut load = Caseload::default();
        for f in files {
            load.put(f);
        }
        load
    }

    /// Adds a case known by its list row only, its file still to be read
    /// (`put` it once it is).
    pub fn list_row(&mut self, row: ListRow) {
        self.files.insert(row.id, Listed { row, file: None });
    }

    /// Inserts or replaces a case file, refreshing its search text and row.
    pub fn put(&mut self, file: CaseFile) {
        let hay = file.haystack();
        let row = ListRow::of(&file);
        self.files.insert(
            file.case.id,
            Listed {
                row,
                file: Some((file, hay)),
            },
        );
    }

    pub fn remove(&mut self, id: &Id) {
        self.files.remove(id);
    }

    /// The file, once read.
    pub fn get(&self, id: &Id) -> Option<&CaseFile> {
        self.files.get(id)?.file.as_ref().map(|(f, _)| f)
    }

    /// The case's list row.
    pub fn row(&self, id: &Id) -> Option<&ListRow> {
        self.files.get(id).map(|l| &l.row)
    }

    /// The files read so far (all of them once `unread()` is 0).
    pub fn iter(&self) -> impl Iterator<Item = &CaseFile> {
        self.files
            .values()
            .filter_map(|l| l.file.as_ref().map(|(f, _)| f))
    }

    /// Cases on the device, read or only listed.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Cases listed whose file is not read yet.
    pub fn unread(&self) -> usize {
        self.files.values().filter(|l| l.file.is_none()).count()
    }

    /// The list rows, by case id.
    pub fn rows(&self) -> impl Iterator<Item = &ListRow> {
        self.files.values().map(|l| &l.row)
    }

    /// Units that appear on cases, sorted, for the unit filter.
    pub fn units(&self) -> Vec<String> {
        let mut u: Vec<String> = self
            .rows()
            .map(|r| r.unit.clone())
            .filter(|u| !u.is_empty())
            .collect();
        crate::order::sort(&mut u);
        u.dedup();
        u
    }

    /// The case list: rows matching `query`, most urgent first.
    pub fn list(&self, query: &Query, today: NaiveDate) -> List<'_> {
        let words: Vec<String> = query
            .text
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let mut out = List::default();
        for l in self.files.values().filter(|l| l.row.fits(query, today)) {
            match &l.file {
                Some((_, hay)) if words.iter().all(|w| hay.contains(w.as_str())) => {
                    out.rows.push(&l.row)
                }
                Some(_) => {}
                None if words.is_empty() => out.rows.push(&l.row),
                None => out.unread += 1,
            }
        }
        crate::order::sort_by_key(&mut out.rows, |r| r.urgency(today));
        out
    }

    /// The files matching `query`, most urgent first (those read).
    pub fn query(&self, query: &Query, today: NaiveDate) -> Vec<&CaseFile> {
        self.list(query, today)
            .rows
            .into_iter()
            .filter_map(|r| self.get(&r.id))
            .collect()
    }

    pub fn interaction_count(&self) -> usize {
        self.iter().map(|f| f.interactions.len()).sum()
    }

    pub fn files(&self) -> impl Iterator<Item = &CaseFile> {
        self.iter()
    }
}
