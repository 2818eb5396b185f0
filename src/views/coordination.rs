//! A case's coordination: its follow-ups (tasks) and its escalations.
//!
//! Both lists are markup, redrawn with the case; every button in them is
//! read back by one click handler from its `data-act` / `data-id`. One
//! form at a time opens under them (add, change or cancel a follow-up;
//! escalate; answer or pass on an escalation), also markup, read back on
//! submit; what was typed is kept in `typed` so a redraw (its messages, a
//! sync) shows it again. One component, one handler and one form for all
//! of it: each separate view costs the .wasm (README, Size).
//!
//! An escalation goes to a colleague or manager, a department, or someone
//! from the directory, with a reason, an urgency and optionally one of the
//! case's follow-ups. Made offline, it says "Not yet delivered" until the
//! server has it.

use crate::views::fields::ident;
use advocase_core::case::Actor;
use advocase_core::caseload::CaseFile;
use advocase_core::followup::{
    Answer, Escalation, EscalationDraft, Recipient, Standing, Task, TaskDraft, TaskStatus,
    TaskValue, Windows,
};
use advocase_core::id::Id;
use advocase_core::reference::{TaskKind, Urgency};
use advocase_core::validation::Problems;
use leptos::prelude::*;

use crate::cases::{Cases, SaveError};
use crate::clock;
use crate::colleagues::Colleagues;
use crate::directory::Directory;
use crate::views::fields::{ErrorSummary, FormState, short};
use crate::views::html::{FormValues, Markup, action, escape};

/// The kinds for a select, after a blank choice labelled `blank`.
pub fn kind_options_with(blank: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), blank.to_owned())];
    out.extend(
        TaskKind::ALL
            .iter()
            .map(|k| (ident(k), k.label().to_owned())),
    );
    out
}

/// The quick log's: a promised follow-up need not say its kind.
pub fn kind_options() -> Vec<(String, String)> {
    kind_options_with("Not said (other)")
}

/// Which form is open (kept with what it holds, in [`Typed`]; the signal
/// says for which task or escalation, `Id::default()` for a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Form {
    #[default]
    AddTask,
    EditTask,
    CancelTask,
    Escalate,
    Answer,
    PassOn,
}

impl Form {
    fn title(self) -> &'static str {
        match self {
            Form::AddTask => "Add a follow-up",
            Form::EditTask => "Change this follow-up",
            Form::CancelTask => "Cancel this follow-up",
            Form::Escalate => "Escalate this case",
            Form::Answer => "Answer the escalation",
            Form::PassOn => "Pass the escalation on",
        }
    }

    /// Its submit button.
    fn action(self) -> &'static str {
        match self {
            Form::AddTask => "Add the follow-up",
            Form::EditTask => "Save the changes",
            Form::CancelTask => "Cancel the follow-up",
            Form::Escalate => "Send the escalation",
            Form::Answer => "Save the answer",
            Form::PassOn => "Pass it on",
        }
    }
}

/// What the open form holds, by field (the names its markup uses), and
/// which form it is.
#[derive(Default, Clone)]
struct Typed {
    which: Form,
    task: TaskDraft,
    reason: String,
    to: String,
    urgency: String,
    with_task: String,
    note: String,
}

impl Typed {
    fn read(v: &FormValues, which: Form) -> Typed {
        Typed {
            which,
            task: TaskDraft {
                kind: v.text("kind"),
                title: v.text("title"),
                due: v.text("due"),
                time: v.text("time"),
                owner: v.text("owner"),
                notes: v.text("notes"),
            },
            reason: v.text("reason"),
            to: v.text("to"),
            urgency: v.text("urgency"),
            with_task: v.text("task"),
            note: v.text("note"),
        }
    }
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn button(act: &str, id: Id, text: &str, about: &str, primary: bool) -> String {
    format!(
        r#"<button type="button"{} data-act="{act}" data-id="{id}" aria-label="{text}: {about}">{text}</button>"#,
        if primary { r#" class="primary""# } else { "" }
    )
}

/// "Due 4 Dec 2026, 14:30".
fn due_line(t: &Task) -> String {
    let time = t
        .time
        .map(|m| format!(", {}", advocase_core::followup::task::clock(m)))
        .unwrap_or_default();
    format!("Due {}{time}", clock::show_date(t.due))
}

fn tasks(f: &CaseFile, colleagues: Colleagues) -> String {
    let mut out = String::new();
    for c in &f.task_conflicts {
        let title = f
            .case
            .tasks
            .iter()
            .find(|t| t.id == c.task)
            .map(|t| t.title.as_str())
            .unwrap_or_default();
        let (kept, lost) = (
            short(&c.kept.value.display()),
            short(&c.lost.value.display()),
        );
        let (kept, lost) = (escape(&kept), escape(&lost));
        out += &format!(
            r#"<li class="conflict" data-testid="task-conflict"><p><strong>Edits that crossed:</strong> “{}”, {}: shows “{kept}” ({}, {}). “{lost}” by {} ({}) was overwritten.</p><div class="button-row"><button type="button" data-act="keep" data-id="{t}" data-case="{field}">Keep “{kept}”</button><button type="button" data-act="restore" data-id="{t}" data-case="{field}">Use “{lost}” instead</button></div></li>"#,
            escape(title),
            TaskValue::label(&c.field).to_lowercase(),
            escape(&c.kept.by),
            clock::show_time(c.kept.at),
            escape(&c.lost.by),
            clock::show_time(c.lost.at),
            t = c.task,
            field = escape(&c.field),
        );
    }
    let mut list: Vec<&Task> = f.case.tasks.iter().collect();
    // Open first, soonest due first.
    advocase_core::order::sort_by(&mut list, |a, b| {
        (!a.is_open(), a.due, a.time).cmp(&(!b.is_open(), b.due, b.time))
    });
    let now = clock::local(clock::now());
    for t in list {
        let title = escape(&t.title);
        let overdue = t.is_overdue(now);
        let state = match &t.status {
            TaskStatus::Open if overdue => "Overdue".to_owned(),
            TaskStatus::Open => "Open".to_owned(),
            TaskStatus::Done { by, at } => {
                format!("Done · {}, {}", escape(by), clock::show_time(*at))
            }
            TaskStatus::Cancelled { reason, by, at } => format!(
                "Cancelled: {} · {}, {}",
                escape(reason),
                escape(by),
                clock::show_time(*at)
            ),
        };
        let buttons = if t.is_open() {
            button("done", t.id, "Done", &title, true)
                + &button("edit", t.id, "Change", &title, false)
                + &button("cancel", t.id, "Cancel", &title, false)
        } else {
            button("reopen", t.id, "Reopen", &title, false)
        };
        out += &format!(
            r#"<li class="task{}" data-testid="task"><p><strong>{title}</strong> · {}</p><p class="case-meta">{} · {} · <span class="task-state">{state}</span></p><p class="case-meta">{}</p><div class="button-row">{buttons}</div></li>"#,
            if overdue { " overdue" } else { "" },
            t.kind.label(),
            due_line(t),
            escape(&colleagues.name(&t.owner)),
            escape(&t.notes),
        );
    }
    if out.is_empty() {
        out = r#"<li class="case-meta">No follow-ups yet.</li>"#.into();
    }
    out
}

/// Whether `me` may answer for the one holding it: the account it waits
/// on, a manager, or, for a department or directory entry (who may have
/// no account), anyone who sees the case, recording what they were told.
fn may_answer(holder: &Recipient, me: &str, manager: bool) -> bool {
    manager || holder.username().is_none_or(|u| u == me)
}

fn escalation(x: &Escalation, f: &CaseFile, windows: Windows, me: &str, manager: bool) -> String {
    let reason = escape(&x.reason);
    let (line, holder, overdue) = match x.standing() {
        Standing::Waiting { holder, since } => {
            let due = Escalation::deadline(x.urgency, clock::local(since), windows);
            let overdue = clock::local(clock::now()) > due;
            let late = if overdue {
                format!(
                    r#" · <span class="badge overdue">Not acknowledged in time (due {})</span>"#,
                    advocase_core::dates::date_time(due)
                )
            } else {
                String::new()
            };
            (
                format!(
                    "Waiting on {} since {}{late}",
                    escape(holder.name()),
                    clock::show_recent(since)
                ),
                Some((holder, true)),
                overdue,
            )
        }
        Standing::Acknowledged { holder } => (
            format!("Acknowledged by {}", escape(holder.name())),
            Some((holder, false)),
            false,
        ),
        Standing::Answered => ("Answered".to_owned(), None, false),
    };
    let buttons = match holder {
        Some((h, waiting)) if may_answer(h, me, manager) => {
            let ack = if waiting {
                button("ack", x.id, "Acknowledge", &reason, true)
            } else {
                String::new()
            };
            format!(
                r#"<div class="button-row">{ack}{}{}</div>"#,
                button("answer", x.id, "Answer", &reason, false),
                button("pass", x.id, "Pass on", &reason, false)
            )
        }
        _ => String::new(),
    };
    let undelivered = if f.undelivered.contains(&x.id) {
        r#" <span class="badge">Not yet delivered</span>"#
    } else {
        ""
    };
    let task = x
        .task
        .and_then(|t| f.case.tasks.iter().find(|k| k.id == t))
        .map(|t| format!("Follow-up: {}", escape(&t.title)))
        .unwrap_or_default();
    let chain: String = x
        .responses
        .iter()
        .map(|r| {
            format!(
                "<li>{} · {}, {}</li>",
                escape(&r.answer.display()),
                escape(&r.by),
                clock::show_time(r.at)
            )
        })
        .collect();
    format!(
        r#"<li class="escalation{}" data-testid="escalation"><p><strong>{}</strong> to {}{undelivered}</p><p>{reason}</p><p class="case-meta">{task}</p><p class="case-meta">Sent by {}, {} · <span class="escalation-state">{line}</span></p><ol class="plain chain">{chain}</ol>{buttons}</li>"#,
        if overdue { " overdue" } else { "" },
        x.urgency.label(),
        escape(x.to.name()),
        escape(&x.by),
        clock::show_time(x.at),
    )
}

/// Whom a recipient select offers, in groups: people with accounts
/// ("a:username"), departments ("d:name"), directory entries ("e:id").
fn recipients(
    colleagues: Colleagues,
    directory: Directory,
    me: &str,
) -> Vec<(&'static str, Vec<(String, String)>)> {
    let people = colleagues
        .options(me, "")
        .into_iter()
        .filter(|(u, _)| u != me)
        .map(|(u, l)| (format!("a:{u}"), l))
        .collect();
    let departments = directory.structure.with_untracked(|s| {
        s.departments
            .iter()
            .filter(|d| !d.retired)
            .map(|d| (format!("d:{}", d.name), d.name.clone()))
            .collect()
    });
    let entries = directory.with_live(|l| {
        l.entries
            .iter()
            .map(|e| {
                let label = if e.title.is_empty() {
                    e.name.clone()
                } else {
                    format!("{} — {}", e.name, e.title)
                };
                (format!("e:{}", e.id), label)
            })
            .collect()
    });
    vec![
        ("", vec![(String::new(), "Choose…".to_owned())]),
        ("Colleagues and managers", people),
        ("Departments and services", departments),
        ("From the directory", entries),
    ]
}

fn recipient(value: &str, colleagues: Colleagues, directory: Directory) -> Option<Recipient> {
    let (kind, rest) = value.split_once(':')?;
    Some(match kind {
        "a" => Recipient::Account {
            username: rest.to_owned(),
            name: colleagues.name(rest),
        },
        "d" => Recipient::Department {
            name: rest.to_owned(),
        },
        "e" => {
            let entry: Id = rest.parse().ok()?;
            Recipient::Entry {
                entry,
                name: directory.get(entry)?.entry.name,
            }
        }
        _ => return None,
    })
}

fn draft_of(t: &Task) -> TaskDraft {
    TaskDraft {
        kind: ident(&t.kind),
        title: t.title.clone(),
        due: t.due.to_string(),
        time: t
            .time
            .map(advocase_core::followup::task::clock)
            .unwrap_or_default(),
        owner: t.owner.clone(),
        notes: t.notes.clone(),
    }
}

/// The fields `d` changes on `before`, checked as a new follow-up would be
/// (a date kept as it was may be in the past).
fn edit(
    cases: Cases,
    case_id: Id,
    before: &Task,
    d: &TaskDraft,
    user: &str,
) -> Result<(), SaveError> {
    let mut actor: Actor = clock::actor(user);
    actor.today = actor.today.min(before.due);
    let after = d
        .validate(before.id, before.from, &actor)
        .map_err(SaveError::Invalid)?;
    let values: Vec<TaskValue> = TaskValue::FIELDS
        .iter()
        .filter(|f| **f != "status")
        .filter_map(|f| {
            let new = TaskValue::read(&after, f)?;
            (TaskValue::read(before, f).as_ref() != Some(&new)).then_some(new)
        })
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    cases.set_task(case_id, before.id, values, user)
}

fn problem(field: &str, message: &str) -> SaveError {
    let mut p = Problems::default();
    p.add(field, message);
    SaveError::Invalid(p)
}

#[component]
pub fn Coordination(case_id: Id, file: Memo<Option<CaseFile>>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let colleagues = crate::app::handles().colleagues;
    let directory = crate::app::handles().directory;
    let hospital = crate::app::handles().hospital;
    // The task or escalation whose form is open; which form, in `typed`.
    // An `Option<Id>` as other pages' signals are: each signal type is code
    // of its own (README, Size).
    let open = RwSignal::new(None::<Id>);
    let typed = StoredValue::new(Typed::default());
    let form = FormState::new(format!("coordination-{case_id}"));
    let list_form = FormState::new(format!("coordination-list-{case_id}"));
    let form_id = format!("coordination-form-{case_id}");
    let me = move || {
        auth.user()
            .map(|u| (u.username, u.role == advocase_core::access::Role::Manager))
            .unwrap_or_default()
    };
    let task = move |id: Id| {
        file.with_untracked(|f| f.as_ref()?.case.tasks.iter().find(|t| t.id == id).cloned())
    };

    let lists = move || {
        let (me, manager) = me();
        let windows = hospital.get().escalation;
        file.with(|f| {
            let Some(f) = f else { return String::new() };
            let mut sent: String = f
                .case
                .escalations
                .iter()
                .rev()
                .map(|x| escalation(x, f, windows, &me, manager))
                .collect();
            if sent.is_empty() {
                sent = r#"<li class="case-meta">Not escalated.</li>"#.into();
            }
            format!(
                r#"<div class="page-head"><h2>Follow-ups</h2><button type="button" data-act="add">Add a follow-up</button></div><ul class="plain tasks">{}</ul><div class="page-head"><h2>Escalations</h2><button type="button" data-act="escalate">Escalate</button></div><ul class="plain escalations">{sent}</ul>"#,
                tasks(f, colleagues)
            )
        })
    };

    let show = move |which: Form, id: Id, start: Typed| {
        typed.set_value(Typed { which, ..start });
        form.clear();
        open.set(Some(id));
        request_animation_frame(move || {
            crate::views::fields::focus(&format!("coordination-form-{case_id}"))
        });
    };

    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, field, target)) = action(&ev) else {
            return;
        };
        let id = target.parse::<Id>().unwrap_or_default();
        let user = auth.username();
        list_form.clear();
        let result = match act.as_str() {
            "add" => return show(Form::AddTask, id, Typed::default()),
            "escalate" => return show(Form::Escalate, id, Typed::default()),
            "answer" => return show(Form::Answer, id, Typed::default()),
            "pass" => return show(Form::PassOn, id, Typed::default()),
            "close" => return open.set(None),
            "edit" | "cancel" => {
                let Some(t) = task(id) else { return };
                let start = Typed {
                    task: draft_of(&t),
                    ..Typed::default()
                };
                let which = if act == "edit" {
                    Form::EditTask
                } else {
                    Form::CancelTask
                };
                return show(which, id, start);
            }
            "keep" | "restore" => {
                let conflict = file.with_untracked(|f| {
                    f.as_ref()?
                        .task_conflicts
                        .iter()
                        .find(|c| c.task == id && c.field == field)
                        .cloned()
                });
                let Some(c) = conflict else { return };
                cases.settle_task(case_id, &c, act == "restore", &user)
            }
            "ack" => cases.respond(case_id, id, Answer::Acknowledged, &user),
            "done" | "reopen" => {
                let status = if act == "done" {
                    TaskStatus::Done {
                        by: user.clone(),
                        at: clock::now(),
                    }
                } else {
                    TaskStatus::Open
                };
                cases.set_task(case_id, id, vec![TaskValue::Status(status)], &user)
            }
            _ => return,
        };
        list_form.report(result);
    };

    let form_markup = move || {
        if open.get().is_none() {
            return String::new();
        }
        let (me, _) = me();
        let t = typed.get_value();
        let which = t.which;
        let d = &t.task;
        let mut m = Markup::new(form);
        let to = |m: &mut Markup, label: &str| {
            let g = untrack(|| recipients(colleagues, directory, &me));
            let g: Vec<(&str, Vec<(&str, &str)>)> = g.iter().map(|(n, l)| (*n, pairs(l))).collect();
            m.grouped("to", label, &g, &t.to);
        };
        match which {
            Form::CancelTask => m.textarea("reason", "Why is it cancelled?", &t.reason),
            Form::AddTask | Form::EditTask => {
                m.select(
                    "kind",
                    "Kind",
                    &pairs(&kind_options_with("Choose…")),
                    &d.kind,
                );
                m.input("text", "title", "What is to be done", &d.title);
                m.input("date", "due", "Due", &d.due);
                m.input("time", "time", "Time (optional)", &d.time);
                let owner = if d.owner.is_empty() { &me } else { &d.owner };
                m.select(
                    "owner",
                    "Owner",
                    &pairs(&colleagues.options(&me, owner)),
                    owner,
                );
                m.textarea("notes", "Notes (optional)", &d.notes);
            }
            Form::Escalate => {
                to(&mut m, "Escalate to");
                m.textarea("reason", "Reason", &t.reason);
                let urgency: Vec<(String, String)> = Urgency::ALL
                    .iter()
                    .map(|u| (ident(u), u.label().to_owned()))
                    .collect();
                let chosen = if t.urgency.is_empty() {
                    "routine"
                } else {
                    &t.urgency
                };
                m.select("urgency", "Urgency", &pairs(&urgency), chosen);
                let open_tasks: Vec<(String, String)> = file.with_untracked(|f| {
                    std::iter::once((String::new(), "None".to_owned()))
                        .chain(f.iter().flat_map(|f| {
                            f.case
                                .tasks
                                .iter()
                                .filter(|t| t.is_open())
                                .map(|t| (t.id.to_string(), t.title.clone()))
                        }))
                        .collect()
                });
                m.select(
                    "task",
                    "With the follow-up (optional)",
                    &pairs(&open_tasks),
                    &t.with_task,
                );
            }
            Form::Answer => m.textarea("note", "How was it answered?", &t.note),
            Form::PassOn => {
                to(&mut m, "Pass on to");
                m.textarea("note", "Note (optional)", &t.note);
            }
        }
        format!(
            r#"<h3>{}</h3>{}<div class="form-actions"><button type="submit" class="primary">{}</button><button type="button" data-act="close">Close</button></div>"#,
            which.title(),
            m.out,
            which.action()
        )
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(id), Some(target)) = (open.get_untracked(), ev.target()) else {
            return;
        };
        let Some(v) = FormValues::of(&target) else {
            return;
        };
        let which = typed.with_value(|t| t.which);
        let t = Typed::read(&v, which);
        typed.set_value(t.clone());
        let user = auth.username();
        let to = recipient(&t.to, colleagues, directory);
        let note = t.note.trim().to_owned();
        let result = match which {
            Form::AddTask => cases.add_task(case_id, &t.task, None, &user).map(|_| ()),
            Form::EditTask => match task(id) {
                Some(before) => edit(cases, case_id, &before, &t.task, &user),
                None => Err(SaveError::NotFound),
            },
            Form::CancelTask => {
                let status = TaskStatus::Cancelled {
                    reason: t.reason.trim().to_owned(),
                    by: user.clone(),
                    at: clock::now(),
                };
                cases.set_task(case_id, id, vec![TaskValue::Status(status)], &user)
            }
            Form::Escalate => {
                let draft = EscalationDraft {
                    to,
                    reason: t.reason,
                    urgency: t.urgency,
                    task: t.with_task.parse().ok(),
                };
                cases.escalate(case_id, &draft, &user)
            }
            Form::Answer => cases.respond(case_id, id, Answer::Answered { note }, &user),
            Form::PassOn => match to {
                Some(to) => cases.respond(case_id, id, Answer::PassedOn { to, note }, &user),
                None => Err(problem("to", "Choose whom to pass it on to.")),
            },
        };
        if form.report(result) {
            open.set(None);
        }
    };

    view! {
        <section class="panel coordination" aria-label="Follow-ups and escalations" on:click=on_click>
            <ErrorSummary form=list_form/>
            <div inner_html=lists></div>
            <form class="stack" id=form_id tabindex="-1" novalidate hidden=move || open.with(Option::is_none)
                aria-label=move || open.get().map_or("", |_| typed.with_value(|t| t.which.title())) on:submit=submit>
                <ErrorSummary form/>
                <div inner_html=form_markup></div>
            </form>
        </section>
    }
}
