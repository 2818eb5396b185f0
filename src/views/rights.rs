//! "Your rights as a patient": the rights under 42 CFR 482.13 in plain
//! words and large type, in the patient's language, printable from any case.
//! It carries no patient data beyond the name; the numbers outside the care
//! team are the hospital's, as an administrator entered them (never made
//! up: a missing one says to ask for it).

use advocase_core::hospital::HospitalContacts;
use advocase_core::i18n::{self, Key, RightsContacts};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::clock;
use crate::views::print::{sheet_actions, sheet_language};

/// What the administrator entered, blanks left out (the sheet then says to
/// ask for the number).
fn rights_contacts(h: &HospitalContacts) -> RightsContacts {
    let some = |s: &String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    RightsContacts {
        patient_relations_phone: some(&h.patient_relations_phone),
        state_agency_name: some(&h.state_agency_name),
        state_agency_phone: some(&h.state_agency_phone),
        qio_name: some(&h.qio_name),
        qio_phone: some(&h.qio_phone),
        interpreter_phone: some(&h.interpreter_phone),
    }
}

#[component]
pub fn PrintRights(id: Option<Id>) -> impl IntoView {
    let hospital = crate::app::handles().hospital;
    let chosen = RwSignal::new(0);
    let file = crate::views::case_detail::case_file(id);
    move || match file.with(|f| {
        f.as_ref().map(|f| {
            let p = &f.case.patient;
            (f.case.id, p.name.clone(), p.preferred_language.clone())
        })
    }) {
        None => crate::views::html::not_found(
            "Case not found",
            "This case is not on this device.",
            "/cases",
            "Back to cases",
        ),
        Some((id, name, preferred)) => {
            let lang = sheet_language(&preferred, chosen);
            let contacts = rights_contacts(&hospital.contacts().get());
            let sheet = i18n::rights_sheet(lang, &contacts);
            let title = sheet.title;
            let printed = advocase_core::dates::date_in(lang, clock::today());
            view! {
                {sheet_actions(format!("/cases/{id}"), lang, chosen)}
                <article class="patient-sheet rights-sheet" aria-labelledby="rights-title" lang=lang.code()>
                    <h1 id="rights-title">{title}</h1>
                    <p class="sheet-for">{i18n::fill(i18n::text(lang, Key::SheetFor), &[("name", &name)])}</p>
                    <p>{sheet.intro}</p>
                    {sheet.sections.into_iter().map(|s| view! {
                        <section class="sheet-section">
                            <h2>{s.heading}</h2>
                            {s.paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                        </section>
                    }).collect_view()}
                    <p class="sheet-footer">
                        {sheet.sources.into_iter().map(|s| view! { {s} <br/> }).collect_view()}
                        {i18n::fill(i18n::text(lang, Key::SheetFooter), &[("title", title), ("date", &printed)])}
                    </p>
                </article>
            }
            .into_any()
        }
    }
}
