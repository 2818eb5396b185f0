//! The case list: everything on this device, most urgent first, with search
//! as you type and a quick log on every row.

use advocase_core::caseload::Query;
use advocase_core::deadline::DueState;
use advocase_core::id::Id;
use advocase_core::listing::ListRow;
use advocase_core::reference::CaseKind;
use advocase_core::status::Status;
use chrono::NaiveDate;
use leptos::prelude::*;

use crate::views::fields::{Shown, keyed};

use crate::clock;
use crate::views::fields::{from_ident, ident};
use crate::views::quick_log::QuickLog;

/// Rows drawn at once: enough for a shift, small enough to stay instant.
const SHOWN: usize = 100;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Row {
    id: Id,
    patient: String,
    room: String,
    unit: String,
    kind: &'static str,
    status: &'static str,
    when: String,
    overdue: bool,
    /// "Leaves 24 Nov 2026 · 9 of 14, 2 required items left".
    discharge: Option<String>,
    attention: bool,
}

impl Row {
    /// All the row shows, as text, its fields apart by a control character
    /// no shown text holds: its key. Not `Debug`, whose string escaping
    /// would compile Unicode tables into the client (README, Size).
    fn key(&self) -> String {
        let flag = |b: bool| if b { "1" } else { "0" };
        [
            &self.id.to_string(),
            &self.patient,
            &self.room,
            &self.unit,
            self.kind,
            self.status,
            &self.when,
            flag(self.overdue),
            flag(self.discharge.is_some()),
            self.discharge.as_deref().unwrap_or_default(),
            flag(self.attention),
        ]
        .join("\u{1f}")
    }

    fn new(c: &ListRow, today: NaiveDate) -> Self {
        let when = match (c.status.is_active(), c.due_on) {
            (true, Some(due)) => DueState::of(due, today).describe(),
            (true, None) => match c.days_open(today) {
                0 => "opened today".into(),
                1 => "1 day open".into(),
                n => format!("{n} days open"),
            },
            (false, _) => c.status.label().to_lowercase(),
        };
        Row {
            id: c.id,
            patient: c.name.clone(),
            room: c.room.clone(),
            unit: c.unit.clone(),
            kind: c.kind.label(),
            status: c.status.label(),
            when,
            overdue: c.is_overdue(today),
            discharge: discharge_line(c),
            attention: c.status.is_active() && c.progress.is_some_and(|p| !p.is_ready()),
        }
    }
}

fn discharge_line(c: &ListRow) -> Option<String> {
    let when = c
        .expected_discharge
        .map(|d| format!("Leaves {}", clock::show_date(d)));
    let progress = c.progress.map(|p| format!("checklist {}", p.describe()));
    match (when, progress) {
        (Some(w), Some(p)) => Some(format!("{w} · {p}")),
        (Some(w), None) => Some(w),
        (None, Some(p)) => Some(format!("Discharge {p}")),
        (None, None) => None,
    }
}

#[component]
pub fn CaseList() -> impl IntoView {
    if crate::app::handles()
        .auth
        .user_untracked()
        .is_some_and(|u| u.role == advocase_core::access::Role::Admin)
    {
        return view! {
            <h1>"Cases"</h1>
            <p class="notice info">"Administrators manage accounts and see no patient data. " <a href="/users">"Manage accounts"</a></p>
        }
        .into_any();
    }
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let mine = RwSignal::new(false);
    let overdue = RwSignal::new(false);
    let logging = RwSignal::new(None::<Id>);
    let today = clock::today();

    let result = Memo::new(move |_| {
        let query = Query {
            text: text.get(),
            status: from_ident(&status.get()),
            kind: from_ident(&kind.get()),
            unit: Some(unit.get()).filter(|u| !u.is_empty()),
            assigned_to: mine
                .get()
                .then(|| auth.user().map(|u| u.username).unwrap_or_default()),
            overdue_only: overdue.get(),
        };
        cases.caseload.with(|c| {
            let hits = c.list(&query, today);
            (
                hits.rows.len(),
                hits.rows
                    .into_iter()
                    .take(SHOWN)
                    .map(|r| Row::new(r, today))
                    .collect::<Vec<_>>(),
                hits.unread,
            )
        })
    });
    // The rows keyed by all they show (as the `Row` itself was), as text:
    // one compiled keyed list for the app (`fields::keyed`).
    let keys = Memo::new(move |_| result.with(|r| r.1.iter().map(Row::key).collect::<Vec<_>>()));
    let units = Memo::new(move |_| cases.caseload.with(|c| c.units()));
    let total = move || cases.caseload.with(|c| c.len());

    let select = |label: &'static str,
                  value: RwSignal<String>,
                  options: Vec<(String, &'static str)>| {
        view! {
            <label class="filter">
                <span>{label}</span>
                <select prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </label>
        }
    };

    view! {
        <div class="page-head">
            <h1>"Cases"</h1>
            <a href="/cases/new" class="button primary">"New case"</a>
        </div>
        <div class="filters" role="search" aria-label="Find cases">
            <label class="filter search">
                <span>"Search cases"</span>
                <input
                    type="search"
                    placeholder="Name, MRN, room or any word from the notes"
                    autocomplete="off"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
            </label>
            {select("Status", status, Status::ALL.iter().map(|s| (ident(s), s.label())).collect())}
            {select("Kind", kind, CaseKind::ALL.iter().map(|k| (ident(k), k.label())).collect())}
            <label class="filter">
                <span>"Unit"</span>
                <select prop:value=move || unit.get() on:change=move |ev| unit.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {move || units.get().into_iter().map(|u| view! { <option value=u.clone()>{u.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || mine.get() on:change=move |ev| mine.set(event_target_checked(&ev))/>
                <span>"Assigned to me"</span>
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || overdue.get() on:change=move |ev| overdue.set(event_target_checked(&ev))/>
                <span>"Overdue"</span>
            </label>
        </div>
        <p class="result-count" role="status">
            {move || {
                let (n, _, unread) = result.get();
                if unread > 0 {
                    // A start is still reading the cases' notes: say so
                    // rather than miss matches.
                    return format!("{n} of {} cases match so far; still searching {unread}…", total());
                }
                match (n, total()) {
                    (_, 0) => "No cases on this device yet. Tap “New case” to open one.".to_owned(),
                    (1, 1) => "1 case".to_owned(),
                    (n, t) if n == t => format!("{n} cases"),
                    (n, t) if n > SHOWN => format!("{n} of {t} cases match; showing the {SHOWN} most urgent"),
                    (n, t) => format!("{n} of {t} cases match"),
                }
            }}
        </p>
        <ul class="case-list">
            {keyed(keys, move |k| {
                    // The row whose key this is: keys are in the rows' order.
                    let Some(row) = keys
                        .with_untracked(|ks| ks.iter().position(|x| *x == k))
                        .and_then(|i| result.with_untracked(|r| r.1.get(i).cloned()))
                    else {
                        return ().into_any();
                    };
                    let id = row.id;
                    let name = row.patient.clone();
                    view! {
                        <li class="case-row" class:overdue=row.overdue>
                            <a href=format!("/cases/{id}") class="case-link">
                                <span class="patient">{row.patient.clone()}</span>
                                <span class="case-meta">
                                    {[row.room.clone(), row.unit.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}
                                </span>
                                <span class="case-meta">{row.kind} " · " {row.status}</span>
                                <span class="when">{row.when.clone()}</span>
                                {row.discharge.clone().map(|d| view! {
                                    <span class="case-meta discharge-line" class:attention=row.attention data-testid="row-discharge">{d}</span>
                                })}
                            </a>
                            <button
                                type="button"
                                class="log-button"
                                aria-expanded=move || (logging.get() == Some(id)).to_string()
                                aria-label=format!("Log interaction for {name}")
                                on:click=move |_| logging.update(|l| *l = if *l == Some(id) { None } else { Some(id) })
                            >
                                "Log"
                            </button>
                            <Shown when=Signal::derive(move || logging.get() == Some(id))>
                                <QuickLog case_id=id on_done=move |_| logging.set(None)/>
                            </Shown>
                        </li>
                    }
                    .into_any()
            })}
        </ul>
    }
    .into_any()
}
