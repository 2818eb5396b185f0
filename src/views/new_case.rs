//! Opening a case. The required fields fit a tablet screen without
//! scrolling; the rest is folded under "More details". What is typed is kept
//! on the device as a draft until the case is saved.

use advocase_core::case::{CaseDraft, Priority};
use advocase_core::patient::Contact;
use advocase_core::reference::{CaseKind, Channel, ComplaintCategory};
use advocase_core::validation::Problems;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::cases::{Cases, SaveError};
use crate::storage::Store;
use crate::views::fields::{FieldError, other_problems};
use advocase_core::reference::ident;

const DRAFT: &str = "draft.new-case";

const SHOWN_FIELDS: &[&str] = &[
    "patient.name",
    "patient.mrn",
    "patient.unit",
    "patient.room",
    "kind",
    "category",
    "description",
    "received_via",
    "priority",
    "patient.date_of_birth",
    "patient.preferred_language",
    "patient.contacts.0.name",
    "received_on",
    "due_on",
    "tags",
    "assignee",
];

fn blank_draft() -> CaseDraft {
    CaseDraft {
        received_via: ident(&Channel::BedsideVisit),
        priority: ident(&Priority::Medium),
        contacts: vec![Contact::default()],
        ..CaseDraft::default()
    }
}

#[component]
pub fn NewCase() -> impl IntoView {
    let cases = expect_context::<Cases>();
    let store = expect_context::<Store>();

    let navigate = use_navigate();
    let mut initial = store
        .get::<CaseDraft>(DRAFT)
        .ok()
        .flatten()
        .unwrap_or_else(blank_draft);
    if initial.contacts.is_empty() {
        initial.contacts.push(Contact::default());
    }
    let draft = RwSignal::new(initial);
    let problems = RwSignal::new(None::<Problems>);
    let failure = RwSignal::new(None::<String>);

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
        let user = expect_context::<crate::session::Auth>().username();
        match cases.create(&d, &user) {
            Ok(id) => {
                store.remove(DRAFT);
                draft.set(blank_draft());
                navigate(&format!("/cases/{id}"), Default::default());
            }
            Err(SaveError::Invalid(p)) => {
                let rest = other_problems(&p, SHOWN_FIELDS).join(" ");
                failure.set(Some(format!("Please fix the fields marked below. {rest}")));
                problems.set(Some(p));
            }
            Err(e) => failure.set(Some(e.to_string())),
        }
    };

    let input = move |kind: &'static str,
                      label: &'static str,
                      field: &'static str,
                      get: fn(&CaseDraft) -> String,
                      set: fn(&mut CaseDraft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type=kind
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                    aria-invalid=move || problems.with(|p| p.as_ref().is_some_and(|p| p.for_field(field).is_some())).to_string()
                />
            </label>
            <FieldError problems field/>
        }
    };
    let text = move |label, field, get, set| input("text", label, field, get, set);
    let date = move |label, field, get, set| input("date", label, field, get, set);
    let choose = move |label: &'static str,
                       field: &'static str,
                       options: Vec<(String, &'static str)>,
                       blank: Option<&'static str>,
                       get: fn(&CaseDraft) -> String,
                       set: fn(&mut CaseDraft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <select prop:value=move || draft.with(get) on:change=move |ev| draft.update(|d| set(d, event_target_value(&ev)))>
                    {blank.map(|b| view! { <option value="">{b}</option> })}
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </label>
            <FieldError problems field/>
        }
    };
    let contact = move |label: &'static str,
                        get: fn(&Contact) -> String,
                        set: fn(&mut Contact, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    prop:value=move || draft.with(|d| d.contacts.first().map(get).unwrap_or_default())
                    on:input=move |ev| draft.update(|d| {
                        if let Some(c) = d.contacts.first_mut() {
                            set(c, event_target_value(&ev))
                        }
                    })
                />
            </label>
        }
    };

    view! {
        <h1>"New case"</h1>
        <form class="case-form" on:submit=save aria-label="New case" novalidate>
            <div class="grid">
                {text("Patient name", "patient.name", |d| d.patient_name.clone(), |d, v| d.patient_name = v)}
                {text("MRN", "patient.mrn", |d| d.mrn.clone(), |d, v| d.mrn = v)}
                {text("Unit", "patient.unit", |d| d.unit.clone(), |d, v| d.unit = v)}
                {text("Room / bed", "patient.room", |d| d.room.clone(), |d, v| d.room = v)}
                {choose("Kind of case", "kind", CaseKind::ALL.iter().map(|k| (ident(k), k.label())).collect(), Some("Choose…"), |d| d.kind.clone(), |d, v| d.kind = v)}
                {choose("Category", "category", ComplaintCategory::ALL.iter().map(|c| (ident(c), c.label())).collect(), Some("None"), |d| d.category.clone(), |d, v| d.category = v)}
                {choose("Received by", "received_via", Channel::ALL.iter().map(|c| (ident(c), c.label())).collect(), None, |d| d.received_via.clone(), |d, v| d.received_via = v)}
                {choose("Priority", "priority", Priority::ALL.iter().map(|p| (ident(p), p.label())).collect(), None, |d| d.priority.clone(), |d, v| d.priority = v)}
            </div>
            <label class="field">
                <span>"What is it about?"</span>
                <textarea rows="3" prop:value=move || draft.with(|d| d.description.clone()) on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))></textarea>
            </label>
            <FieldError problems field="description"/>
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
                        {contact("Contact name", |c| c.name.clone(), |c, v| c.name = v)}
                        {contact("Relationship", |c| c.relationship.clone(), |c, v| c.relationship = v)}
                        {contact("Phone", |c| c.phone.clone(), |c, v| c.phone = v)}
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
                    <FieldError problems field="patient.contacts.0.name"/>
                </fieldset>
            </details>
            {move || failure.get().map(|f| view! { <p class="notice error" role="alert">{f}</p> })}
            <div class="form-actions">
                <button type="submit" class="primary">"Save case"</button>
            </div>
        </form>
    }
}
