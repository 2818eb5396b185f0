//! The sheet a patient takes home: one checklist in plain language and
//! large type. Only what the patient should read goes on it: no care-team
//! notes, no reasons an item was set aside, no staff names, no record
//! number. Print CSS (style/print.css) drops the app around it and fits it
//! to A4 or Letter, whichever the printer has.

use advocase_core::checklist::{ADDED_SECTION, ItemState};
use advocase_core::dates;
use advocase_core::i18n::{self, Key, Lang};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::clock;

/// The sheet's language: the one the person chose, else the patient's
/// preferred language when we can print it, else English. `chosen` is 0
/// until one is chosen, then its place in `Lang::ALL` plus one: a `usize`
/// signal, a type other views compile anyway (README, Size).
pub fn sheet_language(preferred: &str, chosen: RwSignal<usize>) -> Lang {
    Lang::ALL
        .get(chosen.get().wrapping_sub(1))
        .copied()
        .unwrap_or_else(|| Lang::for_patient(preferred))
}

/// "← Back to the case", the other languages one tap away (each named in
/// itself), and Print. Not printed.
pub fn sheet_actions(back: String, lang: Lang, chosen: RwSignal<usize>) -> impl IntoView {
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <div class="no-print print-actions">
            <a href=back class="button">"← Back to the case"</a>
            {Lang::ALL.into_iter().enumerate().filter(|(_, l)| *l != lang).map(|(i, other)| view! {
                <button type="button" lang=other.code() on:click=move |_| chosen.set(i + 1)>
                    {i18n::text(other, Key::PrintInThisLanguage)}
                </button>
            }).collect_view()}
            <button type="button" class="primary" on:click=print>"Print"</button>
        </div>
    }
}

#[component]
pub fn PrintChecklist(id: Option<Id>, checklist: Option<Id>) -> impl IntoView {
    let file = crate::views::case_detail::case_file(id);
    let sheet = move || {
        file.with(|f| {
            let f = f.as_ref()?;
            let k = f.case.checklists.iter().find(|k| Some(k.id) == checklist)?;
            Some((f.case.clone(), k.clone()))
        })
    };
    let chosen = RwSignal::new(0);
    move || match sheet() {
        None => crate::views::html::not_found(
            "Checklist not found",
            "This checklist is not on this device.",
            "/cases",
            "Back to cases",
        ),
        Some((case, checklist)) => {
            let lang = sheet_language(&case.patient.preferred_language, chosen);
            let t = move |k: Key| i18n::text(lang, k);
            // A text nobody translated (a manager's own item) prints in
            // English, saying so.
            let say = move |english: &str| match i18n::template_text(lang, english) {
                _ if english == ADDED_SECTION => t(Key::AddedSection).to_owned(),
                Some(said) => said.to_owned(),
                None => format!("{english} {}", t(Key::OnlyInEnglish)),
            };
            let mut sections: Vec<(String, Vec<_>)> = Vec::new();
            for item in checklist.items {
                match sections.iter_mut().find(|(s, _)| *s == item.section) {
                    Some((_, items)) => items.push(item),
                    None => sections.push((item.section.clone(), vec![item])),
                }
            }
            let when = case.expected_discharge.map(|d| dates::long_in(lang, d));
            let to = case.destination.map(|d| i18n::destination(lang, d));
            let plan = match (when, to) {
                (Some(w), Some(p)) => Some(i18n::fill(
                    t(Key::PlanDateAndPlace),
                    &[("date", &w), ("place", p)],
                )),
                (Some(w), None) => Some(i18n::fill(t(Key::PlanDate), &[("date", &w)])),
                (None, Some(p)) => Some(i18n::fill(t(Key::PlanPlace), &[("place", p)])),
                (None, None) => None,
            };
            let language = i18n::language_note(
                lang,
                &case.patient.preferred_language,
                case.patient.interpreter_needed,
            );
            let back = format!("/cases/{}", case.id);
            let footer = i18n::fill(
                t(Key::SheetFooter),
                &[
                    ("title", &say(&checklist.title)),
                    ("date", &dates::date_in(lang, clock::today())),
                ],
            );
            view! {
                {sheet_actions(back, lang, chosen)}
                <article class="patient-sheet" aria-labelledby="sheet-title" lang=lang.code()>
                    <h1 id="sheet-title">{t(Key::SheetTitle)}</h1>
                    <p class="sheet-for">{i18n::fill(t(Key::SheetFor), &[("name", &case.patient.name)])}</p>
                    {plan.map(|p| view! { <p>{p}</p> })}
                    {language.map(|l| view! { <p class="sheet-language" data-testid="sheet-language">{l}</p> })}
                    <p>{t(Key::SheetIntro)}</p>
                    {sections.into_iter().map(|(title, items)| view! {
                        <section class="sheet-section">
                            <h2>{say(&title)}</h2>
                            <ul class="sheet-items">
                                {items.into_iter().map(|item| {
                                    let done = item.state != ItemState::ToDo;
                                    // A check mark means done (the sheet says so); a dash, decided otherwise.
                                    let mark = match item.state {
                                        ItemState::ToDo => "☐",
                                        ItemState::Done { .. } => "☑",
                                        ItemState::NotApplicable { .. } => "–",
                                    };
                                    let who = i18n::fill(t(Key::WhoHelps), &[("who", i18n::responsible(lang, item.responsible))]);
                                    let by = item.due.map(|d| {
                                        format!(" · {}", i18n::fill(t(Key::ByDate), &[("date", &dates::day_and_month_in(lang, d))]))
                                    });
                                    view! {
                                        <li class:done=done>
                                            <span class="box" aria-hidden="true">{mark}</span>
                                            <span class="sheet-item">
                                                <span class="sheet-text">{say(&item.text)}</span>
                                                <span class="sheet-who">
                                                    {who} {by} {format!(" · {}", i18n::item_state(lang, &item.state))}
                                                </span>
                                            </span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }).collect_view()}
                    <section class="sheet-section sheet-notes">
                        <h2>{t(Key::NotesHeading)}</h2>
                        <p class="write-line"></p>
                        <p class="write-line"></p>
                        <p class="write-line"></p>
                    </section>
                    <p class="sheet-footer">{footer}</p>
                </article>
            }
            .into_any()
        }
    }
}
