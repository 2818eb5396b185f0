//! The directory's editor, for managers and administrators. Saving needs
//! the server: it merges the save with any made since the editor opened
//! the entry, field by field. Where both changed the same field, the
//! server keeps theirs and says so; the clash view shows both sides of
//! each such field, the editor chooses, and the save is made again on top
//! of the entry as it is now.
//!
//! A long form used at a desk a few times a week, so it is markup
//! (`views/html.rs`) read back on submit, not a signal per field: about a
//! fifth of the .wasm the same form costs as views.

use crate::views::fields::{from_ident, ident};
use advocase_core::directory::merge::{merge, take_field};
use advocase_core::directory::wire::{SaveConflict, StoredEntry};
use advocase_core::directory::{Entry, EntryKind, Phone, PhoneKind};
use advocase_core::id::Id;
use advocase_core::reference::{CaseKind, ComplaintCategory};
use leptos::prelude::*;

use crate::clock;
use crate::directory::SaveOutcome;
use crate::views::fields::{ErrorSummary, FormState, focus};
use crate::views::html::{FormValues, Markup, escape};

#[component]
pub fn NewEntry() -> impl IntoView {
    view! { <Editor start=None/> }
}

#[component]
pub fn EditEntry(id: Option<Id>) -> impl IntoView {
    let directory = crate::app::handles().directory;
    match id.and_then(|id| directory.get(id)) {
        Some(stored) => view! { <Editor start=Some(stored)/> }.into_any(),
        None => view! {
            <h1>"Not in the directory"</h1>
            <p><a href="/directory">"Search the directory"</a></p>
        }
        .into_any(),
    }
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

/// The form as markup for `e` (phones: one blank row more than it has).
fn body(form: FormState, e: &Entry) -> String {
    let mut m = Markup::new(form);
    let mut e = e.clone();
    let kinds: Vec<(String, &str)> = EntryKind::ALL
        .iter()
        .map(|k| (ident(k), k.label()))
        .collect();
    let kinds: Vec<(&str, &str)> = kinds.iter().map(|(v, l)| (v.as_str(), *l)).collect();
    m.out += r#"<div class="grid">"#;
    m.select("kind", "Kind", &kinds, &ident(&e.kind));
    for (label, name, get) in WHO {
        m.input("text", name, label, get(&mut e));
    }
    m.input(
        "text",
        "units",
        "Units served (comma-separated; blank: the whole hospital)",
        &e.units.join(", "),
    );
    for (label, name, get) in WHEN {
        m.input("text", name, label, get(&mut e));
    }
    m.out += r#"</div><fieldset class="contact"><legend>Phone numbers</legend>"#;
    let phone_kinds: Vec<(&str, &str)> = PhoneKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect();
    let blank = Phone::default();
    for (i, p) in e.phones.iter().chain([&blank]).enumerate() {
        let n = i + 1;
        m.out += r#"<div class="grid">"#;
        m.input(
            "tel",
            &format!("phones.{i}.number"),
            &format!("Number {n}"),
            &p.number,
        );
        m.select(
            &format!("phones.{i}.kind"),
            &format!("Type of number {n}"),
            &phone_kinds,
            p.kind.code(),
        );
        m.input(
            "text",
            &format!("phones.{i}.languages"),
            &format!("Languages on number {n}"),
            &p.languages.join(", "),
        );
        m.out += "</div>";
    }
    m.out +=
        r#"<button type="button" data-action="add-phone">Add another number</button></fieldset>"#;
    m.checks(
        "case_kinds",
        "Case kinds it handles",
        &CaseKind::ALL
            .iter()
            .map(|k| (ident(k), k.label()))
            .collect::<Vec<_>>(),
        &e.case_kinds.iter().map(ident).collect::<Vec<_>>(),
    );
    m.checks(
        "categories",
        "Complaint categories it handles",
        &ComplaintCategory::ALL
            .iter()
            .map(|c| (ident(c), c.label()))
            .collect::<Vec<_>>(),
        &e.categories.iter().map(ident).collect::<Vec<_>>(),
    );
    m.textarea("notes", "Notes", &e.notes);
    m.out += r#"<div class="grid">"#;
    m.input(
        "date",
        "verified_on",
        "Verified on",
        &e.verified_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    m.input(
        "text",
        VERIFIED_BY.1,
        VERIFIED_BY.0,
        (VERIFIED_BY.2)(&mut e),
    );
    m.out += "</div>";
    m.checkbox("retired", "Taken out of the directory", e.retired);
    m.out
}

/// The entry the form holds now (`id` kept from the one edited).
fn read(v: &FormValues, id: Id) -> Entry {
    let mut e = Entry {
        id,
        kind: from_ident(&v.text("kind")).unwrap_or_default(),
        units: list(&v.text("units")),
        case_kinds: v
            .all("case_kinds")
            .iter()
            .filter_map(|s| from_ident(s))
            .collect(),
        categories: v
            .all("categories")
            .iter()
            .filter_map(|s| from_ident(s))
            .collect(),
        notes: v.text("notes"),
        verified_on: advocase_core::dates::parse_iso(v.text("verified_on").trim()),
        retired: v.text("retired") == "yes",
        ..Entry::default()
    };
    for (_, name, get) in WHO.iter().chain(WHEN).chain([&VERIFIED_BY]) {
        *get(&mut e) = v.text(name);
    }
    let mut i = 0;
    while let Some(number) = v.get(&format!("phones.{i}.number")) {
        e.phones.push(Phone {
            number,
            kind: PhoneKind::from_code(&v.text(&format!("phones.{i}.kind"))).unwrap_or_default(),
            languages: list(&v.text(&format!("phones.{i}.languages"))),
        });
        i += 1;
    }
    e
}

#[component]
fn Editor(start: Option<StoredEntry>) -> impl IntoView {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    let nav = crate::app::base().nav;
    let is_new = start.is_none();
    // What the editor started from: the base of the save and of a merge.
    let base = StoredValue::new(start.clone().map(|s| (s.version, s.entry)));
    let first = start.map(|s| s.entry).unwrap_or_else(|| Entry {
        id: clock::new_id(),
        ..Entry::default()
    });
    let id = first.id;
    let draft = RwSignal::new(first);
    let clash = RwSignal::new(None::<(SaveConflict, Entry)>);
    let form = FormState::new("entry");
    let saving = RwSignal::new(false);

    let submit = move |base_version: u64, e: Entry| {
        let Some(token) = auth.token() else {
            form.fail("Sign in again to save.");
            return;
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            let outcome = directory.save(&token, base_version, e.clone()).await;
            saving.set(false);
            match outcome {
                Ok(saved) => {
                    clash.set(None);
                    nav.go(&format!("/directory/{}", saved.entry.id));
                }
                Err(SaveOutcome::Clash(c)) => {
                    form.clear();
                    clash.set(Some((c, e)));
                    request_animation_frame(|| focus("clash-title"));
                }
                Err(SaveOutcome::Invalid(field, message)) => {
                    form.invalid_field(field.as_deref().unwrap_or("name"), message)
                }
                Err(SaveOutcome::Failed(message)) => form.fail(message),
            }
        });
    };
    let save = {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(values) = ev.target().and_then(|t| FormValues::of(&t)) else {
                return;
            };
            let e = read(&values, id);
            draft.set(e.clone());
            match e.check() {
                Err(p) => form.invalid(p),
                Ok(e) => submit(base.with_value(|b| b.as_ref().map_or(0, |b| b.0)), e),
            }
        }
    };
    // "Add another number": what is typed stays, one more blank row.
    let click = move |ev: leptos::ev::MouseEvent| {
        let Some(target) = ev.target() else { return };
        let add = target
            .dyn_ref::<web_sys::Element>()
            .is_some_and(|el| el.get_attribute("data-action").as_deref() == Some("add-phone"));
        if let (true, Some(values)) = (add, FormValues::of(&target)) {
            let mut e = read(&values, id);
            e.phones.retain(|p| !p.number.trim().is_empty());
            let n = e.phones.len();
            draft.set(e);
            request_animation_frame(move || focus(&form.control_id(&format!("phones.{n}.number"))));
        }
    };
    let title = if is_new {
        "New directory entry"
    } else {
        "Edit directory entry"
    };

    view! {
        <p><a href="/directory">"← Directory"</a></p>
        <h1>{title}</h1>
        {move || clash.get().map(|(c, mine)| view! { <Clash clash=c mine base submit/> })}
        <form class="case-form" on:submit=save on:click=click aria-label=title novalidate>
            <ErrorSummary form/>
            <div inner_html=move || body(form, &draft.get())></div>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=saving>"Save entry"</button>
            </div>
        </form>
    }
}

use wasm_bindgen::JsCast;

/// Both sides of each field two editors changed: the editor chooses, and
/// the save is made again on the entry as it is now.
#[component]
fn Clash<F>(
    clash: SaveConflict,
    mine: Entry,
    base: StoredValue<Option<(u64, Entry)>>,
    submit: F,
) -> impl IntoView
where
    F: Fn(u64, Entry) + Clone + Send + Sync + 'static,
{
    let fields = clash.conflicts.clone();
    let current = clash.current.clone();
    let by = current.saved_by.clone();
    let choices: String = clash
        .conflicts
        .iter()
        .map(|c| {
            let name = format!("clash.{}", escape(&c.field));
            format!(
                r#"<fieldset class="choices"><legend>{}</legend><label class="choice"><input type="radio" name="{name}" value="theirs" checked><span>Theirs: {}</span></label><label class="choice"><input type="radio" name="{name}" value="mine"><span>Yours: {}</span></label></fieldset>"#,
                escape(&c.label),
                escape(shown(&c.theirs)),
                escape(shown(&c.mine)),
            )
        })
        .collect();
    let again = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(values) = ev.target().and_then(|t| FormValues::of(&t)) else {
            return;
        };
        let (_, start) = base.get_value().unwrap_or_default();
        // Everything both saves changed, theirs where they clash …
        let mut merged = merge(&start, &current.entry, &mine).entry;
        // … then mine where the editor chose it.
        for f in &fields {
            if values.text(&format!("clash.{}", f.field)) == "mine" {
                take_field(&mut merged, &mine, &f.field);
            }
        }
        base.set_value(Some((current.version, current.entry.clone())));
        submit(current.version, merged);
    };
    view! {
        <section class="panel conflicts" aria-labelledby="clash-title">
            <h2 id="clash-title" tabindex="-1">"Saved meanwhile by " {by}</h2>
            <p>"Both of you changed these fields. Choose what each should say, then save again. Your other changes are kept."</p>
            <form on:submit=again aria-label="Choose between the two saves">
                <div inner_html=choices></div>
                <div class="form-actions">
                    <button type="submit" class="primary">"Save with these choices"</button>
                </div>
            </form>
        </section>
    }
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "(blank)" } else { value }
}
