//! "My day", the start page: what needs doing, most urgent first, each row
//! saying why it is there, with its one-tap actions (done, acknowledge,
//! log, open the case). The rows are computed in `crate::my_day`; here
//! they are drawn as markup (a long list that is redrawn whole) and their
//! buttons are read back from `data-` attributes by one handler.

use advocase_core::followup::my_day::{Row, Section, What};
use advocase_core::followup::{Answer, Standing, TaskStatus, TaskValue};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::clock;
use crate::views::html::{action, escape};
use crate::views::quick_log::QuickLog;

#[component]
pub fn MyDayPage() -> impl IntoView {
    let day = crate::app::handles().day;
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let logging = RwSignal::new(None::<Id>);
    let problem = RwSignal::new(None::<String>);
    let markup = move || {
        let me = auth.user().map(|u| u.username).unwrap_or_default();
        day.page.with(|d| {
            cases.caseload.with_untracked(|load| {
                let mut out = String::new();
                for &s in Section::ALL {
                    let rows: Vec<&Row> = d.section(s).collect();
                    if rows.is_empty() {
                        continue;
                    }
                    out += &format!(
                        r#"<section class="panel day-section" aria-labelledby="day-{s:?}"><h2 id="day-{s:?}">{} <span class="count">{}</span></h2><ul class="case-list">"#,
                        s.title(),
                        rows.len()
                    );
                    for r in rows {
                        let waiting_on_me = match r.what {
                            What::Escalation(x) => load
                                .get(&r.case)
                                .and_then(|f| f.case.escalations.iter().find(|e| e.id == x))
                                .is_some_and(|e| {
                                    matches!(e.standing(), Standing::Waiting { holder, .. } if holder.username() == Some(me.as_str()))
                                }),
                            _ => false,
                        };
                        out += &row(r, s == Section::Team, waiting_on_me);
                    }
                    out += "</ul></section>";
                }
                if out.is_empty() {
                    out = r#"<section class="panel"><p>No follow-ups, grievance responses, escalations or discharges need you in the next 7 days. <a href="/cases">See all cases</a></p></section>"#.into();
                }
                out
            })
        })
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, case, target)) = action(&ev) else {
            return;
        };
        let (Ok(case), user) = (case.parse::<Id>(), auth.username()) else {
            return;
        };
        let result = match act.as_str() {
            "done" => target.parse().map(|task| {
                cases.set_task(
                    case,
                    task,
                    vec![TaskValue::Status(TaskStatus::Done {
                        by: user.clone(),
                        at: clock::now(),
                    })],
                    &user,
                )
            }),
            "ack" => target
                .parse()
                .map(|x| cases.respond(case, x, Answer::Acknowledged, &user)),
            "log" => {
                logging.set(Some(case));
                request_animation_frame(|| crate::views::fields::focus("day-log"));
                return;
            }
            _ => return,
        };
        problem.set(match result {
            Ok(Err(e)) => Some(e.to_string()),
            _ => None,
        });
    };
    view! {
        <div class="page-head">
            <h1>"My day"</h1>
            <div class="button-row">
                <a href="/cases/new" class="button primary">"New case"</a>
                <a href="/cases" class="button">"All cases"</a>
            </div>
        </div>
        <p class="result-count" role="status">
            {move || day.page.with(|d| match (d.count(), d.overdue()) {
                (0, _) => "Nothing needs you now.".to_owned(),
                (n, 0) => format!("{n} to do now."),
                (n, o) => format!("{n} to do now, {o} overdue."),
            })}
        </p>
        {move || problem.get().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
        {move || logging.get().map(|case| {
            let patient = cases.caseload.with_untracked(|c| c.get(&case).map(|f| f.case.patient.name.clone())).unwrap_or_default();
            view! {
            <section class="panel" id="day-log" tabindex="-1" aria-label=format!("Log for {patient}")>
                <p><strong>{format!("Log for {patient}")}</strong></p>
                <QuickLog case_id=case on_done=move |_| logging.set(None)/>
                <button type="button" on:click=move |_| logging.set(None)>"Close the log form"</button>
            </section>
        }})}
        <div class="my-day" on:click=on_click inner_html=markup></div>
    }
}

/// One row: who, what, why, and its buttons.
fn row(r: &Row, team: bool, waiting_on_me: bool) -> String {
    let patient = escape(&r.patient);
    let title = escape(&r.title);
    let case = r.case;
    let mut why = escape(&r.why);
    if team {
        why = format!("{} · {why}", escape(&r.owner));
    }
    let mut buttons = String::new();
    match r.what {
        What::Task(t) if !team => {
            buttons += &format!(
                r#"<button type="button" class="primary" data-act="done" data-case="{case}" data-id="{t}" aria-label="Done: {title}">Done</button>"#
            );
        }
        What::Escalation(x) if waiting_on_me => {
            buttons += &format!(
                r#"<button type="button" class="primary" data-act="ack" data-case="{case}" data-id="{x}" aria-label="Acknowledge: {title}">Acknowledge</button>"#
            );
        }
        _ => {}
    }
    let flags = if r.undelivered {
        r#" <span class="badge">Not yet delivered</span>"#
    } else {
        ""
    };
    format!(
        r#"<li class="case-row day-row{overdue}" data-testid="my-day-row"><div class="day-main"><span class="patient">{patient}</span> <span class="case-meta">{unit}</span><span class="day-title">{title}{flags}</span><span class="when{overdue}">{why}</span></div><div class="button-row">{buttons}<button type="button" data-act="log" data-case="{case}" aria-label="Log for {patient}">Log</button><a class="button" href="/cases/{case}" aria-label="Open case: {patient}">Open case</a></div></li>"#,
        overdue = if r.overdue { " overdue" } else { "" },
        unit = escape(&r.unit),
    )
}
