//! Opening a case. The required fields fit a tablet screen without
//! scrolling; the rest is folded under "More details". What is typed is kept
//! on the device as a draft until the case is saved.

use advocase_core::case::{CaseDraft, Priority};
use advocase_core::patient::Contact;
use advocase_core::reference::{CaseKind, Channel, ComplaintCategory};
use leptos::prelude::*;

use crate::views::fields::ident;
use crate::views::fields::{Control, ErrorSummary, Field, FormState, options};

const DRAFT: &str = "draft.new-case";

fn blank_draft() -> CaseDraft {
    CaseDraft {
        received_via: ident(&Channel::BedsideVisit),
        priority: ident(&Priority::Medium),
        contacts: vec![Contact::default()],
        ..CaseDraft::default()
    }
}

/// The patient's unit, chosen from the hospital's units (the coordinator's
/// own first), so the access rules read it as the unit it is. Typed only
/// while the device holds no structure yet; a unit already in the draft
/// that names no unit stays offered rather than being lost.
fn unit_field(form: FormState, draft: RwSignal<CaseDraft>) -> impl IntoView {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    let mine = auth.user().map(|u| u.units).unwrap_or_default();
    let control = directory.structure.with(|s| {
        let (own, other) = s.offered_units(&mine);
        if own.is_empty() && other.is_empty() {
            return Control::Text;
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
        let typed = draft.with_untracked(|d| d.unit.trim().to_owned());
        let mut first = vec![(String::new(), "Choose…".to_owned())];
        if !typed.is_empty() && s.resolve(&typed).is_none() {
            first.push((typed.clone(), format!("{typed} (not a unit in the list)")));
        }
        Control::Grouped(vec![
            ("", first),
            ("Your units", own.iter().map(choice).collect()),
            ("Other units", other.iter().map(choice).collect()),
        ])
    });
    view! {
        <Field form name="patient.unit" label="Unit" control
            value=Signal::derive(move || draft.with(|d| d.unit.clone()))
            set=move |v| draft.update(|d| d.unit = v)/>
    }
}

#[component]
pub fn NewCase() -> impl IntoView {
    let cases = crate::app::handles().cases;
    let store = crate::app::base().store;

    let nav = crate::app::base().nav;
    let mut initial = store
        .get::<CaseDraft>(DRAFT)
        .ok()
        .flatten()
        .unwrap_or_else(blank_draft);
    if initial.contacts.is_empty() {
        initial.contacts.push(Contact::default());
    }
    let draft = RwSignal::new(initial);
    let form = FormState::new("new-case");

    {
        let store = store.clone();
        Effect::new(move |_| {
            let d = draft.get();
            if d == blank_draft() {
                store.remove(DRAFT);
            } else {
                let _ = store.set(DRAFT, &d);
            }
        });
    }

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut d = draft.get_untracked();
        // An untouched contact row is not a contact.
        d.contacts.retain(|c| {
            !(c.name.trim().is_empty()
                && c.relationship.trim().is_empty()
                && c.phone.trim().is_empty())
        });
        let user = crate::app::handles().auth.username();
        match cases.create(&d, &user) {
            Ok(id) => {
                store.remove(DRAFT);
                draft.set(blank_draft());
                nav.go(&format!("/cases/{id}"));
            }
            Err(e) => {
                form.report(Err(e));
            }
        }
    };

    // One field of the draft: what it shows and how typing changes it.
    let field = move |control: Control,
                      label: &'static str,
                      name: &'static str,
                      get: fn(&CaseDraft) -> String,
                      set: fn(&mut CaseDraft, String)| {
        view! {
            <Field form name label control
                value=Signal::derive(move || draft.with(get))
                set=move |v| draft.update(|d| set(d, v))/>
        }
    };
    let text = move |label, name, get, set| field(Control::Text, label, name, get, set);
    let date = move |label, name, get, set| field(Control::Input("date"), label, name, get, set);
    let choose =
        move |label, name, mut choices: Vec<(String, String)>, blank: Option<&str>, get, set| {
            if let Some(b) = blank {
                choices.insert(0, (String::new(), b.to_owned()));
            }
            field(Control::Select(choices), label, name, get, set)
        };
    let contact = move |label: &'static str,
                        name: &'static str,
                        get: fn(&Contact) -> String,
                        set: fn(&mut Contact, String)| {
        view! {
            <Field form name label
                value=Signal::derive(move || draft.with(|d| d.contacts.first().map(get).unwrap_or_default()))
                set=move |v| draft.update(|d| {
                    if let Some(c) = d.contacts.first_mut() {
                        set(c, v)
                    }
                })/>
        }
    };

    view! {
        <h1>"New case"</h1>
        <form class="case-form" on:submit=save aria-label="New case" novalidate>
            <ErrorSummary form/>
            <div class="grid">
                {text("Patient name", "patient.name", |d| d.patient_name.clone(), |d, v| d.patient_name = v)}
                {text("MRN", "patient.mrn", |d| d.mrn.clone(), |d, v| d.mrn = v)}
                {move || unit_field(form, draft)}
                {text("Room / bed", "patient.room", |d| d.room.clone(), |d, v| d.room = v)}
                {choose("Kind of case", "kind", options(CaseKind::ALL, |k| k.label()), Some("Choose…"), |d| d.kind.clone(), |d, v| d.kind = v)}
                {choose("Category", "category", options(ComplaintCategory::ALL, |c| c.label()), Some("None"), |d| d.category.clone(), |d, v| d.category = v)}
                {choose("Received by", "received_via", options(Channel::ALL, |c| c.label()), None, |d| d.received_via.clone(), |d, v| d.received_via = v)}
                {choose("Priority", "priority", options(Priority::ALL, |p| p.label()), None, |d| d.priority.clone(), |d, v| d.priority = v)}
            </div>
            {field(Control::TextArea(3), "What is it about?", "description", |d| d.description.clone(), |d, v| d.description = v)}
            <details class="more">
                <summary>"More details"</summary>
                <div class="grid">
                    {date("Date of birth", "patient.date_of_birth", |d| d.date_of_birth.clone(), |d, v| d.date_of_birth = v)}
                    {text("Preferred language", "patient.preferred_language", |d| d.preferred_language.clone(), |d, v| d.preferred_language = v)}
                    <label class="check">
                        <input type="checkbox" prop:checked=move || draft.with(|d| d.interpreter_needed) on:change=move |ev| draft.update(|d| d.interpreter_needed = event_target_checked(&ev))/>
                        <span>"Interpreter needed"</span>
                    </label>
                    {date("Received on", "received_on", |d| d.received_on.clone(), |d, v| d.received_on = v)}
                    {date("Due date", "due_on", |d| d.due_on.clone(), |d, v| d.due_on = v)}
                    {text("Assign to (blank = me)", "assignee", |d| d.assignee.clone(), |d, v| d.assignee = v)}
                    {text("Tags (comma-separated)", "tags", |d| d.tags.clone(), |d, v| d.tags = v)}
                </div>
                <fieldset class="contact">
                    <legend>"Family or representative"</legend>
                    <div class="grid">
                        {contact("Contact name", "patient.contacts.0.name", |c| c.name.clone(), |c, v| c.name = v)}
                        {contact("Relationship", "patient.contacts.0.relationship", |c| c.relationship.clone(), |c, v| c.relationship = v)}
                        {contact("Phone", "patient.contacts.0.phone", |c| c.phone.clone(), |c, v| c.phone = v)}
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || draft.with(|d| d.contacts.first().is_some_and(|c| c.may_share))
                                on:change=move |ev| draft.update(|d| {
                                    if let Some(c) = d.contacts.first_mut() {
                                        c.may_share = event_target_checked(&ev)
                                    }
                                })
                            />
                            <span>"Patient allows sharing information with them"</span>
                        </label>
                    </div>
                </fieldset>
            </details>
            <div class="form-actions">
                <button type="submit" class="primary">"Save case"</button>
            </div>
        </form>
    }
}
