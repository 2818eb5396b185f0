//! "Discharges": who is expected to leave today, tomorrow and this week,
//! with the patients whose required checklist items are still open first.

use advocase_core::discharge::{Day, leaving};
use leptos::prelude::*;

use crate::clock;
use crate::views::html::escape;

#[component]
pub fn Discharges() -> impl IntoView {
    let cases = crate::app::handles().cases;
    // How many are leaving, and the days' lists as markup: read-only and
    // drawn again whole (each `view!` element is compiled code of its own:
    // README, Size).
    let page = Memo::new(move |_| {
        // Read at each redraw: a view left open overnight moves on a day.
        let today = clock::today();
        cases.caseload.with(|c| {
            let all = leaving(c.iter(), today);
            let mut html = String::new();
            for day in Day::ALL {
                let rows: Vec<String> = all
                    .iter()
                    .filter(|l| l.day == day)
                    .map(|l| {
                        let p = &l.file.case.patient;
                        let place = [p.room.as_str(), p.unit.as_str()]
                            .into_iter()
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let plan = format!(
                            "Expected {}{}",
                            clock::show_date(l.on),
                            l.file
                                .case
                                .destination
                                .map(|d| format!(" · {}", d.label()))
                                .unwrap_or_default()
                        );
                        let progress = l
                            .progress
                            .map_or_else(|| "No checklist started".to_owned(), |p| p.describe());
                        let (attention, badge) = if l.needs_attention() {
                            (
                                " attention",
                                r#"<span class="badge required">Needs attention</span> "#,
                            )
                        } else {
                            ("", "")
                        };
                        format!(
                            r#"<li class="case-row{attention}" data-testid="leaving"><a href="/cases/{}" class="case-link"><span class="patient">{}</span><span class="case-meta">{}</span><span class="case-meta">{}</span><span class="when{attention}">{badge}{}</span></a></li>"#,
                            l.file.case.id,
                            escape(&p.name),
                            escape(&place),
                            escape(&plan),
                            escape(&progress),
                        )
                    })
                    .collect();
                if !rows.is_empty() {
                    let (label, n, rows) = (day.label(), rows.len(), rows.concat());
                    html += &format!(
                        r#"<section class="panel discharge-day" aria-label="{label}"><h2>{label} ({n})</h2><ul class="case-list">{rows}</ul></section>"#
                    );
                }
            }
            (all.len(), html)
        })
    });
    view! {
        <div class="page-head">
            <h1>"Discharges"</h1>
            <a href="/templates" class="button">"Checklist templates"</a>
        </div>
        <p class="result-count" role="status">
            {move || match page.with(|p| p.0) {
                0 => "No open case on this device has an expected discharge this week. Set the date on a case’s discharge plan.".to_owned(),
                1 => "1 patient expected to leave this week.".to_owned(),
                n => format!("{n} patients expected to leave this week."),
            }}
        </p>
        <div inner_html=move || page.with(|p| p.1.clone())></div>
    }
}
