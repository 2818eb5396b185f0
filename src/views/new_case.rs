//! Opening a case. The required fields fit a tablet screen without
//! scrolling; the rest is folded under "More details". What is typed is kept
//! on the device as a draft until the case is saved.

use advocase_core::case::{CaseDraft, Priority};
use advocase_core::patient::Contact;
use advocase_core::reference::{CaseKind, Channel, ComplaintCategory};
use leptos::prelude::*;

use crate::views::fields::ident;
use crate::views::fields::{ErrorSummary, FormState, options};
use crate::views::html::{Draft, FormValues, Markup};

const DRAFT: &str = "draft.new-case";

fn blank_draft() -> CaseDraft {
    CaseDraft {
        received_via: ident(&Channel::BedsideVisit),
        priority: ident(&Priority::Medium),
        contacts: vec![Contact::default()],
        ..CaseDraft::default()
    }
}

/// The draft's text fields by the names its kept JSON gives them.
fn texts(d: &mut CaseDraft) -> [(&'static str, &mut String); 15] {
    [
        ("patient_name", &mut d.patient_name),
        ("mrn", &mut d.mrn),
        ("date_of_birth", &mut d.date_of_birth),
        ("unit", &mut d.unit),
        ("room", &mut d.room),
        ("preferred_language", &mut d.preferred_language),
        ("kind", &mut d.kind),
        ("category", &mut d.category),
        ("description", &mut d.description),
        ("priority", &mut d.priority),
        ("assignee", &mut d.assignee),
        ("received_on", &mut d.received_on),
        ("received_via", &mut d.received_via),
        ("due_on", &mut d.due_on),
        ("tags", &mut d.tags),
    ]
}

/// A contact's text fields, as [`texts`].
fn contact_texts(c: &mut Contact) -> [(&'static str, &mut String); 3] {
    [
        ("name", &mut c.name),
        ("relationship", &mut c.relationship),
        ("phone", &mut c.phone),
    ]
}

/// The kept draft, read as the JSON it has always been kept as (a field
/// it lacks left empty) by the browser's `JSON` (`html::Draft`).
fn load() -> Option<CaseDraft> {
    let kept = Draft::load(&crate::app::base().store, DRAFT)?;
    let mut d = CaseDraft {
        interpreter_needed: kept.flag("interpreter_needed"),
        ..CaseDraft::default()
    };
    for (name, value) in texts(&mut d) {
        *value = kept.text(name).unwrap_or_default();
    }
    for k in kept.list("contacts") {
        let mut c = Contact {
            may_share: k.flag("may_share"),
            ..Contact::default()
        };
        for (name, value) in contact_texts(&mut c) {
            *value = k.text(name).unwrap_or_default();
        }
        d.contacts.push(c);
    }
    Some(d)
}

fn save(d: &CaseDraft) {
    let kept = Draft::default();
    let mut d = d.clone();
    kept.put("interpreter_needed", d.interpreter_needed);
    let contacts = js_sys::Array::new();
    for c in &mut d.contacts {
        let k = Draft::default();
        k.put("may_share", c.may_share);
        for (name, value) in contact_texts(c) {
            k.put(name, value.as_str());
        }
        contacts.push(&k.0);
    }
    kept.put("contacts", contacts);
    for (name, value) in texts(&mut d) {
        kept.put(name, value.as_str());
    }
    kept.save(&crate::app::base().store, DRAFT);
}

/// The patient's unit, chosen from the hospital's units (the coordinator's
/// own first), so the access rules read it as the unit it is. Typed only
/// while the device holds no structure yet; a unit already in the draft
/// that names no unit stays offered rather than being lost. Tracks the
/// structure and the account, so the field follows them.
fn unit_field(m: &mut Markup, typed: &str) {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    let mine = auth.user().map(|u| u.units).unwrap_or_default();
    directory.structure.with(|s| {
        let (own, other) = s.offered_units(&mine);
        if own.is_empty() && other.is_empty() {
            return m.input("text", "patient.unit", "Unit", typed);
        }
        let choice = |u: &&advocase_core::directory::Unit| {
            let label = match (u.code.is_empty(), u.location.is_empty()) {
                (true, true) => u.name.clone(),
                (false, true) => format!("{} ({})", u.name, u.code),
                (true, false) => format!("{} · {}", u.name, u.location),
                (false, false) => format!("{} ({}) · {}", u.name, u.code, u.location),
            };
            (u.name.clone(), label)
        };
        let trimmed = typed.trim();
        let mut first = vec![(String::new(), "Choose…".to_owned())];
        if !trimmed.is_empty() && s.resolve(trimmed).is_none() {
            first.push((
                trimmed.to_owned(),
                format!("{trimmed} (not a unit in the list)"),
            ));
        }
        let groups = [
            ("", first),
            ("Your units", own.iter().map(choice).collect()),
            ("Other units", other.iter().map(choice).collect()),
        ];
        let groups: Vec<(&str, Vec<(&str, &str)>)> = groups
            .iter()
            .map(|(g, l)| {
                (
                    *g,
                    l.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect(),
                )
            })
            .collect();
        m.grouped("patient.unit", "Unit", &groups, typed);
    })
}

/// `draft` with what the form holds now (its markup's field names); the
/// contact shown is the first.
fn read(mut d: CaseDraft, v: &FormValues) -> CaseDraft {
    d.patient_name = v.text("patient.name");
    d.mrn = v.text("patient.mrn");
    d.unit = v.text("patient.unit");
    d.room = v.text("patient.room");
    d.kind = v.text("kind");
    d.category = v.text("category");
    d.received_via = v.text("received_via");
    d.priority = v.text("priority");
    d.description = v.text("description");
    d.date_of_birth = v.text("patient.date_of_birth");
    d.preferred_language = v.text("patient.preferred_language");
    d.interpreter_needed = v.get("interpreter_needed").is_some();
    d.received_on = v.text("received_on");
    d.due_on = v.text("due_on");
    d.assignee = v.text("assignee");
    d.tags = v.text("tags");
    if let Some(c) = d.contacts.first_mut() {
        c.name = v.text("patient.contacts.0.name");
        c.relationship = v.text("patient.contacts.0.relationship");
        c.phone = v.text("patient.contacts.0.phone");
        c.may_share = v.get("may_share").is_some();
    }
    d
}

/// A checkbox as the form's others are (`class="check"`).
fn check(name: &str, label: &str, checked: bool) -> String {
    format!(
        r#"<label class="check"><input type="checkbox" name="{name}"{}><span>{label}</span></label>"#,
        if checked { " checked" } else { "" }
    )
}

/// The form's fields as markup, as `Field` draws them (tracked: its
/// messages, and the structure for the unit).
fn fields(d: &CaseDraft, form: FormState, unfolded: bool) -> String {
    let mut m = Markup::new(form);
    let select = |m: &mut Markup,
                  name: &str,
                  label: &str,
                  mut choices: Vec<(String, String)>,
                  blank: Option<&str>,
                  value: &str| {
        if let Some(b) = blank {
            choices.insert(0, (String::new(), b.to_owned()));
        }
        let choices: Vec<(&str, &str)> = choices
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        m.select(name, label, &choices, value);
    };
    m.out += r#"<div class="grid">"#;
    m.input("text", "patient.name", "Patient name", &d.patient_name);
    m.input("text", "patient.mrn", "MRN", &d.mrn);
    unit_field(&mut m, &d.unit);
    m.input("text", "patient.room", "Room / bed", &d.room);
    select(
        &mut m,
        "kind",
        "Kind of case",
        options(CaseKind::ALL, |k| k.label()),
        Some("Choose…"),
        &d.kind,
    );
    select(
        &mut m,
        "category",
        "Category",
        options(ComplaintCategory::ALL, |c| c.label()),
        Some("None"),
        &d.category,
    );
    select(
        &mut m,
        "received_via",
        "Received by",
        options(Channel::ALL, |c| c.label()),
        None,
        &d.received_via,
    );
    select(
        &mut m,
        "priority",
        "Priority",
        options(Priority::ALL, |p| p.label()),
        None,
        &d.priority,
    );
    m.out += "</div>";
    m.textarea("description", "What is it about?", &d.description);
    m.out += &format!(
        r#"<details class="more"{}><summary>More details</summary><div class="grid">"#,
        if unfolded { " open" } else { "" }
    );
    m.input(
        "date",
        "patient.date_of_birth",
        "Date of birth",
        &d.date_of_birth,
    );
    m.input(
        "text",
        "patient.preferred_language",
        "Preferred language",
        &d.preferred_language,
    );
    m.out += &check(
        "interpreter_needed",
        "Interpreter needed",
        d.interpreter_needed,
    );
    m.input("date", "received_on", "Received on", &d.received_on);
    m.input("date", "due_on", "Due date", &d.due_on);
    m.input("text", "assignee", "Assign to (blank = me)", &d.assignee);
    m.input("text", "tags", "Tags (comma-separated)", &d.tags);
    m.out += r#"</div><fieldset class="contact"><legend>Family or representative</legend><div class="grid">"#;
    let c = d.contacts.first().cloned().unwrap_or_default();
    m.input("text", "patient.contacts.0.name", "Contact name", &c.name);
    m.input(
        "text",
        "patient.contacts.0.relationship",
        "Relationship",
        &c.relationship,
    );
    m.input("text", "patient.contacts.0.phone", "Phone", &c.phone);
    m.out += &check(
        "may_share",
        "Patient allows sharing information with them",
        c.may_share,
    );
    m.out
        + r#"</div></fieldset></details><div class="form-actions"><button type="submit" class="primary">Save case</button></div>"#
}

/// Its fields are markup (each `view!` element is code of its own: README,
/// Size), redrawn when their messages change; what is typed is read on
/// every input (and kept as the draft), so a redraw shows it again, and
/// "More details" stays as it was.
#[component]
pub fn NewCase() -> impl IntoView {
    let cases = crate::app::handles().cases;

    let nav = crate::app::base().nav;
    let mut initial = load().unwrap_or_else(blank_draft);
    if initial.contacts.is_empty() {
        initial.contacts.push(Contact::default());
    }
    let draft = StoredValue::new(initial);
    let unfolded = StoredValue::new(false);
    let form = FormState::new("new-case");

    let keep = move |d: CaseDraft| {
        let store = crate::app::base().store;
        if d == blank_draft() {
            store.remove(DRAFT);
        } else {
            save(&d);
        }
        draft.set_value(d);
    };
    let typing = move |ev: leptos::ev::Event| {
        if let Some(v) = ev.target().and_then(|t| FormValues::of(&t)) {
            keep(read(draft.get_value(), &v));
        }
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        let Some((v, open)) = FormValues::sent(&ev) else {
            return;
        };
        unfolded.set_value(open);
        keep(read(draft.get_value(), &v));
        let mut d = draft.get_value();
        // An untouched contact row is not a contact.
        d.contacts.retain(|c| {
            !(c.name.trim().is_empty()
                && c.relationship.trim().is_empty()
                && c.phone.trim().is_empty())
        });
        let user = crate::app::handles().auth.username();
        match cases.create(&d, &user) {
            Ok(id) => {
                keep(blank_draft());
                nav.go(&format!("/cases/{id}"));
            }
            Err(e) => {
                form.report(Err(e));
            }
        }
    };

    let html = move || draft.with_value(|d| fields(d, form, unfolded.get_value()));

    view! {
        <h1>"New case"</h1>
        <form class="case-form" on:submit=save on:input=typing aria-label="New case" novalidate>
            <ErrorSummary form/>
            <div inner_html=html></div>
        </form>
    }
}
