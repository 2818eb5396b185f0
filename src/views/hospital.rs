//! The hospital's numbers for the patient's rights sheet, kept by an
//! administrator: the patient relations office, the interpreter line, the
//! state survey agency and the Medicare QIO. Saving needs the server.

use advocase_core::hospital::HospitalContacts;
use leptos::prelude::*;

use crate::views::fields::{ErrorSummary, Field, FormState};

type ReadField = fn(&HospitalContacts) -> &String;
type WriteField = fn(&mut HospitalContacts, String);

const FIELDS: [(&str, &str, ReadField, WriteField); 7] = [
    (
        "hospital_name",
        "Hospital name",
        |c| &c.hospital_name,
        |c, v| c.hospital_name = v,
    ),
    (
        "patient_relations_phone",
        "Patient relations office phone",
        |c| &c.patient_relations_phone,
        |c, v| c.patient_relations_phone = v,
    ),
    (
        "interpreter_phone",
        "Interpreter line phone",
        |c| &c.interpreter_phone,
        |c, v| c.interpreter_phone = v,
    ),
    (
        "state_agency_name",
        "State survey agency name",
        |c| &c.state_agency_name,
        |c, v| c.state_agency_name = v,
    ),
    (
        "state_agency_phone",
        "State survey agency phone",
        |c| &c.state_agency_phone,
        |c, v| c.state_agency_phone = v,
    ),
    (
        "qio_name",
        "Medicare QIO name (BFCC-QIO)",
        |c| &c.qio_name,
        |c, v| c.qio_name = v,
    ),
    (
        "qio_phone",
        "Medicare QIO phone",
        |c| &c.qio_phone,
        |c, v| c.qio_phone = v,
    ),
];

#[component]
pub fn HospitalNumbers() -> impl IntoView {
    let hospital = crate::app::handles().hospital;
    let auth = crate::app::handles().auth;
    let draft = RwSignal::new(hospital.contacts().get_untracked());
    // What sync brings shows until the administrator starts typing.
    let touched = RwSignal::new(false);
    Effect::new(move |_| {
        let stored = hospital.contacts().get();
        if !touched.get_untracked() {
            draft.set(stored);
        }
    });
    let form = FormState::new("hospital");
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let checked = match draft.get_untracked().check() {
            Ok(c) => c,
            Err(p) => return form.invalid(p),
        };
        let Some(token) = auth.token() else {
            return form.fail("Sign in again to save.");
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = hospital.save(&token, &checked).await;
            busy.set(false);
            match result {
                Ok(stored) => {
                    form.clear();
                    touched.set(false);
                    draft.set(stored);
                    saved.set(Some(
                        "Saved. Rights sheets printed from now on show these numbers.".into(),
                    ));
                }
                Err(e) => form.fail(e),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="hospital-numbers">
            <h2 id="hospital-numbers">"Numbers on the patient's rights sheet"</h2>
            <p>"Patients are told whom to call, inside and outside the hospital. A number left empty is printed as “ask us for this number”: Advocase never makes one up."</p>
            <form class="grid" aria-label="Hospital numbers" novalidate on:submit=save>
                <ErrorSummary form/>
                {FIELDS.into_iter().map(|(name, label, get, set)| view! {
                    <Field form name label value=Signal::derive(move || draft.with(|c| get(c).clone()))
                        set=move |v| { touched.set(true); draft.update(|c| set(c, v)) }/>
                }).collect_view()}
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save numbers" }}
                    </button>
                    {move || saved.get().map(|m| view! { <span class="saved" role="status">{m}</span> })}
                    {move || draft.with(|c| c.updated_at.map(|at| format!("Last saved by {} on {}.", c.updated_by, crate::clock::show_time(at))))}
                </div>
            </form>
        </section>
    }
}
