//! The directory's entry editor drawn (`GET /api/directory/editor[?id=…]`),
//! for managers and administrators: a new entry, or the entry as it is now,
//! in one form sent as a browser sends it (`POST /api/directory/editor`).
//! A desk page (docs/ARCHITECTURE.md): saving needs the server anyway (it
//! merges the save with any made since the form was opened), so the form is
//! not compiled into every tablet's download.
//!
//! The form carries the entry's `id` and the version it was opened on
//! (`base`). A save that crossed another editor's save comes back with the
//! form as typed and, at its top, both sides of each field both changed; the
//! editor chooses (`clash.<field>`: `theirs` or `mine`) and `do=choose`
//! saves again on top of the entry as the clash showed it (`seen`). A saved
//! entry is answered with [`saved`], which tells the app to bring its copy
//! of the directory up to date and open the entry.

use super::entry::{Entry, EntryKind, Phone, PhoneKind};
use super::merge::FieldConflict;
use super::page::value;
use crate::markup::{escape, summary, tied};
use crate::reference::{CaseKind, ComplaintCategory, Identified};
use crate::validation::Problems;

/// Where the form is drawn and sent.
pub const PAGE: &str = "/api/directory/editor";

/// Both sides of a save that crossed another editor's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clash {
    /// Who saved meanwhile, and the version their save made.
    pub by: String,
    pub version: u64,
    pub conflicts: Vec<FieldConflict>,
}

/// What the last action says, and where.
#[derive(Debug, Default)]
pub struct Said {
    /// The entry's problems, each under its field, all in a summary (the
    /// first focused).
    pub problems: Problems,
    pub clash: Option<Clash>,
    /// The control to focus otherwise (`phones.2.number`).
    pub focus: Option<String>,
}

/// The id of the control named `name` (`phones.1.kind`).
pub fn control_id(name: &str) -> String {
    format!("entry-{}", name.replace('.', "-"))
}

/// Comma-separated text as a list, blanks dropped.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The plain text fields: label, name (as `Entry::check` names it), and
/// how the entry holds it.
type TextField = (&'static str, &'static str, fn(&mut Entry) -> &mut String);

const WHO: &[TextField] = &[
    ("Name", "name", |e| &mut e.name),
    ("Title or role", "title", |e| &mut e.title),
    ("Department", "department", |e| &mut e.department),
];
const WHEN: &[TextField] = &[
    ("Hours", "hours", |e| &mut e.hours),
    ("On-call notes", "on_call", |e| &mut e.on_call),
    ("Ask about", "topics", |e| &mut e.topics),
];
const VERIFIED_BY: TextField = ("Verified by", "verified_by", |e| &mut e.verified_by);

/// The entry the form holds: its fields as sent, `id` from its hidden field
/// (nil if it is not one, which the save refuses).
pub fn entry_of(fields: &[(String, String)]) -> Entry {
    let text = |name: &str| value(fields, name).unwrap_or_default().to_owned();
    let all = |name: &'static str| {
        fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut e = Entry {
        id: text("id").trim().parse().unwrap_or_default(),
        kind: EntryKind::from_ident(&text("kind")).unwrap_or_default(),
        units: list(&text("units")),
        case_kinds: all("case_kinds").filter_map(CaseKind::from_ident).collect(),
        categories: all("categories")
            .filter_map(ComplaintCategory::from_ident)
            .collect(),
        notes: text("notes"),
        verified_on: crate::dates::parse_iso(text("verified_on").trim()),
        retired: text("retired") == "yes",
        ..Entry::default()
    };
    for (_, name, get) in WHO.iter().chain(WHEN).chain([&VERIFIED_BY]) {
        *get(&mut e) = text(name);
    }
    let mut i = 0;
    while let Some(number) = value(fields, &format!("phones.{i}.number")) {
        e.phones.push(Phone {
            number: number.to_owned(),
            kind: PhoneKind::from_code(&text(&format!("phones.{i}.kind"))).unwrap_or_default(),
            languages: list(&text(&format!("phones.{i}.languages"))),
        });
        i += 1;
    }
    e
}

/// The version the form was opened on (`base`), and the one its clash
/// showed (`seen`), as sent.
pub fn versions(fields: &[(String, String)]) -> (u64, Option<u64>) {
    let number = |name| value(fields, name).and_then(|v| v.trim().parse().ok());
    (number("base").unwrap_or(0), number("seen"))
}

/// Whether the editor chose their own value for `field` in the clash.
pub fn chose_mine(fields: &[(String, String)], field: &str) -> bool {
    value(fields, &format!("clash.{field}")) == Some("mine")
}

/// The form's controls, each labelled, with its problem under it.
struct Form<'a> {
    said: &'a Said,
    /// The control that gets `autofocus`.
    focus: Option<&'a str>,
    out: String,
}

impl Form<'_> {
    /// id, and the attributes tying the control to its problem (and
    /// `autofocus`), and the problem's line.
    fn parts(&self, name: &str) -> (String, String, String) {
        let id = control_id(name);
        let (attributes, line) = tied(
            &id,
            self.said.problems.for_field(name),
            self.focus == Some(name),
        );
        (id, attributes, line)
    }

    fn input(&mut self, kind: &str, name: &str, label: &str, value: &str) {
        let (id, attributes, line) = self.parts(name);
        self.out += &format!(
            r#"<div class="field"><label for="{id}">{}</label><input id="{id}" name="{name}" type="{kind}" value="{}"{attributes}>{line}</div>"#,
            escape(label),
            escape(value)
        );
    }

    fn select(&mut self, name: &str, label: &str, options: &[(&str, &str)], value: &str) {
        let (id, attributes, line) = self.parts(name);
        let options: String = options
            .iter()
            .map(|(v, l)| {
                let chosen = if *v == value { " selected" } else { "" };
                format!(r#"<option value="{v}"{chosen}>{}</option>"#, escape(l))
            })
            .collect();
        self.out += &format!(
            r#"<div class="field"><label for="{id}">{}</label><select id="{id}" name="{name}"{attributes}>{options}</select>{line}</div>"#,
            escape(label)
        );
    }

    /// Checkboxes sharing `name`, in a fieldset.
    fn checks(&mut self, name: &str, legend: &str, options: &[(&str, &str)], chosen: &[&str]) {
        let (id, _, line) = self.parts(name);
        let boxes: String = options
            .iter()
            .map(|(v, l)| {
                let on = if chosen.contains(v) { " checked" } else { "" };
                format!(
                    r#"<label class="check"><input type="checkbox" name="{name}" value="{v}"{on}><span>{}</span></label>"#,
                    escape(l)
                )
            })
            .collect();
        self.out += &format!(
            r#"<fieldset class="checks" id="{id}"><legend>{legend}</legend>{boxes}{line}</fieldset>"#
        );
    }
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "(blank)" } else { value }
}

/// Both sides of each field two editors changed, theirs chosen at first;
/// focused, as the answer to the save.
fn clash(c: &Clash) -> String {
    let choices: String = c
        .conflicts
        .iter()
        .map(|f| {
            let name = format!("clash.{}", escape(&f.field));
            format!(
                r#"<fieldset class="choices"><legend>{}</legend><label class="choice"><input type="radio" name="{name}" value="theirs" checked><span>Theirs: {}</span></label><label class="choice"><input type="radio" name="{name}" value="mine"><span>Yours: {}</span></label></fieldset>"#,
                escape(&f.label),
                escape(shown(&f.theirs)),
                escape(shown(&f.mine)),
            )
        })
        .collect();
    format!(
        r#"<section class="panel conflicts" aria-labelledby="clash-title"><h2 id="clash-title" tabindex="-1" autofocus>Saved meanwhile by {by}</h2><p>Both of you changed these fields. Choose what each should say, then save again. Your other changes are kept.</p><input type="hidden" name="seen" value="{version}">{choices}<div class="form-actions"><button type="button" class="primary" data-act="send" data-id="choose">Save with these choices</button></div></section>"#,
        by = escape(&c.by),
        version = c.version,
    )
}

/// The form holding `e` (one blank phone row more than it has), opened on
/// version `base` (0: a new entry), with what `said` says.
pub fn render(e: &Entry, base: u64, said: &Said) -> String {
    let focus = said
        .problems
        .0
        .first()
        .map(|p| p.field.as_str())
        .or(said.focus.as_deref());
    let mut f = Form {
        said,
        // A clash is focused itself; a problem wins over both.
        focus: if said.clash.is_some() && said.problems.is_empty() {
            None
        } else {
            focus
        },
        out: String::new(),
    };
    let mut e = e.clone();
    let title = if base == 0 {
        "New directory entry"
    } else {
        "Edit directory entry"
    };
    f.out += &format!(
        r#"<p><a href="/directory">← Directory</a></p><form class="case-form" aria-label="{title}" data-post="{PAGE}" novalidate>{}{}<input type="hidden" name="id" value="{}"><input type="hidden" name="base" value="{base}"><div class="grid">"#,
        summary(
            "The entry was not saved. Please fix the fields marked below:",
            &said.problems,
            control_id
        ),
        said.clash.as_ref().map(clash).unwrap_or_default(),
        e.id,
    );
    let kinds: Vec<(&str, &str)> = EntryKind::ALL
        .iter()
        .map(|k| (k.ident(), k.label()))
        .collect();
    f.select("kind", "Kind", &kinds, e.kind.ident());
    for (label, name, get) in WHO {
        f.input("text", name, label, get(&mut e));
    }
    f.input(
        "text",
        "units",
        "Units served (comma-separated; blank: the whole hospital)",
        &e.units.join(", "),
    );
    for (label, name, get) in WHEN {
        f.input("text", name, label, get(&mut e));
    }
    let (phones_id, _, phones_line) = f.parts("phones");
    f.out += &format!(
        r#"</div><fieldset class="contact" id="{phones_id}"><legend>Phone numbers</legend>{phones_line}"#
    );
    let phone_kinds: Vec<(&str, &str)> = PhoneKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect();
    let blank = Phone::default();
    for (i, p) in e.phones.iter().chain([&blank]).enumerate() {
        let n = i + 1;
        f.out += r#"<div class="grid">"#;
        f.input(
            "tel",
            &format!("phones.{i}.number"),
            &format!("Number {n}"),
            &p.number,
        );
        f.select(
            &format!("phones.{i}.kind"),
            &format!("Type of number {n}"),
            &phone_kinds,
            p.kind.code(),
        );
        f.input(
            "text",
            &format!("phones.{i}.languages"),
            &format!("Languages on number {n}"),
            &p.languages.join(", "),
        );
        f.out += "</div>";
    }
    f.out += r#"<button type="button" data-act="send" data-id="add-phone">Add another number</button></fieldset>"#;
    let case_kinds: Vec<(&str, &str)> = CaseKind::ALL
        .iter()
        .map(|k| (k.ident(), k.label()))
        .collect();
    let chosen: Vec<&str> = e.case_kinds.iter().map(|k| k.ident()).collect();
    f.checks("case_kinds", "Case kinds it handles", &case_kinds, &chosen);
    let categories: Vec<(&str, &str)> = ComplaintCategory::ALL
        .iter()
        .map(|c| (c.ident(), c.label()))
        .collect();
    let chosen: Vec<&str> = e.categories.iter().map(|c| c.ident()).collect();
    f.checks(
        "categories",
        "Complaint categories it handles",
        &categories,
        &chosen,
    );
    let (id, attributes, line) = f.parts("notes");
    f.out += &format!(
        r#"<div class="field"><label for="{id}">Notes</label><textarea id="{id}" name="notes" rows="3"{attributes}>{}</textarea>{line}</div><div class="grid">"#,
        escape(&e.notes)
    );
    f.input(
        "date",
        "verified_on",
        "Verified on",
        &e.verified_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.input(
        "text",
        VERIFIED_BY.1,
        VERIFIED_BY.0,
        (VERIFIED_BY.2)(&mut e),
    );
    f.out += &format!(
        r#"</div><label class="check"><input type="checkbox" name="retired" value="yes"{}><span>Taken out of the directory</span></label><div class="form-actions"><button type="submit" class="primary">Save entry</button></div></form>"#,
        if e.retired { " checked" } else { "" }
    );
    f.out
}

/// The answer to a save: said, with the entry a link away. `data-saved`
/// asks the app to bring its copy of the directory up to date, then open
/// the entry (which the app draws from that copy, offline too).
pub fn saved(e: &Entry, version: u64) -> String {
    format!(
        r#"<p class="notice info" role="status" data-saved="{id}" data-version="{version}">“{}” is saved. <a href="/directory/{id}">Open the entry</a></p>"#,
        escape(&e.name),
        id = e.id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::markup::sent;

    fn id(n: u8) -> Id {
        format!("0190a0b0-0000-7000-8000-0000000000{n:02}")
            .parse()
            .unwrap()
    }

    fn dana() -> Entry {
        Entry {
            id: id(1),
            kind: EntryKind::Person,
            name: "Dana <Whitfield>".into(),
            title: "Billing specialist".into(),
            units: vec!["4 West".into(), "5 North".into()],
            phones: vec![Phone {
                number: "555 010 1234".into(),
                kind: PhoneKind::Extension,
                languages: vec!["Spanish".into()],
            }],
            hours: "Mon–Fri 8:00–16:30".into(),
            case_kinds: vec![CaseKind::ALL[0]],
            categories: vec![ComplaintCategory::ALL[1]],
            notes: "Ask for \"Dana\"".into(),
            verified_on: crate::dates::parse_iso("2026-11-02"),
            verified_by: "admin".into(),
            ..Entry::default()
        }
    }

    #[test]
    fn the_form_reads_back_as_the_entry_it_shows() {
        let html = render(&dana(), 7, &Said::default());
        let fields = sent(&html);
        assert_eq!(entry_of(&fields).check().unwrap(), dana().check().unwrap());
        assert_eq!(versions(&fields), (7, None));
        assert!(
            html.contains(r#"aria-label="Edit directory entry" data-post="/api/directory/editor""#)
        );
        // One blank phone row to type a new number into.
        assert!(html.contains(r#"<label for="entry-phones-1-number">Number 2</label>"#));
        assert!(
            html.contains(r#"data-act="send" data-id="add-phone">Add another number</button>"#)
        );
        assert!(html.contains(r#"<button type="submit" class="primary">Save entry</button>"#));
        assert!(!html.contains("autofocus"));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        let new = render(&Entry::default(), 0, &Said::default());
        assert!(new.contains(r#"aria-label="New directory entry""#));
    }

    #[test]
    fn every_control_is_labelled() {
        let html = render(&dana(), 3, &Said::default());
        for piece in html.split(" id=\"entry-").skip(1) {
            let id = piece.split('"').next().unwrap();
            let tag = html.split(&format!(" id=\"entry-{id}\"")).next().unwrap();
            if tag.ends_with("<fieldset class=\"checks\"")
                || tag.ends_with("<fieldset class=\"contact\"")
            {
                continue;
            }
            assert!(
                html.contains(&format!(r#"<label for="entry-{id}">"#)),
                "entry-{id} has no label"
            );
        }
    }

    #[test]
    fn problems_are_tied_to_their_fields_summed_up_and_the_first_is_focused() {
        let mut said = Said::default();
        said.problems.add("name", "Name is required.");
        said.problems
            .add("phones.0.number", "A phone number needs digits.");
        let html = render(&dana(), 3, &said);
        assert!(html.contains(
            r#"<input id="entry-name" name="name" type="text" value="Dana &lt;Whitfield&gt;" autofocus aria-invalid="true" aria-describedby="entry-name-error"><p class="field-error" id="entry-name-error">Name is required.</p>"#
        ));
        assert!(
            html.contains(r#"aria-invalid="true" aria-describedby="entry-phones-0-number-error""#)
        );
        assert!(html.contains(
            r##"<li><a href="#entry-phones-0-number">A phone number needs digits.</a></li>"##
        ));
        assert!(html.contains(r#"class="notice error error-summary" role="alert""#));
        assert_eq!(html.matches("autofocus").count(), 1);
        // Without problems, the control asked for.
        let said = Said {
            focus: Some("phones.1.number".into()),
            ..Said::default()
        };
        let html = render(&dana(), 3, &said);
        assert!(html.contains(
            r#"id="entry-phones-1-number" name="phones.1.number" type="tel" value="" autofocus"#
        ));
    }

    #[test]
    fn a_clash_shows_both_sides_and_its_choices_go_with_the_form() {
        let said = Said {
            clash: Some(Clash {
                by: "admin".into(),
                version: 9,
                conflicts: vec![FieldConflict {
                    field: "hours".into(),
                    label: "Hours".into(),
                    base: "a".into(),
                    theirs: "Mon–Thu".into(),
                    mine: String::new(),
                }],
            }),
            ..Said::default()
        };
        let html = render(&dana(), 3, &said);
        assert!(html.contains(r#"<section class="panel conflicts" aria-labelledby="clash-title"><h2 id="clash-title" tabindex="-1" autofocus>Saved meanwhile by admin</h2>"#));
        assert!(html.contains(r#"<legend>Hours</legend><label class="choice"><input type="radio" name="clash.hours" value="theirs" checked><span>Theirs: Mon–Thu</span></label><label class="choice"><input type="radio" name="clash.hours" value="mine"><span>Yours: (blank)</span></label>"#));
        assert!(
            html.contains(r#"data-act="send" data-id="choose">Save with these choices</button>"#)
        );
        assert_eq!(html.matches("autofocus").count(), 1);
        let mut fields = sent(&html);
        assert_eq!(versions(&fields), (3, Some(9)));
        assert!(!chose_mine(&fields, "hours"));
        fields.retain(|(n, _)| n != "clash.hours");
        fields.push(("clash.hours".into(), "mine".into()));
        assert!(chose_mine(&fields, "hours"));
    }

    #[test]
    fn a_save_is_answered_with_the_entry_to_open() {
        let html = saved(&dana(), 12);
        assert!(html.contains(&format!(r#"data-saved="{}" data-version="12""#, id(1))));
        assert!(html.contains(&format!(
            r#"<a href="/directory/{}">Open the entry</a>"#,
            id(1)
        )));
        assert!(html.contains("“Dana &lt;Whitfield&gt;” is saved."));
    }
}
