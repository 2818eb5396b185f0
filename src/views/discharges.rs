//! "Discharges": who is expected to leave today, tomorrow and this week,
//! with the patients whose required checklist items are still open first.

use advocase_core::discharge::{Day, leaving};
use leptos::prelude::*;

use crate::clock;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Row {
    id: advocase_core::id::Id,
    patient: String,
    place: String,
    plan: String,
    progress: String,
    attention: bool,
}

#[component]
pub fn Discharges() -> impl IntoView {
    let cases = crate::app::handles().cases;
    let groups = Memo::new(move |_| {
        // Read at each redraw: a view left open overnight moves on a day.
        let today = clock::today();
        cases.caseload.with(|c| {
            let all = leaving(c.iter(), today);
            Day::ALL
                .iter()
                .map(|&day| {
                    let rows: Vec<Row> = all
                        .iter()
                        .filter(|l| l.day == day)
                        .map(|l| {
                            let p = &l.file.case.patient;
                            Row {
                                id: l.file.case.id,
                                patient: p.name.clone(),
                                place: [p.room.clone(), p.unit.clone()]
                                    .into_iter()
                                    .filter(|s| !s.is_empty())
                                    .collect::<Vec<_>>()
                                    .join(" · "),
                                plan: format!(
                                    "Expected {}{}",
                                    clock::show_date(l.on),
                                    l.file
                                        .case
                                        .destination
                                        .map(|d| format!(" · {}", d.label()))
                                        .unwrap_or_default()
                                ),
                                progress: l.progress.map_or_else(
                                    || "No checklist started".to_owned(),
                                    |p| p.describe(),
                                ),
                                attention: l.needs_attention(),
                            }
                        })
                        .collect();
                    (day, rows)
                })
                .collect::<Vec<_>>()
        })
    });
    let total = move || groups.with(|g| g.iter().map(|(_, r)| r.len()).sum::<usize>());
    view! {
        <div class="page-head">
            <h1>"Discharges"</h1>
            <a href="/templates" class="button">"Checklist templates"</a>
        </div>
        <p class="result-count" role="status">
            {move || match total() {
                0 => "No open case on this device has an expected discharge this week. Set the date on a case’s discharge plan.".to_owned(),
                1 => "1 patient expected to leave this week.".to_owned(),
                n => format!("{n} patients expected to leave this week."),
            }}
        </p>
        {move || groups.get().into_iter().filter(|(_, rows)| !rows.is_empty()).map(|(day, rows)| {
            let heading = format!("{} ({})", day.label(), rows.len());
            view! {
                <section class="panel discharge-day" aria-label=day.label()>
                    <h2>{heading}</h2>
                    <ul class="case-list">
                        {rows.into_iter().map(|r| view! {
                            <li class="case-row" class:attention=r.attention data-testid="leaving">
                                <a href=format!("/cases/{}", r.id) class="case-link">
                                    <span class="patient">{r.patient.clone()}</span>
                                    <span class="case-meta">{r.place.clone()}</span>
                                    <span class="case-meta">{r.plan.clone()}</span>
                                    <span class="when" class:attention=r.attention>
                                        {r.attention.then(|| view! { <span class="badge required">"Needs attention"</span> " " })}
                                        {r.progress.clone()}
                                    </span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
    }
}
