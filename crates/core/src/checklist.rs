//! Discharge-planning checklists (groundwork for issue 5): templates shipped
//! as data, their versions, checklists started from them, and the progress
//! arithmetic the case and the case list show.
//!
//! A template is edited by making a new *version* with the same id; a
//! checklist copies the items of the version it was started from, so editing
//! a template never changes a checklist already under way.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{MAX_NAME, MAX_SHORT, MAX_TEXT};
use crate::id::Id;
use crate::reference::Responsible;
use crate::validation::Problems;

pub use crate::default_templates::default_templates;

pub mod editor;

/// Items in one checklist at most (a checklist longer than this is not read
/// at a bedside); the sync checks refuse a longer one.
pub const MAX_ITEMS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Template {
    pub id: Id,
    /// 1 for a new template; each edit makes the next.
    pub version: u32,
    pub name: String,
    /// Where the content comes from, shown with it.
    pub source: String,
    pub sections: Vec<Section>,
}
crate::record!(Template);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Section {
    pub title: String,
    pub items: Vec<TemplateItem>,
}
crate::record!(Section);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct TemplateItem {
    pub text: String,
    /// Who usually sees to it.
    pub responsible: Responsible,
    /// Discharge should not happen while it is open.
    pub required: bool,
}
crate::record!(TemplateItem);

impl Template {
    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    /// Checks what a manager typed: every problem at once.
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        p.text("name", "Template name", &self.name, MAX_NAME);
        p.optional_text("source", "Source", &self.source, MAX_TEXT);
        if self.item_count() == 0 {
            p.add("sections", "A template needs at least one item.");
        }
        if self.item_count() > MAX_ITEMS {
            p.add(
                "sections",
                format!("A template has at most {MAX_ITEMS} items: split it in two."),
            );
        }
        for (i, s) in self.sections.iter().enumerate() {
            p.text(
                &format!("sections.{i}.title"),
                "Section title",
                &s.title,
                MAX_SHORT,
            );
            for (j, item) in s.items.iter().enumerate() {
                p.text(
                    &format!("sections.{i}.items.{j}.text"),
                    "Item",
                    &item.text,
                    MAX_SHORT * 5,
                );
            }
        }
        p.into_result(())
    }

    /// The next version of this template with `edited`'s content.
    pub fn revise(&self, edited: Template) -> Result<Template, Problems> {
        let next = Template {
            id: self.id,
            version: self.version + 1,
            ..edited
        };
        next.check()?;
        Ok(next)
    }

    /// A new template (version 1) starting from this one's content.
    pub fn copy(&self, id: Id, name: &str) -> Result<Template, Problems> {
        let copy = Template {
            id,
            version: 1,
            name: name.trim().to_owned(),
            ..self.clone()
        };
        copy.check()?;
        Ok(copy)
    }
}

/// How a saved template version relates to the newest one already kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Succession {
    /// The next version (or version 1 of a new template): keep it.
    Next,
    /// The very version already kept, unchanged: a retried save.
    Retry,
    /// Someone else saved `latest` first, or the version skips ahead.
    Stale { latest: u32 },
}

/// The one rule for template versions, used by the server to accept a save
/// and by the app to explain a refusal. The built-in templates count as
/// version 1 of their ids even where no server has stored them.
pub fn succession(latest: Option<&Template>, saved: &Template) -> Succession {
    let builtin = default_templates().into_iter().find(|t| t.id == saved.id);
    let latest = latest.or(builtin.as_ref());
    match latest {
        None if saved.version == 1 => Succession::Next,
        None => Succession::Stale { latest: 0 },
        Some(l) if saved.version == l.version + 1 => Succession::Next,
        Some(l) if l == saved => Succession::Retry,
        Some(l) => Succession::Stale { latest: l.version },
    }
}

/// The templates to offer: the newest version of each id among the built-in
/// ones and those `known` (from the server), built-in first, then by name.
pub fn newest_templates(known: &[Template]) -> Vec<Template> {
    let mut all = default_templates();
    let builtin = all.len();
    for t in known {
        match all.iter_mut().find(|a| a.id == t.id) {
            Some(a) if a.version < t.version => *a = t.clone(),
            Some(_) => {}
            None => all.push(t.clone()),
        }
    }
    crate::order::sort_by_key(&mut all[builtin..], |a| a.name.to_lowercase());
    all
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum ItemState {
    ToDo,
    Done {
        by: String,
        #[serde(with = "crate::wire_time::utc")]
        at: DateTime<Utc>,
    },
    NotApplicable {
        reason: String,
        by: String,
        #[serde(with = "crate::wire_time::utc")]
        at: DateTime<Utc>,
    },
}
crate::tagged!(ItemState, "state");

/// One item of a patient's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Item {
    pub id: Id,
    pub section: String,
    pub text: String,
    pub responsible: Responsible,
    pub required: bool,
    pub state: ItemState,
    #[serde(with = "crate::wire_time::day_opt", default)]
    pub due: Option<NaiveDate>,
    /// For the care team only: never printed for the patient.
    pub note: String,
}
crate::record!(Item);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Checklist {
    pub id: Id,
    pub template: Id,
    pub template_version: u32,
    pub title: String,
    pub items: Vec<Item>,
}
crate::record!(Checklist);

impl Checklist {
    /// A checklist from `template` as it is now; `ids` gives each item its id.
    pub fn start(id: Id, template: &Template, mut ids: impl FnMut() -> Id) -> Checklist {
        let items = template
            .sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |t| (s.title.clone(), t.clone())))
            .map(|(section, t)| Item {
                id: ids(),
                section,
                text: t.text,
                responsible: t.responsible,
                required: t.required,
                state: ItemState::ToDo,
                due: None,
                note: String::new(),
            })
            .collect();
        Checklist {
            id,
            template: template.id,
            template_version: template.version,
            title: template.name.clone(),
            items,
        }
    }

    pub fn progress(&self) -> Progress {
        let mut p = Progress::default();
        for item in &self.items {
            p.total += 1;
            match item.state {
                ItemState::ToDo if item.required => p.required_open += 1,
                ItemState::ToDo => {}
                ItemState::Done { .. } | ItemState::NotApplicable { .. } => p.finished += 1,
            }
        }
        p
    }
}

/// How far a checklist (or several) has come. "Not applicable" counts as
/// finished: it was looked at and decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: usize,
    pub finished: usize,
    pub required_open: usize,
}

impl std::ops::Add for Progress {
    type Output = Progress;
    fn add(self, o: Progress) -> Progress {
        Progress {
            total: self.total + o.total,
            finished: self.finished + o.finished,
            required_open: self.required_open + o.required_open,
        }
    }
}

impl Progress {
    /// "9 of 14, 2 required items left".
    pub fn describe(&self) -> String {
        let left = match self.required_open {
            0 => "no required items left".to_owned(),
            1 => "1 required item left".to_owned(),
            n => format!("{n} required items left"),
        };
        format!("{} of {}, {left}", self.finished, self.total)
    }

    /// Ready for discharge as far as the checklist goes.
    pub fn is_ready(&self) -> bool {
        self.required_open == 0
    }
}

/// One field of a checklist item: items merge field by field, like case
/// fields, so two people ticking different items both keep their ticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum ItemValue {
    State(ItemState),
    Responsible(Responsible),
    Due(#[serde(with = "crate::wire_time::day_opt")] Option<NaiveDate>),
    Note(String),
}
crate::tagged!(ItemValue, "field", "value");

impl ItemValue {
    pub const FIELDS: &'static [&'static str] = &["state", "responsible", "due", "note"];

    pub fn field(&self) -> &'static str {
        match self {
            ItemValue::State(_) => "state",
            ItemValue::Responsible(_) => "responsible",
            ItemValue::Due(_) => "due",
            ItemValue::Note(_) => "note",
        }
    }

    pub fn read(item: &Item, field: &str) -> Option<ItemValue> {
        Some(match field {
            "state" => ItemValue::State(item.state.clone()),
            "responsible" => ItemValue::Responsible(item.responsible),
            "due" => ItemValue::Due(item.due),
            "note" => ItemValue::Note(item.note.clone()),
            _ => return None,
        })
    }

    pub fn apply_to(self, item: &mut Item) {
        match self {
            ItemValue::State(v) => item.state = v,
            ItemValue::Responsible(v) => item.responsible = v,
            ItemValue::Due(v) => item.due = v,
            ItemValue::Note(v) => item.note = v,
        }
    }

    /// Whether two values say the same thing, whoever said it and when:
    /// two people both ticking "Done" did not cross, nor did two giving the
    /// same reason.
    pub fn agrees_with(&self, other: &ItemValue) -> bool {
        use ItemState::*;
        match (self, other) {
            (ItemValue::State(Done { .. }), ItemValue::State(Done { .. })) => true,
            (
                ItemValue::State(NotApplicable { reason: a, .. }),
                ItemValue::State(NotApplicable { reason: b, .. }),
            ) => a.trim().eq_ignore_ascii_case(b.trim()),
            (a, b) => a == b,
        }
    }

    /// For people: "Done", "Not applicable: lives in assisted living".
    pub fn display(&self) -> String {
        match self {
            ItemValue::State(ItemState::ToDo) => "To do".into(),
            ItemValue::State(ItemState::Done { .. }) => "Done".into(),
            ItemValue::State(ItemState::NotApplicable { reason, .. }) => {
                format!("Not applicable: {reason}")
            }
            ItemValue::Responsible(r) => r.label().into(),
            ItemValue::Due(d) => d.map_or_else(|| "(none)".into(), crate::dates::short),
            ItemValue::Note(n) => n.clone(),
        }
    }
}

/// An item a coordinator adds to one patient's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemDraft {
    pub text: String,
    /// Empty: "Added for this patient".
    pub section: String,
    pub responsible: Option<Responsible>,
    pub required: bool,
    pub due: Option<NaiveDate>,
}

pub const ADDED_SECTION: &str = "Added for this patient";

impl ItemDraft {
    pub fn validate(&self, id: Id) -> Result<Item, Problems> {
        let mut p = Problems::default();
        let text = p.text("text", "Item", &self.text, MAX_SHORT * 5);
        let section = p.optional_text("section", "Section", &self.section, MAX_SHORT);
        let Some(responsible) = self.responsible else {
            p.add("responsible", "Say who sees to it.");
            return Err(p);
        };
        p.into_result(Item {
            id,
            section: if section.is_empty() {
                ADDED_SECTION.to_owned()
            } else {
                section
            },
            text,
            responsible,
            required: self.required,
            state: ItemState::ToDo,
            due: self.due,
            note: String::new(),
        })
    }
}

/// The key an item field's version and conflicts go by.
pub fn item_key(item: Id, field: &str) -> String {
    format!("item:{item}:{field}")
}

/// Marks `item` done, or not applicable for `reason` (which must be given).
pub fn decide(
    item: &mut Item,
    not_applicable: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), Problems> {
    item.state = match not_applicable.map(str::trim) {
        None => ItemState::Done {
            by: by.to_owned(),
            at,
        },
        Some("") => {
            let mut p = Problems::default();
            p.add("reason", "Say why the item does not apply.");
            return Err(p);
        }
        Some(reason) => ItemState::NotApplicable {
            reason: reason.to_owned(),
            by: by.to_owned(),
            at,
        },
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn counter() -> impl FnMut() -> Id {
        let mut n = 0u64;
        move || {
            n += 1;
            Id::new_v7(n, [n as u8; 10])
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    #[test]
    fn the_defaults_are_the_reference_lists_with_their_sources() {
        let t = default_templates();
        assert_eq!(t.len(), 2);
        assert!(t[0].source.contains("CMS Product No. 11376"));
        assert_eq!(t[0].sections.len(), 7);
        assert_eq!(t[0].item_count(), 20);
        assert!(t[1].source.contains("AHRQ"));
        assert_eq!(t[1].item_count(), 12, "RED has twelve components");
        for template in &t {
            template.check().unwrap();
        }
        assert_ne!(t[0].id, t[1].id);
    }

    #[test]
    fn editing_a_template_makes_a_new_version_and_leaves_started_checklists_alone() {
        let v1 = default_templates().remove(1);
        let started = Checklist::start(Id::new_v7(100, [9; 10]), &v1, counter());
        let mut edited = v1.clone();
        edited.sections[0].items.truncate(3);
        edited.sections[0].items[0].text = "Arrange an interpreter".into();
        let v2 = v1.revise(edited).unwrap();
        assert_eq!((v2.id, v2.version), (v1.id, 2));
        assert_eq!(v2.item_count(), 3);
        assert_eq!(started.template_version, 1);
        assert_eq!(
            started.items.len(),
            12,
            "the checklist keeps the items it started with"
        );
        assert_eq!(started.items[0].text, v1.sections[0].items[0].text);
        let fresh = Checklist::start(Id::new_v7(101, [8; 10]), &v2, counter());
        assert_eq!((fresh.template_version, fresh.items.len()), (2, 3));
    }

    #[test]
    fn a_version_follows_the_newest_kept_one_and_a_retry_is_recognised() {
        let v1 = default_templates().remove(0);
        let mut edited = v1.clone();
        edited.name = "Discharge checklist, Ward 4 West".into();
        let v2 = v1.revise(edited).unwrap();
        assert_eq!(
            succession(None, &v2),
            Succession::Next,
            "a built-in template is version 1 even if no server stored it"
        );
        assert_eq!(succession(Some(&v2), &v2), Succession::Retry);
        let mut other_v2 = v2.clone();
        other_v2.name = "Someone else's edit".into();
        assert_eq!(
            succession(Some(&v2), &other_v2),
            Succession::Stale { latest: 2 },
            "two managers editing version 1: the second save is refused, not merged"
        );
        let new = v1.copy(Id::new_v7(7, [7; 10]), "Short stay").unwrap();
        assert_eq!(succession(None, &new), Succession::Next);
        let mut skipping = new.clone();
        skipping.version = 3;
        assert_eq!(succession(None, &skipping), Succession::Stale { latest: 0 });

        let offered = newest_templates(&[v2.clone(), new.clone(), v1.clone()]);
        assert_eq!(offered.len(), 3);
        assert_eq!(offered[0], v2, "the newest version replaces the built-in");
        assert_eq!(offered[2], new);
    }

    #[test]
    fn an_empty_or_nameless_template_is_refused_with_every_problem() {
        let mut t = default_templates().remove(0);
        t.name = " ".into();
        t.sections.iter_mut().for_each(|s| s.items.clear());
        let p = t.check().unwrap_err();
        assert_eq!(p.fields(), ["name", "sections"]);
        let mut long = default_templates().remove(1);
        let item = long.sections[0].items[0].clone();
        long.sections[0].items = vec![item; MAX_ITEMS + 1];
        assert_eq!(
            long.check().unwrap_err().fields(),
            ["sections"],
            "a checklist the sync checks would refuse is never started"
        );
        let copy = default_templates()[0]
            .copy(Id::new_v7(5, [5; 10]), "Ward 4 West")
            .unwrap();
        assert_eq!((copy.version, copy.name.as_str()), (1, "Ward 4 West"));
    }

    #[test]
    fn progress_counts_not_applicable_as_finished_and_required_items_left() {
        let t = default_templates().remove(0);
        let mut c = Checklist::start(Id::new_v7(1, [1; 10]), &t, counter());
        let required = c.items.iter().filter(|i| i.required).count();
        assert_eq!(
            c.progress().describe(),
            format!("0 of 20, {required} required items left")
        );
        let (first_required, optional): (Vec<usize>, Vec<usize>) =
            (0..c.items.len()).partition(|&i| c.items[i].required);
        decide(&mut c.items[first_required[0]], None, "ana", at()).unwrap();
        decide(
            &mut c.items[optional[0]],
            Some("Lives in assisted living"),
            "ana",
            at(),
        )
        .unwrap();
        assert!(decide(&mut c.items[optional[1]], Some("  "), "ana", at()).is_err());
        assert_eq!(
            c.items[optional[1]].state,
            ItemState::ToDo,
            "refused changes nothing"
        );
        let p = c.progress();
        assert_eq!(
            (p.finished, p.total, p.required_open),
            (2, 20, required - 1)
        );
        assert!(!p.is_ready());
        for i in first_required {
            decide(&mut c.items[i], None, "ben", at()).unwrap();
        }
        assert!(c.progress().is_ready());
        assert_eq!(
            (c.progress() + c.progress()).describe(),
            format!("{} of 40, no required items left", 2 * (required + 1))
        );
    }
}
