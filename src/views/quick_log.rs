//! Logging an interaction in seconds, one-handed: channel and party are one
//! tap each (defaulting to a bedside visit with the patient), then the text
//! and Save. The time defaults to now. What is being typed is kept on the
//! device, so a reload or a dead battery does not lose it.

use advocase_core::id::Id;
use advocase_core::interaction::{Interaction, InteractionDraft};
use advocase_core::reference::{Channel, Party};
use advocase_core::validation::Problems;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cases::{Cases, SaveError};
use crate::clock;
use crate::storage::Store;
use crate::views::fields::{FieldError, other_problems};
use advocase_core::reference::ident;

/// The form as typed; saved as a draft on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct LogForm {
    channel: String,
    with: String,
    summary: String,
    outcome: String,
    duration: String,
    follow_up: String,
    follow_up_due: String,
    /// `datetime-local` value; empty means "now".
    at: String,
}

impl Default for LogForm {
    fn default() -> Self {
        LogForm {
            channel: ident(&Channel::BedsideVisit),
            with: ident(&Party::Patient),
            summary: String::new(),
            outcome: String::new(),
            duration: String::new(),
            follow_up: String::new(),
            follow_up_due: String::new(),
            at: String::new(),
        }
    }
}

impl LogForm {
    fn from_interaction(i: &Interaction) -> Self {
        LogForm {
            channel: ident(&i.channel),
            with: ident(&i.with),
            summary: i.summary.clone(),
            outcome: i.outcome.clone(),
            duration: i
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            follow_up: i
                .follow_up
                .as_ref()
                .map(|f| f.what.clone())
                .unwrap_or_default(),
            follow_up_due: i
                .follow_up
                .as_ref()
                .map(|f| f.due.to_string())
                .unwrap_or_default(),
            at: clock::local_input_value(i.at),
        }
    }

    fn draft(&self) -> InteractionDraft {
        let at = clock::parse_local_input(&self.at);
        InteractionDraft {
            at,
            at_local_date: at.map(clock::local_date),
            duration_minutes: self.duration.clone(),
            channel: self.channel.clone(),
            with: self.with.clone(),
            summary: self.summary.clone(),
            outcome: self.outcome.clone(),
            follow_up: self.follow_up.clone(),
            follow_up_due: self.follow_up_due.clone(),
        }
    }
}

fn draft_key(case_id: Id) -> String {
    format!("draft.log.{case_id}")
}

/// The quick-log form for `case_id`; with `amend`, a correction of that entry.
#[component]
pub fn QuickLog(
    case_id: Id,
    #[prop(optional)] amend: Option<Interaction>,
    #[prop(optional, into)] on_done: Option<Callback<()>>,
) -> impl IntoView {
    let cases = expect_context::<Cases>();
    let store = expect_context::<Store>();

    let amends = amend.as_ref().map(|i| i.id);
    // Drafts are kept for new entries; a correction starts from the original.
    let initial = match &amend {
        Some(i) => LogForm::from_interaction(i),
        None => store
            .get::<LogForm>(&draft_key(case_id))
            .ok()
            .flatten()
            .unwrap_or_default(),
    };
    let form = RwSignal::new(initial);
    let problems = RwSignal::new(None::<Problems>);
    let failure = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);

    if amends.is_none() {
        let store = store.clone();
        Effect::new(move |_| {
            let f = form.get();
            if f == LogForm::default() {
                store.remove(&draft_key(case_id));
            } else {
                // Best effort: if storage is full the Save below says so.
                let _ = store.set(&draft_key(case_id), &f);
            }
        });
    }

    let save = {
        let store = store.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let user = expect_context::<crate::session::Auth>().username();
            match cases.log(case_id, &form.with_untracked(LogForm::draft), amends, &user) {
                Ok(()) => {
                    problems.set(None);
                    failure.set(None);
                    saved.set(true);
                    if amends.is_none() {
                        store.remove(&draft_key(case_id));
                    }
                    form.set(LogForm::default());
                    if let Some(cb) = on_done {
                        cb.run(());
                    }
                }
                Err(SaveError::Invalid(p)) => {
                    saved.set(false);
                    failure.set(
                        Some(
                            other_problems(
                                &p,
                                &[
                                    "channel",
                                    "with",
                                    "summary",
                                    "outcome",
                                    "duration_minutes",
                                    "follow_up",
                                    "follow_up_due",
                                    "at",
                                ],
                            )
                            .join(" "),
                        )
                        .filter(|s| !s.is_empty()),
                    );
                    problems.set(Some(p));
                }
                Err(e) => {
                    saved.set(false);
                    failure.set(Some(e.to_string()));
                }
            }
        }
    };

    let group = format!(
        "{case_id}-{}",
        amends.map(|a| a.to_string()).unwrap_or_default()
    );
    let title = if amends.is_some() {
        "Correct this entry"
    } else {
        "Log an interaction"
    };
    let bind = move |get: fn(&LogForm) -> &String, set: fn(&mut LogForm, String)| {
        (
            move || form.with(|f| get(f).clone()),
            move |ev: leptos::ev::Event| form.update(|f| set(f, event_target_value(&ev))),
        )
    };
    let (summary_value, summary_input) = bind(|f| &f.summary, |f, v| f.summary = v);
    let (outcome_value, outcome_input) = bind(|f| &f.outcome, |f, v| f.outcome = v);
    let (duration_value, duration_input) = bind(|f| &f.duration, |f, v| f.duration = v);
    let (follow_value, follow_input) = bind(|f| &f.follow_up, |f, v| f.follow_up = v);
    let (due_value, due_input) = bind(|f| &f.follow_up_due, |f, v| f.follow_up_due = v);
    let (at_value, at_input) = bind(|f| &f.at, |f, v| f.at = v);

    view! {
        <form class="quick-log" on:submit=save aria-label=title>
            <h3>{title}</h3>
            {choices("How", format!("channel-{group}"), Channel::ALL.iter().map(|c| (ident(c), c.label())).collect(), form, |f| &f.channel, |f| &mut f.channel)}
            <FieldError problems field="channel"/>
            {choices("With", format!("with-{group}"), Party::ALL.iter().map(|p| (ident(p), p.label())).collect(), form, |f| &f.with, |f| &mut f.with)}
            <FieldError problems field="with"/>
            <label class="field">
                <span>"What was said"</span>
                <textarea rows="3" prop:value=summary_value on:input=summary_input></textarea>
            </label>
            <FieldError problems field="summary"/>
            <details class="more" open=amends.is_some()>
                <summary>"Time, outcome, follow-up"</summary>
                <label class="field">
                    <span>"When (blank = now)"</span>
                    <input type="datetime-local" prop:value=at_value on:input=at_input/>
                </label>
                <FieldError problems field="at"/>
                <label class="field">
                    <span>"Duration (minutes)"</span>
                    <input type="number" min="0" max="1440" inputmode="numeric" prop:value=duration_value on:input=duration_input/>
                </label>
                <FieldError problems field="duration_minutes"/>
                <label class="field">
                    <span>"Outcome"</span>
                    <textarea rows="2" prop:value=outcome_value on:input=outcome_input></textarea>
                </label>
                <label class="field">
                    <span>"Promised follow-up"</span>
                    <input type="text" prop:value=follow_value on:input=follow_input/>
                </label>
                <FieldError problems field="follow_up"/>
                <label class="field">
                    <span>"Follow-up due"</span>
                    <input type="date" prop:value=due_value on:input=due_input/>
                </label>
                <FieldError problems field="follow_up_due"/>
            </details>
            {move || failure.get().map(|f| view! { <p class="notice error" role="alert">{f}</p> })}
            <div class="form-actions">
                <button type="submit" class="primary">{if amends.is_some() { "Save correction" } else { "Save log" }}</button>
                {move || saved.get().then(|| view! {
                    <span class="saved" role="status">{move || if cases.pending.get() > 0 { "Saving…" } else { "Saved on this device" }}</span>
                })}
            </div>
        </form>
    }
}

/// A row of one-tap choices (radio buttons drawn as large chips) bound to
/// one field of the form.
fn choices(
    legend: &'static str,
    name: String,
    options: Vec<(String, &'static str)>,
    form: RwSignal<LogForm>,
    get: fn(&LogForm) -> &String,
    set: fn(&mut LogForm) -> &mut String,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(id, label)| {
            let mine = id.clone();
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name=name.clone()
                        value=id.clone()
                        prop:checked=move || form.with(|f| *get(f) == id)
                        on:change=move |_| form.update(|f| *set(f) = mine.clone())
                    />
                    <span>{label}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="choices">
            <legend>{legend}</legend>
            {options}
        </fieldset>
    }
}
