//! The managers' list editor, drawn as a desk page (`GET /api/supplies/list
//! ?unit=…[&edit=<item>]`, sent back as a browser sends a form to `POST
//! /api/supplies/list`): each unit's items, a form to add one or change
//! one, taking one off the list, and copying the list to another unit.
//!
//! A desk page (docs/ARCHITECTURE.md) because editing a list is a desk
//! task that needs the server to reach the tablets anyway, and drawing it
//! in the client would compile its forms into every tablet's download (the
//! size budget). The server turns each form into supply changes in the same
//! stream the tablets push to (`AddItem`, `SetItem` with each field's
//! `base`), so a list edited here reaches every tablet by its next pull.

use super::book::Book;
use super::change::{ItemSet, SupplyOp};
use super::item::{Item, ItemDraft, ItemValue, Kind};
use super::schedule::Every;
use crate::directory::page::value;
use crate::id::Id;
use crate::markup::{escape, summary, tied};
use crate::reference::Identified;
use crate::validation::Problems;

/// Where the page is drawn and sent.
pub const PAGE: &str = "/api/supplies/list";

/// The id of the control named `name`.
pub fn control_id(name: &str) -> String {
    format!("supply-{}", name.replace('_', "-"))
}

/// What a form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Add the item typed, or save its changes (`editing`).
    Save {
        unit: String,
        editing: Option<Id>,
        draft: ItemDraft,
        /// The id a new item gets, made when the form was drawn: the same
        /// form sent twice adds it once.
        new: Option<Id>,
    },
    /// Take an item off the list (its history stays).
    Retire { unit: String, item: Id },
    /// Copy the unit's listed items to another unit.
    Copy { unit: String, to: String },
}

/// The form as sent.
pub fn asked(fields: &[(String, String)]) -> Asked {
    let text = |name: &str| value(fields, name).unwrap_or_default().trim().to_owned();
    let unit = text("unit");
    let item = text("item").parse().ok();
    match (value(fields, "do"), item) {
        (Some("retire"), Some(item)) => Asked::Retire { unit, item },
        (Some("copy"), _) => Asked::Copy {
            unit,
            to: text("to"),
        },
        _ => Asked::Save {
            unit,
            editing: item,
            new: text("new").parse().ok(),
            draft: ItemDraft {
                kind: text("kind"),
                name: text("name"),
                count_unit: text("count_unit"),
                par: text("par"),
                alert: text("alert"),
                location: text("location"),
                every: text("every"),
            },
        },
    }
}

/// The changes that make `typed` (parsed, with the id it is saved under)
/// the list's: a new item added; an edited one's changed fields set, each
/// on the value the manager saw (`base`). None when nothing changed.
pub fn ops(book: &Book, typed: &Item) -> Vec<SupplyOp> {
    let Some(now) = book.item(typed.id) else {
        return vec![SupplyOp::AddItem {
            item: Box::new(typed.clone()),
        }];
    };
    let sets: Vec<ItemSet> = ItemValue::FIELDS
        .iter()
        .filter(|f| **f != "retired")
        .filter_map(|f| {
            let new = ItemValue::read(typed, f)?;
            (ItemValue::read(now, f)? != new).then(|| ItemSet {
                base: book.setters.get(&(typed.id, new.field())).copied(),
                value: new,
            })
        })
        .collect();
    if sets.is_empty() {
        return Vec::new();
    }
    vec![SupplyOp::SetItem {
        item: typed.id,
        sets,
        settles: Vec::new(),
    }]
}

/// Taking `item` off the list.
pub fn retire(book: &Book, item: Id) -> SupplyOp {
    SupplyOp::SetItem {
        item,
        sets: vec![ItemSet {
            value: ItemValue::Retired(true),
            base: book.setters.get(&(item, "retired")).copied(),
        }],
        settles: Vec::new(),
    }
}

/// The items a copy adds to `to`: each listed item of `from` whose name
/// `to` does not list yet, under a new id (`fresh`).
pub fn copies(from: &Book, to: &Book, mut fresh: impl FnMut() -> Id) -> Vec<SupplyOp> {
    let key = |s: &str| s.trim().to_lowercase();
    let there: Vec<String> = to.listed().map(|i| key(&i.name)).collect();
    from.listed()
        .filter(|i| !there.contains(&key(&i.name)))
        .map(|i| SupplyOp::AddItem {
            item: Box::new(Item {
                id: fresh(),
                ..i.clone()
            }),
        })
        .collect()
}

/// What the page says after a form.
#[derive(Debug, Default)]
pub struct Said {
    pub problems: Problems,
    /// What was done, announced at the top.
    pub done: Option<String>,
}

/// The page for `unit` (one of `units`), editing `editing` (an item of its
/// list) or adding one under the id `fresh`, with the form `draft` as
/// typed when it was refused.
pub fn render(
    unit: &str,
    units: &[String],
    book: &Book,
    editing: Option<Id>,
    draft: Option<&ItemDraft>,
    fresh: Id,
    said: &Said,
) -> String {
    let e = escape(unit);
    // The unit shown is offered even when the structure does not name it
    // (a unit typed on a tablet before it was entered).
    let mut units = units.to_vec();
    if !units.iter().any(|u| u == unit) {
        units.insert(0, unit.to_owned());
    }
    let choices = |chosen: &str, skip: &str| -> String {
        units
            .iter()
            .filter(|u| u.as_str() != skip)
            .map(|u| {
                let on = if u == chosen { " selected" } else { "" };
                format!(r#"<option{on}>{}</option>"#, escape(u))
            })
            .collect()
    };
    let mut out = format!(
        r#"<div class="supply-list"><form data-get class="panel" aria-label="Choose a unit"><div class="field"><label for="supply-unit-choice">Unit</label><select id="supply-unit-choice" name="unit">{}</select></div><button type="submit">Show its list</button></form>"#,
        choices(unit, "")
    );
    if let Some(done) = &said.done {
        out += &format!(r#"<p class="notice" role="status">{}</p>"#, escape(done));
    }
    out += &format!(r#"<h2>Supplies and equipment of {e}</h2>"#);
    let rows: String = book
        .listed()
        .map(|i| {
            let what = match i.kind {
                Kind::Supply => format!(
                    "par {}, alert below {}, counted in {}",
                    i.par,
                    i.alert,
                    escape(&i.count_unit)
                ),
                Kind::Equipment => format!(
                    "checked {}",
                    i.every.map_or("(not scheduled)", Every::label).to_lowercase()
                ),
            };
            format!(
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{what}</td><td>{}</td><td><form data-get><input type="hidden" name="unit" value="{e}"><input type="hidden" name="edit" value="{}"><button type="submit" aria-label="Edit {}">Edit</button></form></td></tr>"#,
                escape(&i.name),
                i.kind.label(),
                escape(&i.location),
                i.id,
                escape(&i.name)
            )
        })
        .collect();
    out += &if rows.is_empty() {
        format!(
            "<p>{e} has no list yet: add its first item below, or copy another unit's list to it.</p>"
        )
    } else {
        format!(
            r#"<table class="report-table"><caption>The list of {e}</caption><thead><tr><th scope="col">Item</th><th scope="col">Kind</th><th scope="col">Levels or checks</th><th scope="col">Kept in</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>{rows}</tbody></table>"#
        )
    };
    let edited = editing.and_then(|id| book.item(id));
    let form = match (draft, edited) {
        (Some(d), _) => d.clone(),
        (None, Some(item)) => ItemDraft::of(item),
        (None, None) => ItemDraft::default(),
    };
    let heading = match edited {
        Some(i) => format!("Edit {}", escape(&i.name)),
        None => "Add an item".to_owned(),
    };
    let focus = said.problems.0.first().map(|p| p.field.as_str());
    out += &format!(
        r#"<form class="panel" aria-labelledby="supply-form-title" data-post="{PAGE}" novalidate><h3 id="supply-form-title">{heading}</h3>{}<input type="hidden" name="unit" value="{e}">"#,
        summary(
            "Please fix the fields marked below:",
            &said.problems,
            control_id
        )
    );
    match edited {
        Some(i) => out += &format!(r#"<input type="hidden" name="item" value="{}">"#, i.id),
        None => out += &format!(r#"<input type="hidden" name="new" value="{fresh}">"#),
    }
    let kind_options: String = Kind::VALUES
        .iter()
        .map(|k| {
            let on = if k.ident() == form.kind || (form.kind.is_empty() && *k == Kind::Supply) {
                " selected"
            } else {
                ""
            };
            format!(
                r#"<option value="{}"{on}>{}</option>"#,
                k.ident(),
                k.label()
            )
        })
        .collect();
    let every_options: String = std::iter::once((String::new(), "(supplies: not checked)"))
        .chain(
            Every::VALUES
                .iter()
                .map(|e| (e.ident().to_owned(), e.label())),
        )
        .map(|(v, l)| {
            let on = if v == form.every { " selected" } else { "" };
            format!(r#"<option value="{v}"{on}>{l}</option>"#)
        })
        .collect();
    // The control is made with its id and attributes, never by replacing
    // in text that holds what was typed.
    let field =
        |out: &mut String, name: &str, label: &str, control: &dyn Fn(&str, &str) -> String| {
            let id = control_id(name);
            let (attributes, line) = tied(&id, said.problems.for_field(name), focus == Some(name));
            *out += &format!(
                r#"<div class="field"><label for="{id}">{}</label>{}{line}</div>"#,
                escape(label),
                control(&id, &attributes)
            );
        };
    if edited.is_none() {
        field(&mut out, "kind", "Kind", &|id, a| {
            format!(r#"<select id="{id}" name="kind"{a}>{kind_options}</select>"#)
        });
    } else {
        out += &format!(
            r#"<input type="hidden" name="kind" value="{}">"#,
            escape(&form.kind)
        );
    }
    let text = |name: &'static str, v: String, extra: &'static str| {
        move |id: &str, a: &str| {
            format!(
                r#"<input id="{id}" name="{name}" type="text" value="{}"{extra}{a}>"#,
                escape(&v)
            )
        }
    };
    field(
        &mut out,
        "name",
        "Name",
        &text("name", form.name.clone(), ""),
    );
    field(
        &mut out,
        "location",
        "Kept in (optional)",
        &text("location", form.location.clone(), ""),
    );
    let number: &'static str = r#" inputmode="numeric" pattern="[0-9]*""#;
    field(
        &mut out,
        "count_unit",
        "Counted in (supplies; blank: each)",
        &text("count_unit", form.count_unit.clone(), ""),
    );
    field(
        &mut out,
        "par",
        "Par level (supplies)",
        &text("par", form.par.clone(), number),
    );
    field(
        &mut out,
        "alert",
        "Alert level, below par (supplies)",
        &text("alert", form.alert.clone(), number),
    );
    field(&mut out, "every", "Checked (equipment)", &|id, a| {
        format!(r#"<select id="{id}" name="every"{a}>{every_options}</select>"#)
    });
    out += &format!(
        r#"<div class="actions"><button type="submit" class="primary">{}</button>"#,
        if edited.is_some() {
            "Save item"
        } else {
            "Add to the list"
        }
    );
    if let Some(i) = edited {
        out += &format!(
            r#"<button type="button" data-act="send" data-id="retire" data-confirm="Take {} off the list of {e}? Its counts and checks stay in the history.">Take off the list</button>"#,
            escape(&i.name)
        );
    }
    out += "</div></form>";
    if units.len() > 1 && book.listed().next().is_some() {
        out += &format!(
            r#"<form class="panel" aria-labelledby="supply-copy-title" data-post="{PAGE}"><h3 id="supply-copy-title">Copy this list</h3><input type="hidden" name="unit" value="{e}"><p>Adds each item of {e} that the other unit does not list yet, with the same levels and schedule.</p><div class="field"><label for="supply-copy-to">To unit</label><select id="supply-copy-to" name="to">{}</select></div><button type="button" data-act="send" data-id="copy">Copy the list</button></form>"#,
            choices("", unit)
        );
    }
    out += "</div>";
    out
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::hlc::Timestamp;
    use crate::supplies::change::SupplyChange;

    fn id(n: u64) -> Id {
        Id::new_v7(1_800_000_000_000 + n, [n as u8; 10])
    }

    fn book_of(ops: Vec<SupplyOp>) -> Book {
        let log: Vec<SupplyChange> = ops
            .into_iter()
            .enumerate()
            .map(|(n, op)| SupplyChange {
                id: id(100 + n as u64),
                unit: "Ward 7".into(),
                device: id(1),
                seq: n as u64 + 1,
                hlc: Timestamp {
                    wall_ms: 1_800_000_000_000 + n as u64,
                    counter: 0,
                    node: 1,
                },
                by: "mia".into(),
                at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
                op,
            })
            .collect();
        Book::fold(&log)
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_new_item_is_added_and_an_edit_sets_only_what_changed_on_what_was_seen() {
        let asked = asked(&fields(&[
            ("unit", "Ward 7"),
            ("kind", "supply"),
            ("name", "Blankets"),
            ("par", "24"),
            ("alert", "6"),
        ]));
        let Asked::Save { draft, editing, .. } = asked else {
            panic!("a save")
        };
        assert_eq!(editing, None);
        let item = draft.parse(id(10)).unwrap();
        let empty = Book::default();
        let add = ops(&empty, &item);
        assert!(matches!(&add[..], [SupplyOp::AddItem { .. }]));
        let book = book_of(add);
        let mut edited = item.clone();
        edited.par = 30;
        edited.location = "Store B".into();
        let [SupplyOp::SetItem { sets, .. }] = &ops(&book, &edited)[..] else {
            panic!("one set")
        };
        assert_eq!(sets.len(), 2);
        assert!(
            sets.iter().all(|s| s.base == Some(id(100))),
            "the add set them"
        );
        assert!(ops(&book, &item).is_empty(), "nothing changed");
        let Asked::Retire { item: r, .. } = super::asked(&fields(&[
            ("unit", "Ward 7"),
            ("item", &item.id.to_string()),
            ("do", "retire"),
        ])) else {
            panic!("a retire")
        };
        let book = book_of(vec![
            SupplyOp::AddItem {
                item: Box::new(item.clone()),
            },
            retire(&book, r),
        ]);
        assert_eq!(book.listed().count(), 0);
    }

    #[test]
    fn a_copy_adds_what_the_other_unit_lacks_under_new_ids() {
        let blankets = ItemDraft {
            kind: "supply".into(),
            name: "Blankets".into(),
            par: "24".into(),
            alert: "6".into(),
            ..ItemDraft::default()
        };
        let gowns = ItemDraft {
            name: "Gowns".into(),
            ..blankets.clone()
        };
        let from = book_of(vec![
            SupplyOp::AddItem {
                item: Box::new(blankets.parse(id(10)).unwrap()),
            },
            SupplyOp::AddItem {
                item: Box::new(gowns.parse(id(11)).unwrap()),
            },
        ]);
        let to = book_of(vec![SupplyOp::AddItem {
            item: Box::new(
                ItemDraft {
                    name: " blankets ".into(),
                    ..blankets
                }
                .parse(id(20))
                .unwrap(),
            ),
        }]);
        let mut n = 50;
        let added = copies(&from, &to, || {
            n += 1;
            id(n)
        });
        let [SupplyOp::AddItem { item }] = &added[..] else {
            panic!("gowns only")
        };
        assert_eq!(
            (item.name.as_str(), item.id, item.par),
            ("Gowns", id(51), 24)
        );
    }

    #[test]
    fn the_page_ties_problems_to_fields_and_escapes() {
        let bad = ItemDraft {
            name: "<b>{a}".into(),
            par: "x".into(),
            ..ItemDraft::default()
        };
        let problems = bad.parse(id(1)).unwrap_err();
        let html = render(
            "Ward <7>",
            &["Ward <7>".into(), "Ward 9".into()],
            &Book::default(),
            None,
            Some(&bad),
            id(9),
            &Said {
                problems,
                done: None,
            },
        );
        assert!(!html.contains("<b>") && !html.contains("Ward <7>"));
        assert!(
            html.contains(r#"value="&lt;b&gt;{a}""#),
            "typed text kept as typed"
        );
        assert!(html.contains(r#"id="supply-par" name="par""#));
        assert!(html.contains(r#"aria-invalid="true" aria-describedby="supply-par-error""#));
        assert!(html.contains(r##"<a href="#supply-par">"##));
        assert!(html.contains("has no list yet"));
        assert!(!html.contains("Copy this list"), "nothing to copy");
        assert!(!html.contains("style="));
    }
}
