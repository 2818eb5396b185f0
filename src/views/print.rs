//! The sheet a patient takes home: one checklist in plain language and
//! large type. Only what the patient should read goes on it: no care-team
//! notes, no reasons an item was set aside, no staff names, no record
//! number. Print CSS (style/print.css) drops the app around it and fits it
//! to A4 or Letter, whichever the printer has.

use advocase_core::checklist::ItemState;
use advocase_core::discharge::{for_patient, state_for_patient};
use advocase_core::id::Id;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::cases::Cases;
use crate::clock;

/// A language worth a line on the sheet: any the patient prefers that is
/// not the one the sheet is printed in.
fn language_note(language: &str, interpreter: bool) -> Option<String> {
    let language = language.trim();
    let other = !language.is_empty() && !language.eq_ignore_ascii_case("english");
    match (other, interpreter) {
        (true, _) => Some(format!(
            "Your preferred language: {language}. Ask us for this sheet in {language}, or for an interpreter. It is free."
        )),
        (false, true) => Some("You can ask for an interpreter at any time. It is free.".into()),
        (false, false) => None,
    }
}

#[component]
pub fn PrintChecklist() -> impl IntoView {
    let cases = expect_context::<Cases>();
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            Some((
                p.get("id")?.parse::<Id>().ok()?,
                p.get("checklist")?.parse::<Id>().ok()?,
            ))
        })
    };
    let sheet = Memo::new(move |_| {
        let (case_id, checklist) = ids()?;
        cases.caseload.with(|c| {
            let f = c.get(&case_id)?;
            let k = f.case.checklists.iter().find(|k| k.id == checklist)?;
            Some((f.case.clone(), k.clone()))
        })
    });
    let print = move |_| {
        let _ = window().print();
    };
    move || match sheet.get() {
        None => view! {
            <section class="panel">
                <h1>"Checklist not found"</h1>
                <p>"This checklist is not on this device. " <A href="/">"Back to cases"</A></p>
            </section>
        }
        .into_any(),
        Some((case, checklist)) => {
            let mut sections: Vec<(String, Vec<_>)> = Vec::new();
            for item in checklist.items {
                match sections.iter_mut().find(|(s, _)| *s == item.section) {
                    Some((_, items)) => items.push(item),
                    None => sections.push((item.section.clone(), vec![item])),
                }
            }
            let when = case.expected_discharge.map(advocase_core::dates::long);
            let to = case.destination.map(|d| d.label().to_lowercase());
            let plan = match (when, to) {
                (Some(w), Some(t)) => Some(format!(
                    "You are expected to leave the hospital on {w}, to go to: {t}."
                )),
                (Some(w), None) => Some(format!("You are expected to leave the hospital on {w}.")),
                (None, Some(t)) => {
                    Some(format!("When you leave the hospital, you will go to: {t}."))
                }
                (None, None) => None,
            };
            let language = language_note(
                &case.patient.preferred_language,
                case.patient.interpreter_needed,
            );
            view! {
                <div class="no-print print-actions">
                    <A href=format!("/cases/{}", case.id) attr:class="button">"← Back to the case"</A>
                    <button type="button" class="primary" on:click=print>"Print"</button>
                </div>
                <article class="patient-sheet" aria-labelledby="sheet-title">
                    <h1 id="sheet-title">"Your plan for leaving the hospital"</h1>
                    <p class="sheet-for">"For " <strong>{case.patient.name.clone()}</strong></p>
                    {plan.map(|p| view! { <p>{p}</p> })}
                    {language.map(|l| view! { <p class="sheet-language" data-testid="sheet-language">{l}</p> })}
                    <p>"Go through this list with us before you leave. A tick means it is done. Ask about anything that is not clear."</p>
                    {sections.into_iter().map(|(title, items)| view! {
                        <section class="sheet-section">
                            <h2>{title}</h2>
                            <ul class="sheet-items">
                                {items.into_iter().map(|item| {
                                    let done = item.state != ItemState::ToDo;
                                    // A tick means done (the sheet says so); a dash, decided otherwise.
                                    let mark = match item.state {
                                        ItemState::ToDo => "☐",
                                        ItemState::Done { .. } => "☑",
                                        ItemState::NotApplicable { .. } => "–",
                                    };
                                    view! {
                                        <li class:done=done>
                                            <span class="box" aria-hidden="true">{mark}</span>
                                            <span class="sheet-item">
                                                <span class="sheet-text">{item.text.clone()}</span>
                                                <span class="sheet-who">
                                                    {format!("Who helps: {}", for_patient(item.responsible))}
                                                    {item.due.map(|d| format!(" · By {}", advocase_core::dates::day_and_month(d)))}
                                                    {format!(" · {}", state_for_patient(&item.state))}
                                                </span>
                                            </span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }).collect_view()}
                    <section class="sheet-section sheet-notes">
                        <h2>"My questions and phone numbers"</h2>
                        <p class="write-line"></p>
                        <p class="write-line"></p>
                        <p class="write-line"></p>
                    </section>
                    <p class="sheet-footer">
                        {format!("{} · printed {}", checklist.title, clock::show_date(clock::today()))}
                    </p>
                </article>
            }
            .into_any()
        }
    }
}
