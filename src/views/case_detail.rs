//! One case: who and where the patient is, where the case stands, what can
//! be done next, and everything that happened, newest first.

use advocase_core::access::Role;
use advocase_core::case::{CaseChange, CaseCommand, CaseEvent, Priority};
use advocase_core::caseload::CaseFile;
use advocase_core::change::{FieldValue, Op};
use advocase_core::deadline::DueState;
use advocase_core::id::Id;
use advocase_core::interaction::{Interaction, resolve};
use advocase_core::status::Status;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;

use crate::views::fields::Shown;

use crate::cases::SaveError;
use crate::clock;
use crate::views::discharge::DischargePlan;
use crate::views::fields::{Control, ErrorSummary, Field, FormState, options, short};
use crate::views::fields::{from_ident, ident};
use crate::views::html::{action, escape};
use crate::views::quick_log::QuickLog;

/// The case file `id` names, as a memo: the case page's and both patient
/// sheets' one memo type and closure (each compiled once: README, Size).
/// `id` never changes for a page (another case is another page).
pub fn case_file(id: Option<Id>) -> Memo<Option<CaseFile>> {
    let cases = crate::app::handles().cases;
    Memo::new(move |_| id.and_then(|id| cases.caseload.with(|c| c.get(&id).cloned())))
}

#[component]
pub fn CaseDetail(id: Option<Id>) -> impl IntoView {
    let file = case_file(id);
    let present = Memo::new(move |_| file.with(|f| f.as_ref().map(|f| f.case.id)));
    // The audit trail: once per visit of a case's page, not per redraw.
    Effect::new(move |seen: Option<Option<Id>>| {
        let shown = present.get();
        if let Some(id) = shown.filter(|id| seen.flatten() != Some(*id)) {
            crate::audit::record_case_opened(id);
        }
        shown
    });
    view! {
        {move || match file.get() {
            None => crate::views::html::not_found("Case not found", "This case is not on this device.", "/cases", "Back to cases"),
            Some(f) => view! { <CaseView file=f/> }.into_any(),
        }}
        // Outside the part redrawn on every change of the case, so the log
        // form keeps its "Saved" confirmation and whatever is being typed:
        // made once per case shown, in one closure (each closure is compiled
        // code of its own: README, Size).
        {move || present.get().map(|case_id| view! {
            <section class="panel" aria-label="Log">
                <QuickLog case_id/>
            </section>
            <crate::views::directory::WhoCanHelp file/>
            <crate::views::coordination::Coordination case_id file/>
            <DischargePlan case_id file/>
        })}
        {move || file.get().map(|file| view! { <Timeline file/> })}
    }
}

#[component]
fn CaseView(file: CaseFile) -> impl IntoView {
    let c = file.case.clone();
    let id = c.id;
    let today = clock::today();
    let due = c
        .due_on
        .filter(|_| c.status.is_active())
        .map(|d| (DueState::of(d, today), d));
    view! {
        <p class="back"><a href="/cases">"← All cases"</a></p>
        <header class="case-head" class:overdue=c.is_overdue(today) inner_html=head(&c, due)></header>
        <SyncNotes file=file.clone()/>
        <Actions status=c.status id priority=c.priority due_on=c.due_on/>
    }
}

/// The case's header as markup: read-only, and redrawn only with the case
/// (each `view!` element would be compiled code of its own).
fn head(c: &advocase_core::case::Case, due: Option<(DueState, NaiveDate)>) -> String {
    let p = &c.patient;
    let meta = [
        (!p.mrn.is_empty()).then(|| format!("MRN {}", p.mrn)),
        (!p.room.is_empty()).then(|| format!("Room {}", p.room)),
        (!p.unit.is_empty()).then(|| p.unit.clone()),
        p.date_of_birth
            .map(|d| format!("Born {}", clock::show_date(d))),
        (!p.preferred_language.is_empty()).then(|| format!("Speaks {}", p.preferred_language)),
        p.interpreter_needed
            .then(|| "Interpreter needed".to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let mut out = format!(
        r#"<h1>{}</h1><p class="case-meta">{}</p><p class="badges"><span class="badge" data-testid="case-status">{}</span><span class="badge">{}</span>"#,
        escape(&p.name),
        escape(&meta),
        c.status.label(),
        c.kind.label(),
    );
    if let Some(cat) = c.category {
        out += &format!(r#"<span class="badge">{}</span>"#, cat.label());
    }
    out += &format!(
        r#"<span class="badge">Priority {}</span>"#,
        c.priority.label()
    );
    if let Some((state, d)) = due {
        let overdue = if matches!(state, DueState::Overdue { .. }) {
            " overdue"
        } else {
            ""
        };
        out += &format!(
            r#"<span class="badge due{overdue}">Response due {} — {}</span>"#,
            clock::show_date(d),
            escape(&state.describe())
        );
    }
    out += &format!(
        r#"</p><p>{}</p><p class="case-meta">Assigned to {} · received {} by {}</p>"#,
        escape(&c.description),
        escape(&c.assignee),
        clock::show_date(c.received_on),
        c.received_via.label().to_lowercase(),
    );
    if let Some(r) = &c.resolution {
        out += &format!(
            r#"<p class="resolution"><strong>Resolution: </strong>{}</p>"#,
            escape(r)
        );
    }
    if !p.contacts.is_empty() {
        out += r#"<ul class="contacts">"#;
        for k in &p.contacts {
            let mut line = k.name.clone();
            if !k.relationship.is_empty() {
                line += &format!(" ({})", k.relationship);
            }
            if !k.phone.is_empty() {
                line += &format!(" · {}", k.phone);
            }
            line += if k.may_share {
                " · may share information"
            } else {
                " · do NOT share information"
            };
            out += &format!("<li>{}</li>", escape(&line));
        }
        out += "</ul>";
    }
    out + &format!(
        r#"<div class="button-row"><a href="/cases/{}/rights" class="button">Print rights sheet</a></div>"#,
        c.id
    )
}

/// What sync has to say about this case: edits that crossed with someone
/// else's (for a person to decide), changes the server refused (to fix or
/// discard), and how many changes have not reached the server yet.
#[component]
fn SyncNotes(file: CaseFile) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let id = file.case.id;
    let message = RwSignal::new(None::<String>);
    let report = move |r: Result<(), SaveError>| message.set(r.err().map(|e| e.to_string()));
    let conflicts = file.conflicts.clone();
    let set_aside = file.set_aside.clone();
    let pending = file.pending;
    let is_manager = auth
        .user_untracked()
        .is_some_and(|u| u.role == Role::Manager);
    let reason = RwSignal::new(String::new());
    // Both lists are markup (each `view!` element is code of its own, README,
    // Size); their buttons say what they do in `data-act`, and which entry
    // in `data-id` (its place in the list, which is drawn once per case
    // version), read back by this one handler.
    let conflict_rows = (!conflicts.is_empty()).then(|| conflict_rows(&conflicts));
    let set_aside_rows = (!set_aside.is_empty()).then(|| set_aside_rows(&set_aside));
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, _, at)) = action(&ev) else {
            return;
        };
        let Ok(at) = at.parse::<usize>() else { return };
        let user = auth.username();
        match act.as_str() {
            "keep" | "restore" => {
                if let Some(c) = conflicts.get(at) {
                    report(cases.settle(id, c, act == "restore", &user));
                }
            }
            "resend" | "discard" => {
                let Some(change) = set_aside.get(at).map(|a| a.change.id) else {
                    return;
                };
                report(if act == "resend" {
                    cases.resend_set_aside(id, change, &user)
                } else {
                    cases.discard_set_aside(id, change)
                });
            }
            _ => {}
        }
    };
    view! {
        {(pending > 0).then(|| view! {
            <p class="notice info" data-testid="case-unsent">
                {if pending == 1 { "1 change on this case has not reached the server yet.".to_owned() } else { format!("{pending} changes on this case have not reached the server yet.") }}
            </p>
        })}
        {move || message.get().map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        {conflict_rows.map(|rows| view! {
            <section class="panel conflicts" aria-labelledby="conflicts-title" on:click=on_click.clone()>
                <h2 id="conflicts-title">"Edits that crossed"</h2>
                <p>"Two people changed the same thing at the same time. The case shows one value; decide which stands."</p>
                <ul class="plain" inner_html=rows></ul>
            </section>
        })}
        {set_aside_rows.map(|rows| view! {
            <section class="panel set-aside" aria-labelledby="set-aside-title" on:click=on_click>
                <h2 id="set-aside-title">"Not accepted by the server"</h2>
                <ul class="plain" inner_html=rows></ul>
            </section>
        })}
        {is_manager.then(|| {
            let form = FormState::new(format!("delete-{id}"));
            view! {
                <details class="panel danger">
                    <summary>"Delete this case (opened by mistake)"</summary>
                    <form class="inline-form" aria-label="Delete case" novalidate on:submit=move |ev| {
                        ev.prevent_default();
                        form.report(cases.delete(id, &reason.get_untracked(), &auth.username()));
                    }>
                        <ErrorSummary form/>
                        <Field form name="reason" label="Why is it deleted?" grow=true value=reason set=move |v| reason.set(v)/>
                        <button type="submit" class="danger">"Delete case"</button>
                    </form>
                </details>
            }
        })}
    }
}

/// The crossing edits as markup; each button's `data-id` is its place.
fn conflict_rows(list: &[advocase_core::log::Conflict]) -> String {
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let kept = c.kept.value.display();
            let lost = c.lost.value.display();
            format!(
                r#"<li class="conflict" data-testid="conflict"><p><strong>{}: </strong>shows “{}” ({}, {}). “{}” by {} ({}) was overwritten.</p><div class="button-row"><button type="button" data-act="keep" data-id="{i}">Keep “{}”</button><button type="button" data-act="restore" data-id="{i}">Use “{}” instead</button></div></li>"#,
                escape(FieldValue::label(&c.field)),
                escape(&kept),
                escape(&c.kept.by),
                clock::show_time(c.kept.at),
                escape(&lost),
                escape(&c.lost.by),
                clock::show_time(c.lost.at),
                escape(&short(&kept)),
                escape(&short(&lost)),
            )
        })
        .collect()
}

/// The changes the server refused as markup, as [`conflict_rows`].
fn set_aside_rows(list: &[advocase_core::log::SetAside]) -> String {
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                r#"<li data-testid="set-aside"><p><strong>{}</strong> ({}, {})</p><p class="notice warn">{}</p><div class="button-row"><button type="button" data-act="resend" data-id="{i}">Send again</button><button type="button" data-act="discard" data-id="{i}">Discard</button></div></li>"#,
                escape(&describe_op(&a.change.op)),
                escape(&a.change.by),
                clock::show_time(a.change.at),
                escape(&a.reason.message),
            )
        })
        .collect()
}

/// One line for a person about a change.
fn describe_op(op: &Op) -> String {
    match op {
        Op::Open { case } => format!("Opening the case for {}", case.patient.name),
        Op::Edit { event, .. } => describe(event),
        Op::Log { interaction } => format!("Logged: {}", short(&interaction.summary)),
        Op::Delete { reason } => format!("Deleting the case: {reason}"),
        Op::StartChecklist { checklist } => format!("Starting the checklist “{}”", checklist.title),
        Op::AddItem { item, .. } => format!("Adding the item “{}”", short(&item.text)),
        Op::SetItem { event, .. } | Op::SetTask { event, .. } => describe(event),
        Op::AddTask { task } => format!("Adding the follow-up “{}”", short(&task.title)),
        Op::Escalate { escalation } => format!("Escalating to {}", escalation.to.name()),
        Op::Respond { response } => format!("Escalation: {}", response.answer.display()),
    }
}

/// Status, reassignment and resolution: each a small form with its own
/// messages.
#[component]
fn Actions(status: Status, id: Id, priority: Priority, due_on: Option<NaiveDate>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let run = move |form: FormState, cmd: CaseCommand| -> bool {
        form.report(cases.apply(id, cmd, &auth.username()))
    };
    // Never the status the case is in: one careless tap must not move it.
    let targets: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|&t| {
            t != status && t != Status::Resolved && status.can_become(t) && !status.is_reopening(t)
        })
        .collect();
    let reopen_targets: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|&t| t != status && status.is_reopening(t) && status.can_become(t))
        .collect();
    let assignee = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let new_priority = RwSignal::new(ident(&priority));
    let new_due = RwSignal::new(due_on.map(|d| d.to_string()).unwrap_or_default());
    let (reassign, plan, resolve_form) = (
        FormState::new(format!("reassign-{id}")),
        FormState::new(format!("priority-{id}")),
        FormState::new(format!("resolve-{id}")),
    );

    view! {
        <section class="panel actions" aria-label="Actions">
            <h2>"Actions"</h2>
            {(!targets.is_empty()).then(|| status_form(
                StatusForm { id: "status", name: "Change status", select: "New status", text: "Note (optional)", button: "Change status" },
                targets.clone(),
                move |form, to, note| run(form, CaseCommand::ChangeStatus { to, note: Some(note).filter(|n| !n.trim().is_empty()) }),
            ))}
            {status.is_active().then(|| view! {
                <form class="inline-form" aria-label="Reassign" novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    if run(reassign, CaseCommand::Reassign { to: assignee.get_untracked() }) { assignee.set(String::new()) }
                }>
                    <ErrorSummary form=reassign/>
                    <Field form=reassign name="assignee" label="Reassign to" grow=true control=Control::Identifier value=assignee set=move |v| assignee.set(v)/>
                    <button type="submit">"Reassign"</button>
                </form>
                <form class="inline-form" aria-label="Priority and due date" novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    let p = from_ident::<Priority>(&new_priority.get_untracked());
                    if let Some(p) = p.filter(|&p| p != priority)
                        && !run(plan, CaseCommand::SetPriority { to: p })
                    {
                        return;
                    }
                    let due = advocase_core::dates::parse_iso(&new_due.get_untracked());
                    if due != due_on {
                        run(plan, CaseCommand::SetDueOn { to: due });
                    }
                }>
                    <ErrorSummary form=plan/>
                    <Field form=plan name="priority" label="Priority" control=Control::Select(options(Priority::ALL, |p| p.label()))
                        value=new_priority set=move |v| new_priority.set(v)/>
                    <Field form=plan name="due_on" label="Due date" control=Control::Input("date") value=new_due set=move |v| new_due.set(v)/>
                    <button type="submit">"Save changes"</button>
                </form>
                <form class="inline-form" aria-label="Resolve" novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    run(resolve_form, CaseCommand::Resolve { summary: summary.get_untracked() });
                }>
                    <ErrorSummary form=resolve_form/>
                    <Field form=resolve_form name="resolution" label="Resolution summary" grow=true control=Control::TextArea(2)
                        value=summary set=move |v| summary.set(v)/>
                    <button type="submit" class="primary">"Resolve"</button>
                </form>
            })}
            {(!reopen_targets.is_empty()).then(|| status_form(
                StatusForm { id: "reopen", name: "Reopen", select: "Reopen as", text: "Reason for reopening", button: "Reopen" },
                reopen_targets.clone(),
                move |form, to, reason| run(form, CaseCommand::Reopen { to, reason }),
            ))}
        </section>
    }
}

/// The words of a form that moves a case to another status.
struct StatusForm {
    id: &'static str,
    name: &'static str,
    select: &'static str,
    text: &'static str,
    button: &'static str,
}

/// Choose a status, say why, submit: changing status and reopening look
/// alike. Nothing is chosen at first. `submit` returns whether the command
/// went through.
fn status_form(
    words: StatusForm,
    targets: Vec<Status>,
    submit: impl Fn(FormState, Status, String) -> bool + Copy + 'static,
) -> impl IntoView {
    let form = FormState::new(words.id);
    let chosen = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let mut choices = vec![(String::new(), "Choose…".to_owned())];
    choices.extend(options(&targets, |t| t.label()));
    let note_field = if words.id == "reopen" {
        "reason"
    } else {
        "note"
    };
    view! {
        <form class="inline-form" aria-label=words.name novalidate on:submit=move |ev| {
            ev.prevent_default();
            match from_ident::<Status>(&chosen.get_untracked()) {
                None => form.invalid_field("status", "Choose the new status."),
                Some(to) => {
                    if submit(form, to, text.get_untracked()) {
                        text.set(String::new());
                        chosen.set(String::new());
                    }
                }
            }
        }>
            <ErrorSummary form/>
            <Field form name="status" label=words.select control=Control::Select(choices) value=chosen set=move |v| chosen.set(v)/>
            <Field form name=note_field label=words.text grow=true value=text set=move |v| text.set(v)/>
            <button type="submit">{words.button}</button>
        </form>
    }
}

enum Entry<'a> {
    Logged {
        current: &'a Interaction,
        original: &'a Interaction,
        superseded: Vec<&'a Interaction>,
    },
    Event(&'a CaseEvent),
}

impl Entry<'_> {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Entry::Logged { original, .. } => original.at,
            Entry::Event(e) => e.at,
        }
    }
}

fn describe(change: &CaseChange) -> String {
    match change {
        CaseChange::Opened { note } => format!(
            "Opened the case.{}",
            note.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
        ),
        CaseChange::Status { from, to, note } => format!(
            "Status {} → {}.{}",
            from.label(),
            to.label(),
            note.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
        ),
        CaseChange::Reopened { from, to, reason } => {
            format!("Reopened ({} → {}): {reason}", from.label(), to.label())
        }
        CaseChange::Resolved { summary } => format!("Resolved: {summary}"),
        CaseChange::Reassigned { from, to } => format!("Reassigned from {from} to {to}."),
        CaseChange::Edited { field, from, to } => {
            let what = match field.as_str() {
                "due_on" => "the due date",
                "description" => "the description",
                "priority" => "the priority",
                "discharge" => "the discharge plan",
                other => other,
            };
            let show = |v: &str| {
                if v.is_empty() {
                    "none".to_owned()
                } else {
                    // Stored values carry ISO dates; people read "2 Dec 2026".
                    format!("“{}”", advocase_core::dates::readable(v))
                }
            };
            format!("Changed {what} from {} to {}.", show(from), show(to))
        }
        CaseChange::Settled {
            field,
            kept,
            discarded,
        } => format!("Decided crossing edits of {field}: kept “{kept}”, not “{discarded}”."),
        CaseChange::Deleted { reason } => format!("Deleted the case: {reason}"),
        CaseChange::ChecklistStarted { title } => format!("Started the checklist “{title}”."),
        CaseChange::ItemAdded { checklist, text } => format!("Added “{text}” to “{checklist}”."),
        CaseChange::ItemChanged { text, to } => format!("“{text}”: {to}."),
        CaseChange::TaskAdded { title } => format!("Added the follow-up “{title}”."),
        CaseChange::TaskChanged { title, to } => format!("Follow-up “{title}”: {to}."),
        CaseChange::Escalated {
            to,
            urgency,
            reason,
        } => format!("Escalated to {to} ({}): {reason}", urgency.label()),
        CaseChange::EscalationAnswered { answer } => format!("Escalation: {answer}."),
    }
}

/// A logged interaction as it reads now (corrections folded in, the
/// earlier versions under a disclosure), as markup.
fn logged(cur: &Interaction, at: DateTime<Utc>, superseded: &[&Interaction]) -> String {
    let mut when = format!(
        "{} · {} with {}",
        clock::show_time(at),
        cur.channel.label(),
        cur.with.label().to_lowercase()
    );
    if let Some(c) = &cur.contact {
        when += &format!(" ({})", c.name);
    }
    when += &format!(" · {}", cur.by);
    if let Some(m) = cur.duration_minutes {
        when += &format!(" · {m} min");
    }
    let mut out = format!(r#"<p class="when">{}"#, escape(&when));
    if !superseded.is_empty() {
        out += r#" <span class="badge">Corrected</span>"#;
    }
    out += &format!(r#"</p><p class="summary">{}</p>"#, escape(&cur.summary));
    if !cur.outcome.is_empty() {
        out += &format!("<p><strong>Outcome: </strong>{}</p>", escape(&cur.outcome));
    }
    if let Some(f) = &cur.follow_up {
        out += &format!(
            r#"<p class="follow-up"><strong>Promised: </strong>{} — by {}</p>"#,
            escape(&f.what),
            clock::show_date(f.due)
        );
    }
    if !superseded.is_empty() {
        out += r#"<details class="history"><summary>Earlier versions</summary><ul>"#;
        for old in superseded {
            out += &format!(
                r#"<li><p class="when">Recorded {} · {}</p><p class="superseded">{}</p></li>"#,
                clock::show_time(old.recorded_at),
                escape(&old.by),
                escape(&old.summary)
            );
        }
        out += "</ul></details>";
    }
    out
}

#[component]
fn Timeline(file: CaseFile) -> impl IntoView {
    let amending = RwSignal::new(None::<Id>);
    let case_id = file.case.id;
    let resolved = resolve(&file.interactions);
    let mut entries: Vec<Entry> = resolved
        .into_iter()
        .map(|r| Entry::Logged {
            current: r.current,
            original: r.original,
            superseded: r.superseded,
        })
        .chain(file.case.history.iter().map(Entry::Event))
        .collect();
    advocase_core::order::sort_by_key(&mut entries, |e| std::cmp::Reverse(e.at()));
    let items = entries
        .into_iter()
        .map(|e| match e {
            Entry::Event(ev) => view! {
                <li class="event" inner_html=format!(
                    r#"<p class="when">{} · {}</p><p>{}</p>"#,
                    clock::show_time(ev.at),
                    escape(&ev.by),
                    escape(&describe(&ev.change))
                )></li>
            }
            .into_any(),
            Entry::Logged { current, original, superseded } => {
                let cur = current.clone();
                let cur_id = cur.id;
                let amended = !superseded.is_empty();
                // What it says, as markup; the button and the correction
                // form are views.
                let text = logged(&cur, original.at, &superseded);
                view! {
                    <li class="interaction" class:amended=amended>
                        <div inner_html=text></div>
                        <button
                            type="button"
                            class="link-button"
                            aria-label=format!("Correct the entry “{}”", cur.summary.chars().take(40).collect::<String>())
                            on:click=move |_| amending.update(|a| *a = if *a == Some(cur_id) { None } else { Some(cur_id) })
                        >
                            "Correct"
                        </button>
                        <Shown when=Signal::derive(move || amending.get() == Some(cur_id))>
                            <QuickLog case_id amend=cur.clone() on_done=move |_| amending.set(None)/>
                        </Shown>
                    </li>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="timeline">
            <h2 id="timeline">"Timeline"</h2>
            <ol class="timeline">{items}</ol>
        </section>
    }
}
