//! Logging an interaction in seconds, one-handed: channel and party are one
//! tap each (defaulting to a bedside visit with the patient), then the text
//! and Save. The time defaults to now. What is being typed is kept on the
//! device, so a reload or a dead battery does not lose it.

use advocase_core::id::Id;
use advocase_core::interaction::{Contacted, Interaction, InteractionDraft};
use advocase_core::reference::{Channel, Party};
use leptos::prelude::*;

use crate::clock;
use crate::directory::Directory;
use crate::views::fields::ident;
use crate::views::fields::{ErrorSummary, FormState};
use crate::views::html::{Draft, FormValues, Markup};
use advocase_core::reference::Identified;

/// The form as typed; saved as a draft on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Every field by the name its kept draft gives it (the JSON it was
    /// always kept as).
    fn fields(&mut self) -> [(&'static str, &mut String); 11] {
        [
            ("channel", &mut self.channel),
            ("with", &mut self.with),
            ("summary", &mut self.summary),
            ("outcome", &mut self.outcome),
            ("duration", &mut self.duration),
            ("follow_up", &mut self.follow_up),
            ("follow_up_due", &mut self.follow_up_due),
            ("follow_up_kind", &mut self.follow_up_kind),
            ("follow_up_time", &mut self.follow_up_time),
            ("at", &mut self.at),
            ("contact", &mut self.contact),
        ]
    }

    /// The draft kept for `key`; a field it lacks as in a new form.
    fn load(store: &crate::storage::Store, key: &str) -> Option<Self> {
        let kept = Draft::load(store, key)?;
        let mut f = LogForm::default();
        for (name, value) in f.fields() {
            if let Some(v) = kept.text(name) {
                *value = v;
            }
        }
        Some(f)
    }

    fn save(&self, store: &crate::storage::Store, key: &str) {
        let kept = Draft::default();
        for (name, value) in self.clone().fields() {
            kept.put(name, value.as_str());
        }
        kept.save(store, key);
    }

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

impl LogForm {
    /// What the form holds now (its markup's field names).
    fn read(v: &FormValues) -> Self {
        LogForm {
            channel: v.text("channel"),
            with: v.text("with"),
            summary: v.text("summary"),
            outcome: v.text("outcome"),
            duration: v.text("duration_minutes"),
            follow_up: v.text("follow_up"),
            follow_up_due: v.text("follow_up_due"),
            follow_up_kind: v.text("follow_up_kind"),
            follow_up_time: v.text("follow_up_time"),
            at: v.text("at"),
            contact: v.text("contact"),
        }
    }

    /// The form's fields as markup, as `Field` and `Choices` draw them;
    /// `unfolded`: whether "Time, outcome, follow-up" is open.
    fn markup(&self, state: FormState, names: &str, unfolded: bool) -> String {
        let mut m = Markup::new(state);
        let channels: Vec<(&str, &str)> = Channel::ALL
            .iter()
            .map(|c| (c.ident(), c.label()))
            .collect();
        m.choices("channel", "How", &channels, &self.channel);
        let parties: Vec<(&str, &str)> =
            Party::ALL.iter().map(|p| (p.ident(), p.label())).collect();
        m.choices("with", "With", &parties, &self.with);
        m.textarea("summary", "What was said", &self.summary);
        m.out += &format!(
            r#"<details class="more"{}><summary>Time, outcome, follow-up</summary>"#,
            if unfolded { " open" } else { "" }
        );
        m.input("datetime-local", "at", "When (blank = now)", &self.at);
        m.input_with(
            "number",
            r#" min="0" max="1440" inputmode="numeric""#,
            "duration_minutes",
            "Duration (minutes)",
            &self.duration,
        );
        m.area(2, "outcome", "Outcome", &self.outcome);
        m.input("text", "follow_up", "Promised follow-up", &self.follow_up);
        let kinds = crate::views::coordination::kind_options();
        let kinds: Vec<(&str, &str)> = kinds
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        m.select(
            "follow_up_kind",
            "Kind of follow-up",
            &kinds,
            &self.follow_up_kind,
        );
        m.input(
            "date",
            "follow_up_due",
            "Follow-up due",
            &self.follow_up_due,
        );
        m.input(
            "time",
            "follow_up_time",
            "Follow-up time (optional)",
            &self.follow_up_time,
        );
        m.input_with(
            "text",
            &format!(r#" list="{names}""#),
            "contact",
            "Person contacted (from the directory)",
            &self.contact,
        );
        m.out + "</details>"
    }
}

/// The quick-log form for `case_id`; with `amend`, a correction of that entry.
///
/// Its fields are markup (each `view!` element is code of its own: README,
/// Size), redrawn only when its messages change; what is typed is read on
/// every input (and kept as the draft), so a redraw shows it again.
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
        None => LogForm::load(&store, &draft_key(case_id)).unwrap_or_default(),
    };
    let form = StoredValue::new(initial);
    // Whether "Time, outcome, follow-up" is open, kept across a redraw.
    let unfolded = StoredValue::new(amends.is_some());
    let group = format!(
        "log-{case_id}-{}",
        amends.map(|a| a.to_string()).unwrap_or_default()
    );
    let names = format!("{group}-names");
    let state = FormState::new(group);
    let saved = RwSignal::new(false);

    let keep = {
        let store = store.clone();
        move |f: LogForm| {
            if amends.is_none() {
                if f == LogForm::default() {
                    store.remove(&draft_key(case_id));
                } else {
                    f.save(&store, &draft_key(case_id));
                }
            }
            form.set_value(f);
        }
    };
    let typing = {
        let keep = keep.clone();
        move |ev: leptos::ev::Event| {
            if let Some(v) = ev.target().and_then(|t| FormValues::of(&t)) {
                keep(LogForm::read(&v));
            }
        }
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        let Some((v, open)) = FormValues::sent(&ev) else {
            return;
        };
        unfolded.set_value(open);
        form.set_value(LogForm::read(&v));
        let user = crate::app::handles().auth.username();
        let known = contacts(directory);
        let result = cases.log(
            case_id,
            &form.with_value(|f| f.draft(&known)),
            amends,
            &user,
        );
        saved.set(result.is_ok());
        if state.report(result) {
            keep(LogForm::default());
            if let Some(cb) = on_done {
                cb.run(());
            }
        }
    };

    let title = if amends.is_some() {
        "Correct this entry"
    } else {
        "Log an interaction"
    };
    let fields = {
        let names = names.clone();
        move || form.with_value(|f| f.markup(state, &names, unfolded.get_value()))
    };

    view! {
        <form class="quick-log" on:submit=save on:input=typing aria-label=title novalidate>
            <h3>{title}</h3>
            <ErrorSummary form=state/>
            <div inner_html=fields></div>
            <datalist id=names inner_html=move || {
                contacts(directory)
                    .iter()
                    .map(|(shown, _)| format!(r#"<option value="{}"></option>"#, crate::views::html::escape(shown)))
                    .collect::<String>()
            }></datalist>
            <div class="form-actions">
                <button type="submit" class="primary">{if amends.is_some() { "Save correction" } else { "Save log" }}</button>
                {move || saved.get().then(|| view! {
                    <span class="saved" role="status">{move || if cases.pending.get() > 0 { "Saving…" } else { "Saved on this device" }}</span>
                })}
            </div>
        </form>
    }
}
