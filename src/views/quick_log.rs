//! Logging an interaction in seconds, one-handed: channel and party are one
//! tap each (defaulting to a bedside visit with the patient), then the text
//! and Save. The time defaults to now. What is being typed is kept on the
//! device, so a reload or a dead battery does not lose it.

use advocase_core::id::Id;
use advocase_core::interaction::{Contacted, Interaction, InteractionDraft};
use advocase_core::reference::{Channel, Party};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::directory::Directory;
use crate::views::fields::ident;
use crate::views::fields::{Choices, Control, ErrorSummary, Field, FormState};

/// The form as typed; saved as a draft on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
struct LogForm {
    channel: String,
    with: String,
    summary: String,
    outcome: String,
    duration: String,
    follow_up: String,
    follow_up_due: String,
    follow_up_kind: String,
    /// "14:30" or empty.
    follow_up_time: String,
    /// `datetime-local` value; empty means "now".
    at: String,
    /// The person contacted, as the directory lists them (see `contacts`).
    contact: String,
}
advocase_core::record!(LogForm);

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
            follow_up_kind: String::new(),
            follow_up_time: String::new(),
            at: String::new(),
            contact: String::new(),
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
            follow_up_kind: i
                .follow_up
                .as_ref()
                .and_then(|f| f.kind.as_ref())
                .map(ident)
                .unwrap_or_default(),
            follow_up_time: i
                .follow_up
                .as_ref()
                .and_then(|f| f.time)
                .map(advocase_core::followup::task::clock)
                .unwrap_or_default(),
            at: clock::local_input_value(i.at),
            contact: i
                .contact
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        }
    }

    /// With `contacts` (what the datalist offers, see [`contacts`]): a
    /// typed name that is none of them is kept with no entry, so checking
    /// the draft says to choose from the directory.
    fn draft(&self, contacts: &[(String, Contacted)]) -> InteractionDraft {
        let at = clock::parse_local_input(&self.at);
        let typed = self.contact.trim();
        let contact = (!typed.is_empty()).then(|| {
            contacts
                .iter()
                .find(|(shown, _)| shown.eq_ignore_ascii_case(typed))
                .map(|(_, c)| c.clone())
                .unwrap_or(Contacted {
                    entry: Id::default(),
                    name: typed.to_owned(),
                })
        });
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
            follow_up_kind: self.follow_up_kind.clone(),
            follow_up_time: self.follow_up_time.clone(),
            contact,
        }
    }
}

/// The directory's live entries as the contact field offers them: the
/// name, with the title when two share a name (ignoring case, as a typed
/// name is matched). The entries are in name order, so namesakes are
/// neighbours: one pass, not a search per entry.
#[inline(never)]
fn contacts(directory: Directory) -> Vec<(String, Contacted)> {
    directory.with_live(|live| {
        live.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let same = |j: usize| {
                    live.entries
                        .get(j)
                        .is_some_and(|o| o.name.eq_ignore_ascii_case(&e.name))
                };
                let twin = (i > 0 && same(i - 1)) || same(i + 1);
                let shown = if twin && !e.title.is_empty() {
                    format!("{} ({})", e.name, e.title)
                } else {
                    e.name.clone()
                };
                (
                    shown,
                    Contacted {
                        entry: e.id,
                        name: e.name.clone(),
                    },
                )
            })
            .collect()
    })
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
    let cases = crate::app::handles().cases;
    let store = crate::app::base().store;
    let directory = crate::app::handles().directory;

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
    let group = format!(
        "log-{case_id}-{}",
        amends.map(|a| a.to_string()).unwrap_or_default()
    );
    let names = format!("{group}-names");
    let state = FormState::new(group);
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
            let user = crate::app::handles().auth.username();
            let known = contacts(directory);
            let result = cases.log(
                case_id,
                &form.with_untracked(|f| f.draft(&known)),
                amends,
                &user,
            );
            saved.set(result.is_ok());
            if state.report(result) {
                if amends.is_none() {
                    store.remove(&draft_key(case_id));
                }
                form.set(LogForm::default());
                if let Some(cb) = on_done {
                    cb.run(());
                }
            }
        }
    };

    let title = if amends.is_some() {
        "Correct this entry"
    } else {
        "Log an interaction"
    };
    // One field of the form: a label, its control and its message.
    let field = move |control: Control,
                      label: &'static str,
                      name: &'static str,
                      get: fn(&LogForm) -> &String,
                      set: fn(&mut LogForm, String)| {
        view! {
            <Field form=state name label control
                value=Signal::derive(move || form.with(|f| get(f).clone()))
                set=move |v| form.update(|f| set(f, v))/>
        }
    };
    let choices = move |legend: &'static str,
                        name: &'static str,
                        options: Vec<(String, &'static str)>,
                        get: fn(&LogForm) -> &String,
                        set: fn(&mut LogForm, String)| {
        view! {
            <Choices form=state name legend options
                value=Signal::derive(move || form.with(|f| get(f).clone()))
                set=move |v| form.update(|f| set(f, v))/>
        }
    };

    view! {
        <form class="quick-log" on:submit=save aria-label=title novalidate>
            <h3>{title}</h3>
            <ErrorSummary form=state/>
            {choices("How", "channel", Channel::ALL.iter().map(|c| (ident(c), c.label())).collect(), |f| &f.channel, |f, v| f.channel = v)}
            {choices("With", "with", Party::ALL.iter().map(|p| (ident(p), p.label())).collect(), |f| &f.with, |f, v| f.with = v)}
            {field(Control::TextArea(3), "What was said", "summary", |f| &f.summary, |f, v| f.summary = v)}
            <details class="more" open=amends.is_some()>
                <summary>"Time, outcome, follow-up"</summary>
                {field(Control::Input("datetime-local"), "When (blank = now)", "at", |f| &f.at, |f, v| f.at = v)}
                {field(Control::Number(0, 1440), "Duration (minutes)", "duration_minutes", |f| &f.duration, |f, v| f.duration = v)}
                {field(Control::TextArea(2), "Outcome", "outcome", |f| &f.outcome, |f, v| f.outcome = v)}
                {field(Control::Text, "Promised follow-up", "follow_up", |f| &f.follow_up, |f, v| f.follow_up = v)}
                {field(Control::Select(crate::views::coordination::kind_options()), "Kind of follow-up", "follow_up_kind", |f| &f.follow_up_kind, |f, v| f.follow_up_kind = v)}
                {field(Control::Input("date"), "Follow-up due", "follow_up_due", |f| &f.follow_up_due, |f, v| f.follow_up_due = v)}
                {field(Control::Input("time"), "Follow-up time (optional)", "follow_up_time", |f| &f.follow_up_time, |f, v| f.follow_up_time = v)}
                <Field form=state name="contact" label="Person contacted (from the directory)" list=names.clone()
                    value=Signal::derive(move || form.with(|f| f.contact.clone()))
                    set=move |v| form.update(|f| f.contact = v)/>
                <datalist id=names inner_html=move || {
                    contacts(directory)
                        .iter()
                        .map(|(shown, _)| format!(r#"<option value="{}"></option>"#, crate::views::html::escape(shown)))
                        .collect::<String>()
                }></datalist>
            </details>
            <div class="form-actions">
                <button type="submit" class="primary">{if amends.is_some() { "Save correction" } else { "Save log" }}</button>
                {move || saved.get().then(|| view! {
                    <span class="saved" role="status">{move || if cases.pending.get() > 0 { "Saving…" } else { "Saved on this device" }}</span>
                })}
            </div>
        </form>
    }
}
